"""A document as it will print: the .docx turned into a PDF by LibreOffice and shown with QtPdf.

The conversion runs on the runner while the dialog is already open; printing draws each
PDF page, rendered at the printer's resolution, onto the printer. Without LibreOffice
(forms.pdf.OfficeMissing) the dialog says so and offers what still works — the .docx in the
system's default program (Word, WPS) or saved — and shows no imitation of the page.

A stored document shown again (``reissue`` given) is handed out only when printed, saved or
opened: ``forms.issue.reissue`` then puts 再次出具 on the ticket's timeline, once per dialog.
"""
from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, QStandardPaths, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence, QPainter, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QFileDialog, QHBoxLayout, QLabel, QMessageBox, QVBoxLayout, QWidget

from core.errors import HotlineError, StorageError
from desktop import theme
from desktop.widgets.forms import KeyButton
from desktop.errors import show_error
from desktop.worker import Runner
from forms.issue import Issued
from core.files import check_name, write_atomically
from forms.pdf import OfficeMissing, require_office, to_pdf

log = logging.getLogger("hotline.desktop.documents")

MAX_PRINT_DPI = 600  # a page at 1200 dpi would be a 500 MB image; 600 is finer than any letter needs
OPEN_FOLDER = "hotline-desk-documents"  # under the system's temporary folder
OPEN_KEEP_SECONDS = 24 * 3600  # copies opened in Word/WPS are removed the next day


def open_copy(data: bytes, name: str) -> Path:
    """A copy of the document for the default program, in a folder of its own; old copies go."""
    base = Path(tempfile.gettempdir()) / OPEN_FOLDER
    base.mkdir(exist_ok=True)
    cutoff = time.time() - OPEN_KEEP_SECONDS
    for old in base.iterdir():
        try:
            if old.stat().st_mtime < cutoff:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:  # already gone
            pass
    folder = Path(tempfile.mkdtemp(prefix="doc-", dir=base))
    path = folder / name
    write_atomically(path, data)
    return path


def print_pdf(document: QPdfDocument, printer: QPrinter) -> int:
    """Each page of ``document`` in the printer's page range, drawn at its resolution; the pages printed."""
    pages = document.pageCount()
    first, last = printer.fromPage(), printer.toPage()
    if first <= 0:
        first, last = 1, pages
    last = min(last or pages, pages)
    printer.setFullPage(True)  # the PDF page has its margins already
    painter = QPainter()
    if not painter.begin(printer):
        raise StorageError("打印机没有响应，未能开始打印。请检查打印机是否已连接、开机，然后重试。")
    dpi = min(printer.resolution(), MAX_PRINT_DPI)
    printed = 0
    try:
        for page in range(first - 1, last):
            if printed:
                printer.newPage()
            points = document.pagePointSize(page)
            size = QSize(round(points.width() / 72 * dpi), round(points.height() / 72 * dpi))
            image = document.render(page, size)
            paper = painter.viewport()
            scaled = size.scaled(paper.size(), Qt.AspectRatioMode.KeepAspectRatio)
            x = paper.x() + (paper.width() - scaled.width()) // 2
            y = paper.y() + (paper.height() - scaled.height()) // 2
            painter.drawImage(x, y, image.scaled(scaled, Qt.AspectRatioMode.IgnoreAspectRatio,
                                                 Qt.TransformationMode.SmoothTransformation))
            printed += 1
    finally:
        painter.end()
    return printed


class DocumentPreview(QDialog):
    """预览 / 打印 one issued document."""

    last_folder: str = ""  # where the last 另存为 went, for the next one in this session

    def __init__(self, issued: Issued, runner: Runner, parent: QWidget | None = None,
                 reissue: Callable[[], Issued] | None = None) -> None:
        super().__init__(parent)
        self.issued = issued
        self.runner = runner
        self._reissue = reissue
        self._working = False
        self.pdf_path: Path | None = None
        self._folder = tempfile.TemporaryDirectory(prefix="hotline-preview-", ignore_cleanup_errors=True)
        number = f"（{issued.number}）" if issued.number else ""
        self.setWindowTitle(f"{issued.kind.label}{number} · 工单 {issued.ticket_number}")
        self.resize(860, 900)

        self.heading = QLabel(f"<b>{issued.kind.label}</b>{number}　<span style='color:#555'>{issued.file_name}</span>")
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.pages = QLabel("正在生成 PDF 预览…")
        self.pages.setObjectName("pageCount")
        self.notice = QLabel()
        self.notice.setObjectName("previewNotice")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(f"background:{theme.WARNING_BG}; padding:8px;")
        self.notice.hide()
        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setObjectName("pdfView")
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setDocument(self.document)
        self.view.pageNavigator().currentPageChanged.connect(lambda _p: self._show_page())
        self.status = QLabel()
        self.status.setObjectName("previewStatus")
        self.status.setWordWrap(True)

        self.print_button = self._button("打印… (Ctrl+P)", "printButton", self.print_document)
        self.word_button = self._button("另存为 Word…", "saveWordButton", self.save_word)
        self.pdf_button = self._button("另存为 PDF…", "savePdfButton", self.save_pdf)
        self.open_button = self._button("用默认程序打开", "openButton", self.open_default)
        close = self._button("关闭 (Esc)", "closeButton", self.reject)
        for button in (self.print_button, self.pdf_button):
            button.setEnabled(False)  # until the PDF is there
        self.print_button.setStyleSheet(theme.PRIMARY_SHEET)

        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.pages)
        buttons = QHBoxLayout()
        for button in (self.print_button, self.word_button, self.pdf_button, self.open_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.notice)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        QShortcut(QKeySequence("Ctrl+P"), self, activated=self.print_document)
        self._convert()

    def _button(self, text: str, name: str, slot: Callable[[], None]) -> KeyButton:
        button = KeyButton(text)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    # the PDF ----------------------------------------------------------------

    def _convert(self) -> None:
        try:
            require_office()
        except OfficeMissing as exc:
            self._no_pdf(exc.message)
            return
        folder = Path(self._folder.name)
        content = self.issued.content

        def work() -> Path:
            docx = folder / "document.docx"
            write_atomically(docx, content)
            return to_pdf(docx, folder / "document.pdf")

        self.runner.read(work, self._converted, self._conversion_failed, owner=self)

    def _converted(self, path: Path) -> None:
        if self.document.load(str(path)) != QPdfDocument.Error.None_ or self.document.pageCount() == 0:
            self._no_pdf("生成的 PDF 无法显示。可以用默认程序打开 .docx，或另存为 Word 后打印。")
            return
        self.pdf_path = path
        self.print_button.setEnabled(True)
        self.pdf_button.setEnabled(True)
        self._show_page()
        self.print_button.setFocus()

    def _conversion_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, HotlineError):
            log.error("preview conversion failed", exc_info=(type(exc), exc, exc.__traceback__))
        self._no_pdf(exc.message if isinstance(exc, HotlineError) else "生成 PDF 预览时出错，已写入日志。")

    def _no_pdf(self, message: str) -> None:
        """No preview: say why, and offer the .docx itself — never a page that is not the real one."""
        self.notice.setText(f"{message}\n仍可以“用默认程序打开”（Word 或 WPS）查看和打印，或“另存为 Word”。")
        self.notice.show()
        self.view.hide()
        self.pages.setText("无预览")
        for button in (self.print_button, self.pdf_button):
            button.hide()
        self.open_button.setStyleSheet(theme.PRIMARY_SHEET)
        self.open_button.setFocus()
        self.adjustSize()
        self.resize(max(self.width(), 640), self.sizeHint().height())

    @property
    def page_count(self) -> int:
        return self.document.pageCount() if self.pdf_path else 0

    def _show_page(self) -> None:
        if self.pdf_path:
            current = self.view.pageNavigator().currentPage() + 1
            self.pages.setText(f"第 {current} 页，共 {self.page_count} 页")

    # handing it out ---------------------------------------------------------

    def _output(self, work: Callable[[], Any], then: Callable[[Any], None]) -> None:
        """``work`` on the runner, after 再次出具 is recorded where this is a stored document."""
        if self._working:
            return
        reissue = self._reissue

        def job() -> Any:
            if reissue is not None:
                reissue()
            return work()

        self._working = True
        self.status.setText("请稍候…")
        self.runner.write(job, lambda result: self._output_done(then, result), self._output_failed, owner=self)

    def _output_done(self, then: Callable[[Any], None], result: Any) -> None:
        self._working = False
        self._reissue = None  # recorded once for this dialog
        self.status.setText("")
        then(result)

    def _output_failed(self, exc: BaseException) -> None:
        self._working = False
        self.status.setText("")
        show_error(self, exc)

    def _done(self, message: str) -> None:
        theme.set_text_color(self.status, "#2e7d32")
        self.status.setText(message)

    def print_document(self) -> None:
        if not self.pdf_path or not self.print_button.isEnabled():
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.issued.file_name)
        printer.setFromTo(1, self.page_count)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(f"打印{self.issued.kind.label}")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self._output(lambda: None, lambda _r: self._print_now(printer))

    def _print_now(self, printer: QPrinter) -> None:
        try:
            printed = print_pdf(self.document, printer)
        except HotlineError as exc:
            show_error(self, exc)
            return
        self._done(f"已送往打印机：{printed} 页。")

    def _ask_path(self, title: str, name: str, kind: str, suffix: str) -> Path | None:
        folder = self.last_folder or QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation)
        chosen, _filter = QFileDialog.getSaveFileName(self, title, str(Path(folder) / name), f"{kind} (*{suffix})")
        if not chosen:
            return None
        path = Path(chosen)
        if path.suffix.lower() != suffix:
            path = path.with_name(path.name + suffix)
        problem = check_name(path.name)
        if problem:
            QMessageBox.warning(self, "文件名不能使用", problem)
            return None
        DocumentPreview.last_folder = str(path.parent)
        return path

    def save_word(self) -> None:
        path = self._ask_path("另存为 Word", self.issued.file_name, "Word 文档", ".docx")
        if path is not None:
            content = self.issued.content
            self._output(lambda: write_atomically(path, content), lambda _r: self._done(f"已保存：{path}"))

    def save_pdf(self) -> None:
        if self.pdf_path is None:
            return
        path = self._ask_path("另存为 PDF", str(Path(self.issued.file_name).with_suffix(".pdf")), "PDF 文件", ".pdf")
        if path is not None:
            source = self.pdf_path
            self._output(lambda: write_atomically(path, source.read_bytes()), lambda _r: self._done(f"已保存：{path}"))

    def open_default(self) -> None:
        content, name = self.issued.content, self.issued.file_name
        self._output(lambda: open_copy(content, name), self._open_file)

    def _open_file(self, path: Path) -> None:
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self._done("已用默认程序打开。")
        else:
            QMessageBox.warning(self, "无法打开", f"系统没有可以打开 .docx 的程序。文件已保存在：\n{path}\n"
                                                   "请安装 WPS 或 Microsoft Word 后再打开。")

    # closing ----------------------------------------------------------------

    def reject(self) -> None:
        if self._working:
            return  # a save or print on its way; its result would be lost
        super().reject()

    def done(self, result: int) -> None:  # noqa: D401 - Qt's name
        self.document.close()
        self._folder.cleanup()
        super().done(result)
