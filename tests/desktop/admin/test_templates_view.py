"""系统管理 · 文书模板: a bad template refused with its problems listed, a good one taken as
第 1 版, the bundled one restored and the version brought back, the current one downloaded."""
from __future__ import annotations

from pathlib import Path

import docx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from desktop.admin.templates import TemplatesView, placeholder_rows
from desktop.worker import Runner
from forms import templates
from forms.catalog import DocumentKind
from tests.helpers import type_text

KINDS = list(DocumentKind)


def bundled_with(tmp_path: Path, kind: DocumentKind, paragraph: str, name: str) -> Path:
    """The bundled template of ``kind`` with one paragraph added, saved as ``name``."""
    document = docx.Document(str(templates.builtin_path(kind)))
    document.add_paragraph(paragraph)
    path = tmp_path / name
    document.save(path)
    return path


@pytest.fixture
def view(qtbot, center_db):
    runner = Runner()
    widget = TemplatesView(center_db, runner)
    qtbot.addWidget(widget)
    widget.resize(1280, 760)
    widget.show()
    widget.activateWindow()
    qtbot.waitActive(widget)
    qtbot.waitUntil(lambda: widget.kinds.rowCount() == len(KINDS), timeout=5000)
    yield widget
    runner.wait()


def _choose_kind(qtbot, view: TemplatesView, kind: DocumentKind) -> None:
    """Arrow down the list of documents to ``kind``, as a person does."""
    view.kinds.setFocus()
    qtbot.keyClick(view.kinds, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
    for _ in range(KINDS.index(kind)):
        qtbot.keyClick(view.kinds, Qt.Key.Key_Down)
    assert view.title.text() == kind.label


def _press(qtbot, button) -> None:
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)


def _in_use(view: TemplatesView, kind: DocumentKind) -> str:
    return view.kinds.item(KINDS.index(kind), 1).text()


def _pick_file(monkeypatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(path), "Word 文档 (*.docx)"))


def test_the_eight_documents_start_on_the_bundled_templates(view):
    assert [view.kinds.item(r, 0).text() for r in range(len(KINDS))] == [k.label for k in KINDS]
    assert {_in_use(view, k) for k in KINDS} == {"内置"}
    assert view.history.rowCount() == 0 and "还没有上传过" in view.history_empty.text()
    assert not view.restore_button.isEnabled() and not view.activate_button.isEnabled()


def test_a_misspelled_placeholder_is_listed_and_the_bundled_template_stays(qtbot, view, monkeypatch, tmp_path):
    kind = DocumentKind.ARCHIVE_CONSULT
    bad = bundled_with(tmp_path, kind, "来电人：{{ caller_nmae }}，答复：{{ replier }}，{{ hanling }}", "咨询归档表.docx")
    _pick_file(monkeypatch, bad)
    _choose_kind(qtbot, view, kind)
    _press(qtbot, view.upload_button)
    qtbot.waitUntil(lambda: view.problem_box.isVisible(), timeout=10_000)
    lines = view.problems.toPlainText().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("1. ") and "“caller_nmae”" in lines[0] and "是不是“caller_name”" in lines[0]
    assert lines[1].startswith("2. ") and "“hanling”" in lines[1] and "是不是“handling”" in lines[1]
    assert "有 2 处问题" in view.problems_title.text() and "仍使用内置模板" in view.problems_title.text()
    assert view.status.text() == "《咨询归档表.docx》未被采用，咨询处理归档表仍使用内置模板。"
    assert _in_use(view, kind) == "内置" and view.history.rowCount() == 0
    assert templates.active(kind).label == "内置" and templates.versions(kind) == []

    _press(qtbot, view.copy_problems)  # to send to whoever made the template
    assert QApplication.clipboard().text().splitlines() == lines

    _choose_kind(qtbot, view, DocumentKind.ARCHIVE_REPORT)  # another document: the list was not about it
    assert not view.problem_box.isVisible()


def test_a_good_template_becomes_version_1_then_the_bundled_one_is_restored_and_it_comes_back(
        qtbot, view, monkeypatch, tmp_path):
    kind = DocumentKind.WORK_ORDER
    good = bundled_with(tmp_path, kind, "（本中心留存联）来电人：{{ caller_name }}", "诉求工单-中心留存.docx")
    _pick_file(monkeypatch, good)
    _choose_kind(qtbot, view, kind)
    view.note.setFocus()
    type_text(qtbot, view.note, "加留存联 v1")
    _press(qtbot, view.upload_button)
    qtbot.waitUntil(lambda: _in_use(view, kind) == "自定义 第 1 版", timeout=10_000)
    assert view.status.text() == "《诉求工单-中心留存.docx》已通过检查，诉求工单现在使用自定义 第 1 版。"
    assert view.note.text() == "" and not view.problem_box.isVisible()
    assert view.kinds.item(KINDS.index(kind), 2).text().startswith("管理员 于 ")
    assert [view.history.item(0, c).text() for c in (0, 1, 2, 4, 5)] == [
        "第 1 版", "诉求工单-中心留存.docx", "加留存联 v1", "管理员", "使用中"]
    assert view.in_use.text().startswith("使用中：自定义 第 1 版（诉求工单-中心留存.docx")
    assert templates.active(kind).content == good.read_bytes()
    assert not view.activate_button.isEnabled()  # the version in use is chosen

    asked: list[str] = []
    monkeypatch.setattr(TemplatesView, "_confirm", lambda self, title, text: asked.append(text) or True)
    assert view.restore_button.isEnabled()
    _press(qtbot, view.restore_button)
    qtbot.waitUntil(lambda: _in_use(view, kind) == "内置", timeout=5000)
    assert asked and asked[0].startswith("诉求工单改用程序自带的模板？")
    assert view.status.text() == "诉求工单已恢复使用内置模板。"
    assert templates.active(kind).label == "内置"
    assert view.history.item(0, 5).text() == "" and "都未启用" in view.history_empty.text()
    assert not view.restore_button.isEnabled()

    view.history.setFocus()
    qtbot.keyClick(view.history, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)  # choose 第 1 版 by keyboard, Enter brings it back
    assert view.activate_button.isEnabled()
    qtbot.keyClick(view.history, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _in_use(view, kind) == "自定义 第 1 版", timeout=5000)
    assert templates.active(kind).label == "自定义 第 1 版"


def test_any_other_refusal_is_listed_the_same_way(qtbot, view, monkeypatch, tmp_path):
    not_word = tmp_path / "调解书.doc"
    not_word.write_bytes(b"\xd0\xcf\x11\xe0 an old Word file")
    _pick_file(monkeypatch, not_word)
    _press(qtbot, view.upload_button)
    qtbot.waitUntil(lambda: view.problem_box.isVisible(), timeout=5000)
    assert "不是 .docx 文件" in view.problems.toPlainText()
    assert templates.versions(DocumentKind.MEDIATION_LETTER) == []


def test_the_current_template_is_downloaded_as_a_starting_point(qtbot, view, monkeypatch, tmp_path):
    target = tmp_path / "下载" / "我的调解书"  # no extension typed: .docx is added
    target.parent.mkdir()
    suggested: list[str] = []

    def save_as(parent, caption, directory, filters):
        suggested.append(directory)
        return str(target), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    _press(qtbot, view.download_button)
    saved = target.with_name("我的调解书.docx")
    qtbot.waitUntil(lambda: saved.exists(), timeout=5000)
    assert Path(suggested[0]).name == "调解书模板（内置）.docx"
    assert saved.read_bytes() == templates.builtin(DocumentKind.MEDIATION_LETTER).content
    qtbot.waitUntil(lambda: view.status.text().startswith("已把调解书的内置模板保存到"), timeout=5000)


def test_placeholders_list_each_field_and_the_rows_of_a_list_and_copy_with_ctrl_c(qtbot, view):
    rows = placeholder_rows(DocumentKind.WORK_ORDER)
    assert rows[0] == ("{{ center_name }}", "中心名称")
    start = rows.index(("{%tr for row in handling_rows %}", "办理记录（列表）：开始，单独占表格的一行"))
    assert rows[start + 1:start + 5] == [("{{ row.at }}", "　办理记录：时间"), ("{{ row.unit }}", "　办理记录：单位"),
                                         ("{{ row.text }}", "　办理记录：内容"),
                                         ("{%tr endfor %}", "办理记录（列表）：结束，单独占表格的一行")]

    _choose_kind(qtbot, view, DocumentKind.WORK_ORDER)
    view.tabs.setCurrentIndex(1)
    assert view.fields.rowCount() == len(rows)
    view.fields.setFocus()
    view.fields.setCurrentCell(start, 0)
    qtbot.keyClick(view.fields, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(view.fields, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == "{%tr for row in handling_rows %}\n{{ row.at }}"
    assert view.status.text() == "已复制 2 个占位符。"
