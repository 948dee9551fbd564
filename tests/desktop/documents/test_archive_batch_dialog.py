"""批量归档: the count for the dates, a batch written with its 目录, a cancelled one keeping only
whole files, PDFs beside the forms, and the folder and date mistakes a clerk makes."""
from __future__ import annotations

import csv
import datetime as dt
import errno
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog

from core import clock
from desktop.documents import archive_batch as archive_batch_dialog
from desktop.documents.archive_batch import ArchiveBatchDialog, count_text, previous_month
from desktop.worker import Runner
from core import files as outputs
from forms import batch, pdf
from tests.forms.test_issue import closed_consult



@pytest.fixture
def out(tmp_path) -> Path:
    folder = tmp_path / "归档"
    folder.mkdir()
    return folder


@pytest.fixture
def finished(operator) -> list[int]:
    """Four consults answered on the spot today: each is a finished ticket with an archive form."""
    return [closed_consult(operator, caller_name=f"来电人{n}") for n in range(4)]


@pytest.fixture
def dialog(qtbot, center_db, out, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(out))
    runner = Runner()
    widget = ArchiveBatchDialog(center_db, runner)
    qtbot.addWidget(widget)
    widget.show()
    widget.activateWindow()
    qtbot.waitActive(widget)
    yield widget
    runner.wait()


def _type_date(qtbot, edit, day: dt.date) -> None:
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_Home)
    qtbot.keyClicks(edit, day.isoformat())
    assert edit.date().toPython() == day


def _press(qtbot, button) -> None:
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)


def _choose_today(qtbot, dialog: ArchiveBatchDialog) -> None:
    _type_date(qtbot, dialog.end, clock.today())  # the end first: the start may not pass it
    _type_date(qtbot, dialog.start, clock.today())
    _press(qtbot, dialog.choose_button)


def _index(folder: Path) -> list[list[str]]:
    with open(folder / batch.INDEX_NAME, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))[1:]


def test_the_dates_start_on_the_previous_month_and_the_count_follows_them(qtbot, dialog, finished):
    first, last = previous_month(clock.today())
    assert (dialog.start.date().toPython(), dialog.end.date().toPython()) == (first, last)
    assert previous_month(dt.date(2026, 1, 15)) == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))
    qtbot.waitUntil(lambda: dialog.count.text() == "这段时间没有办结的工单。", timeout=5000)
    _type_date(qtbot, dialog.end, clock.today())
    _type_date(qtbot, dialog.start, clock.today())
    qtbot.waitUntil(lambda: dialog.count.text() == "这段时间办结了 4 张工单（诉求工单 4 份）。", timeout=5000)
    assert count_text([(1, "a", "12365", "complaint"), (2, "b", "12365", "consult"), (3, "c", "12365", "complaint"),
                       (4, "d", "12345", "consult")]) == (
        "这段时间办结了 4 张工单（投诉处理归档表 2 份、咨询处理归档表 1 份、诉求工单 1 份）。")


def test_a_batch_writes_every_form_and_its_index_and_opens_the_folder(qtbot, dialog, finished, out, monkeypatch):
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    _choose_today(qtbot, dialog)
    assert dialog.folder.text() == str(out)
    _press(qtbot, dialog.start_button)
    qtbot.waitUntil(lambda: dialog.result_box.isVisible(), timeout=20_000)
    folder = out / f"归档表 {clock.today():%Y-%m-%d} 至 {clock.today():%Y-%m-%d}"
    docxs = sorted(p.name for p in folder.glob("*.docx"))
    assert len(docxs) == 4 and all(name.endswith("-诉求工单.docx") for name in docxs)  # a 12345 center
    assert sorted(row[3] for row in _index(folder)) == docxs
    assert sorted(p.name for p in folder.iterdir()) == sorted(docxs + [batch.INDEX_NAME])  # no temporary files
    assert dialog.summary.text().startswith(f"共 4 张工单，已写出 4 份归档表到“{folder}”。用时 ")
    assert not dialog.skipped.isVisible() and not dialog.pdf_result.isVisible()
    _press(qtbot, dialog.open_button)
    assert opened == [str(folder)]


def test_a_cancelled_batch_keeps_only_whole_forms_and_says_so(qtbot, dialog, finished, out, monkeypatch):
    calls = 0

    def cancel_on_the_third_form(parent, title, work, runner=None):
        """run_with_progress with 取消 pressed just before the third form."""
        def progress(done: int, total: int) -> None:
            nonlocal calls
            calls += 1

        work(progress, lambda: calls >= 3)  # and gives None, as the real one does when cancelled

    monkeypatch.setattr(archive_batch_dialog, "run_with_progress", cancel_on_the_third_form)
    _choose_today(qtbot, dialog)
    dialog.pdf.setChecked(dialog.pdf.isEnabled())  # a cancelled batch makes no PDFs either
    _press(qtbot, dialog.start_button)
    assert dialog.result_box.isVisible()
    folder = out / f"归档表 {clock.today():%Y-%m-%d} 至 {clock.today():%Y-%m-%d}"
    docxs = sorted(folder.glob("*.docx"))
    assert len(docxs) == 2
    assert all(p.stat().st_size > 5000 and p.read_bytes()[:2] == b"PK" for p in docxs)  # whole .docx files
    assert [row[3] for row in _index(folder)] == [p.name for p in docxs]
    assert sorted(p.name for p in folder.iterdir()) == sorted([p.name for p in docxs] + [batch.INDEX_NAME])
    assert "已写出 2 份归档表" in dialog.summary.text() and "（已取消，其余未写出）" in dialog.summary.text()
    assert not dialog.pdf_result.isVisible()
    assert dialog.start_button.isEnabled() and dialog.close_button.isEnabled()


def test_end_before_start_is_said_at_once_and_nothing_is_written(qtbot, dialog, finished, out):
    _type_date(qtbot, dialog.start, clock.today())
    _type_date(qtbot, dialog.end, clock.today() - dt.timedelta(days=3))
    assert dialog.error.isVisible()
    assert dialog.error.text() == (f"结束日期（{clock.today() - dt.timedelta(days=3):%Y-%m-%d}）早于开始日期（{clock.today():%Y-%m-%d}），"
                                   "请重新选择。")
    assert dialog.count.text() == ""
    _press(qtbot, dialog.start_button)
    assert not dialog.result_box.isVisible() and list(out.iterdir()) == []


def test_a_folder_gone_or_a_full_disk_is_said_before_starting(qtbot, dialog, finished, out, monkeypatch):
    _choose_today(qtbot, dialog)
    out.rmdir()  # the USB stick was pulled out
    _press(qtbot, dialog.start_button)
    assert dialog.error.isVisible() and dialog.error.text() == (
        f"文件夹“{out}”不存在（可能已被移动，或 U 盘已拔出）。请重新选择文件夹。")
    assert not dialog.result_box.isVisible()

    out.mkdir()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(outputs.tempfile, "mkstemp", full)
    _press(qtbot, dialog.start_button)
    assert dialog.error.text().startswith("磁盘空间不足") and str(out) in dialog.error.text()
    assert list(out.iterdir()) == [] and not dialog.result_box.isVisible()

    monkeypatch.undo()  # room again: choosing the folder once more clears the message
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(out))
    _press(qtbot, dialog.choose_button)
    assert not dialog.error.isVisible()


def test_without_libreoffice_the_pdf_box_is_off_and_says_why(qtbot, center_db, monkeypatch):
    monkeypatch.setenv(pdf.ENV_OFFICE, "")
    runner = Runner()
    widget = ArchiveBatchDialog(center_db, runner)
    qtbot.addWidget(widget)
    assert not widget.pdf.isEnabled() and not widget.pdf.isChecked()
    assert "未找到 LibreOffice" in widget.pdf.toolTip() and "未找到 LibreOffice" in widget.pdf.text()
    runner.wait()


@pytest.fixture
def office():
    if pdf.find_office() is None:
        pytest.skip("LibreOffice (soffice) is not installed")


def test_pdfs_are_made_beside_the_forms_when_asked(qtbot, dialog, operator, out, office, monkeypatch):
    monkeypatch.setattr(archive_batch_dialog, "PDF_CHUNK", 1)  # one LibreOffice run a form: the chunks add up
    closed_consult(operator)
    closed_consult(operator, caller_name="李女士")
    _choose_today(qtbot, dialog)
    assert dialog.pdf.isEnabled()
    dialog.pdf.setFocus()
    qtbot.keyClick(dialog.pdf, Qt.Key.Key_Space)
    assert dialog.pdf.isChecked()
    _press(qtbot, dialog.start_button)
    qtbot.waitUntil(lambda: dialog.result_box.isVisible(), timeout=120_000)
    folder = out / f"归档表 {clock.today():%Y-%m-%d} 至 {clock.today():%Y-%m-%d}"
    assert sorted(p.stem for p in folder.glob("*.pdf")) == sorted(p.stem for p in folder.glob("*.docx"))
    assert len(list(folder.glob("*.pdf"))) == 2
    assert dialog.pdf_result.text().startswith("已生成 2 份 PDF，与归档表在同一文件夹。用时 ")


def test_a_cancelled_conversion_keeps_the_pdfs_already_made_and_says_how_many(qtbot, dialog, operator, out, office,
                                                                              monkeypatch):
    monkeypatch.setattr(archive_batch_dialog, "PDF_CHUNK", 1)
    closed_consult(operator)
    closed_consult(operator, caller_name="李女士")
    runs: list[str] = []

    def cancel_after_the_first_pdf(parent, title, work, runner=None):
        runs.append(title)
        reported: list[int] = []
        converting = title.startswith("正在生成 2 份 PDF")
        work(lambda done, total: reported.append(done), lambda: converting and bool(reported) and reported[-1] >= 1)

    monkeypatch.setattr(archive_batch_dialog, "run_with_progress", cancel_after_the_first_pdf)
    _choose_today(qtbot, dialog)
    dialog.pdf.setChecked(True)
    _press(qtbot, dialog.start_button)
    assert runs == ["正在生成归档表…", "正在生成 2 份 PDF…"]
    folder = out / f"归档表 {clock.today():%Y-%m-%d} 至 {clock.today():%Y-%m-%d}"
    assert len(list(folder.glob("*.docx"))) == 2 and len(list(folder.glob("*.pdf"))) == 1
    assert dialog.pdf_result.text() == "PDF 已取消，已生成 1 份，其余 1 份没有生成；归档表 .docx 都已写好。"
