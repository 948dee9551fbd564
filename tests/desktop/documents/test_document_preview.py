"""预览 / 打印 of a document: the PDF through LibreOffice (one real conversion, marked slow), printing
page by page, 另存为 with its checks, and the honest fallback without an office suite."""
from __future__ import annotations

import io
import os
from pathlib import Path

import docx
import pytest
import shiboken6
from PySide6.QtCore import QMarginsF, QSizeF, Qt
from PySide6.QtGui import QDesktopServices, QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from desktop.documents import preview as document_preview
from desktop.documents.preview import DocumentPreview, print_pdf
from desktop.worker import Runner
from forms import pdf
from forms.catalog import DocumentKind
from forms.issue import Issued

LETTER_TEXT = "经12345热线调解，双方就楼上噪声扰民一事达成如下协议"


def letter_bytes(pages: int = 1) -> bytes:
    document = docx.Document()
    document.add_heading("调解书", 1)
    for page in range(pages):
        if page:
            document.add_page_break()
        document.add_paragraph(f"{LETTER_TEXT}（第{page + 1}页）。")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def issued(content: bytes | None = None, kind: DocumentKind = DocumentKind.MEDIATION_LETTER) -> Issued:
    return Issued(1, "uid", "320102-20261122-0007", kind, "调字〔2026〕第3号",
                  "320102-20261122-0007-调解书-调字〔2026〕第3号.docx", "0" * 64, "内置", False,
                  "2026-11-22T10:00:00+08:00", "杨调解", letter_bytes() if content is None else content)


def fake_pdf(path: Path, pages: int) -> Path:
    """A PDF of ``pages`` A4 pages with a word on each, made by Qt (fast; no office suite)."""
    writer = QPdfWriter(str(path))
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(0, 0, 0, 0)))
    painter = QPainter(writer)
    for page in range(pages):
        if page:
            writer.newPage()
        painter.drawText(200, 400, f"第{page + 1}页")
    painter.end()
    return path


@pytest.fixture
def runner():
    made = Runner()
    yield made
    made.wait()


@pytest.fixture
def no_office(monkeypatch):
    monkeypatch.setenv(pdf.ENV_OFFICE, "")


@pytest.fixture
def converted(monkeypatch):
    """forms.pdf.to_pdf replaced by a two-page PDF made by Qt: the dialog's own work, without soffice."""
    monkeypatch.setattr(document_preview, "require_office", lambda: Path("soffice"))
    monkeypatch.setattr(document_preview, "to_pdf", lambda _docx, out: fake_pdf(Path(out), 2))


@pytest.fixture
def opened(monkeypatch) -> list[Path]:
    """What the dialog asked the system to open, instead of starting Word."""
    urls: list[Path] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: urls.append(Path(url.toLocalFile())) or True)
    return urls


def save_as(monkeypatch, path: Path | str) -> list[str]:
    """The next 另存为 answers ``path``; returns the default names the dialog proposed."""
    proposed: list[str] = []

    def answer(_parent, _title, default, _filter):
        proposed.append(default)
        return str(path), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", answer)
    return proposed


def show(qtbot, dialog: DocumentPreview) -> DocumentPreview:
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_without_office_it_says_so_and_offers_the_docx(qtbot, runner, no_office, opened, monkeypatch, tmp_path):
    data = letter_bytes()
    dialog = show(qtbot, DocumentPreview(issued(data), runner))
    assert dialog.notice.isVisible()
    assert pdf.NO_OFFICE in dialog.notice.text()
    assert not dialog.view.isVisible()  # no imitation of the page
    assert not dialog.print_button.isVisible() and not dialog.pdf_button.isVisible()
    assert dialog.open_button.isVisible() and dialog.word_button.isVisible()
    assert dialog.pages.text() == "无预览"
    assert dialog.focusWidget() is dialog.open_button

    qtbot.keyClick(dialog.open_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(opened), timeout=5000)
    assert opened[0].name == issued().file_name and opened[0].read_bytes() == data
    assert dialog.status.text() == "已用默认程序打开。"

    proposed = save_as(monkeypatch, tmp_path / "给投诉人的调解书")  # typed without the extension
    qtbot.mouseClick(dialog.word_button, Qt.MouseButton.LeftButton)
    target = tmp_path / "给投诉人的调解书.docx"
    qtbot.waitUntil(lambda: target.exists(), timeout=5000)
    assert target.read_bytes() == data
    assert Path(proposed[0]).name == issued().file_name
    qtbot.waitUntil(lambda: "已保存" in dialog.status.text(), timeout=5000)


def test_a_name_with_forbidden_characters_is_refused(qtbot, runner, no_office, monkeypatch, tmp_path):
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warnings.append(text))
    folder = tmp_path / "文书"
    folder.mkdir()
    dialog = show(qtbot, DocumentPreview(issued(), runner))
    save_as(monkeypatch, folder / "调解书|张三.docx")
    dialog.save_word()
    assert warnings and "|" in warnings[0]
    assert list(folder.iterdir()) == []


def test_a_stored_document_is_recorded_as_handed_out_again_once(qtbot, runner, no_office, opened, monkeypatch,
                                                                tmp_path):
    handed: list[int] = []
    dialog = show(qtbot, DocumentPreview(issued(), runner, reissue=lambda: handed.append(1) or issued()))
    assert handed == []  # looking is not issuing
    save_as(monkeypatch, tmp_path / "a.docx")
    dialog.save_word()
    # The file is written on the worker; the dialog takes the next action only once its result
    # is back on this thread (the file existing is not enough: that was this test's race).
    qtbot.waitUntil(lambda: dialog.status.text().startswith("已保存"), timeout=5000)
    assert (tmp_path / "a.docx").exists()
    dialog.open_default()
    qtbot.waitUntil(lambda: bool(opened), timeout=5000)
    assert handed == [1]


def test_a_refused_reissue_writes_nothing(qtbot, runner, no_office, monkeypatch, tmp_path):
    from core.errors import StorageError

    errors: list[str] = []
    monkeypatch.setattr(document_preview, "show_error", lambda _p, exc: errors.append(exc.message))

    def refuse() -> Issued:
        raise StorageError("文件与出具时不一致")

    dialog = show(qtbot, DocumentPreview(issued(), runner, reissue=refuse))
    save_as(monkeypatch, tmp_path / "a.docx")
    dialog.save_word()
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert errors == ["文件与出具时不一致"] and not (tmp_path / "a.docx").exists()


def test_the_pdf_is_shown_with_its_page_count_and_printed_page_by_page(qtbot, runner, converted, monkeypatch,
                                                                       tmp_path):
    dialog = show(qtbot, DocumentPreview(issued(), runner))
    assert dialog.pages.text() == "正在生成 PDF 预览…" or dialog.page_count
    qtbot.waitUntil(lambda: dialog.page_count == 2, timeout=5000)
    assert dialog.pages.text() == "第 1 页，共 2 页"
    assert dialog.view.isVisible() and not dialog.notice.isVisible()
    assert dialog.print_button.isEnabled() and dialog.focusWidget() is dialog.print_button

    out = tmp_path / "printed.pdf"

    class FakePrintDialog:
        """The system's print dialog, answered: print everything to a PDF file."""

        def __init__(self, printer: QPrinter, _parent) -> None:
            printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            printer.setOutputFileName(str(out))
            printer.setResolution(150)

        def setWindowTitle(self, _title: str) -> None:  # noqa: N802
            pass

        def exec(self) -> QDialog.DialogCode:
            return QDialog.DialogCode.Accepted

    monkeypatch.setattr(document_preview, "QPrintDialog", FakePrintDialog)
    qtbot.keyClick(dialog, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.status.text() == "已送往打印机：2 页。", timeout=5000)
    printed = QPdfDocument()
    assert printed.load(str(out)) == QPdfDocument.Error.None_ and printed.pageCount() == 2
    printed.close()

    saved = tmp_path / "调解书.pdf"
    save_as(monkeypatch, saved)
    dialog.save_pdf()
    qtbot.waitUntil(lambda: dialog.status.text().startswith("已保存"), timeout=5000)  # Esc waits for it
    assert saved.read_bytes() == dialog.pdf_path.read_bytes()

    folder = Path(dialog._folder.name)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not folder.exists()  # the preview's files go with it


def test_print_respects_the_page_range(qtbot, tmp_path):
    document = QPdfDocument()
    document.load(str(fake_pdf(tmp_path / "three.pdf", 3)))
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "out.pdf"))
    printer.setResolution(100)
    printer.setFromTo(2, 3)
    assert print_pdf(document, printer) == 2
    document.close()


def test_a_real_conversion(qtbot, runner, tmp_path):
    """LibreOffice turns a letter into a PDF the dialog shows (skips without soffice, except in CI)."""
    if pdf.find_office() is None:
        if os.environ.get("HOTLINE_DESK_CI") == "1":
            pytest.fail("LibreOffice is missing, and CI must run the PDF tests (HOTLINE_DESK_CI=1)")
        pytest.skip("LibreOffice (soffice) is not installed")
    dialog = show(qtbot, DocumentPreview(issued(letter_bytes(pages=2)), runner))
    qtbot.waitUntil(lambda: dialog.page_count > 0 or dialog.notice.isVisible(), timeout=120_000)
    assert not dialog.notice.isVisible(), dialog.notice.text()
    assert dialog.page_count == 2
    assert dialog.pages.text() == "第 1 页，共 2 页"
    size: QSizeF = dialog.document.pagePointSize(0)
    assert size.width() > 500 and size.height() > size.width()  # a portrait page (python-docx: US Letter)
    dialog.close()
    assert not shiboken6.isValid(dialog) or not dialog.isVisible()


test_a_real_conversion = pytest.mark.slow(test_a_real_conversion)
