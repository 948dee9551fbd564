"""批量归档: the archive form of every ticket finished in a date range, written into one
folder with its 目录.csv (forms.batch), and the PDFs too when LibreOffice is there (forms.pdf).

The count for the chosen dates is read off the UI thread as the dates change. The
batch and the conversion each run under a progress dialog that can cancel them;
a cancelled batch keeps the forms already written whole, and the result says so.
"""
from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core import clock
from core.errors import StorageError
from core.roles import Actor
from desktop import theme
from desktop.widgets.forms import push_button
from desktop.widgets.parts import GREEN, GREY, documents_folder, error_label, say
from desktop.errors import show_error
from desktop.widgets.inputs import DateEdit
from desktop.progress import run_with_progress
from desktop.worker import Runner
from forms import batch, pdf
from forms.batch import BatchResult
from forms.catalog import archive_kind
from core.files import check_folder_writable

Progress = Callable[[int, int], None]
PDF_CHUNK = pdf.FILES_PER_RUN  # converted and kept a run at a time, so a cancel keeps the runs done


def previous_month(today: dt.date) -> tuple[dt.date, dt.date]:
    last = today.replace(day=1) - dt.timedelta(days=1)
    return last.replace(day=1), last


def count_text(tickets: list[tuple[int, str, str, str]]) -> str:
    """这段时间办结了 N 张工单（投诉处理归档表 12 份、…）."""
    if not tickets:
        return "这段时间没有办结的工单。"
    forms = Counter(archive_kind(hotline, category).label for _id, _number, hotline, category in tickets)
    parts = "、".join(f"{label} {n} 份" for label, n in forms.most_common())
    return f"这段时间办结了 {len(tickets)} 张工单（{parts}）。"


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


class ArchiveBatchDialog(QDialog):
    def __init__(self, actor: Actor, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.runner = runner
        self.result: BatchResult | None = None
        self._asked = 0  # the newest count asked for; older answers are dropped
        self._running = False
        self.setWindowTitle("批量归档")
        self.setMinimumWidth(720)

        first, last = previous_month(clock.now().date())
        self.start = self._date_edit("batchStart", first)
        self.end = self._date_edit("batchEnd", last)
        dates = QHBoxLayout()
        dates.addWidget(self.start)
        dates.addWidget(QLabel("至"))
        dates.addWidget(self.end)
        dates.addStretch(1)
        self.count = QLabel()
        self.count.setObjectName("batchCount")
        self.count.setWordWrap(True)

        self.folder = QLineEdit(str(documents_folder()))
        self.folder.setObjectName("batchFolder")
        self.folder.setReadOnly(True)
        self.choose_button = push_button("选择…", self.choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.choose_button)
        folder_hint = QLabel("将在这里新建文件夹“归档表 起始日期 至 结束日期”，每张工单一份 .docx，另附 目录.csv。")
        folder_hint.setWordWrap(True)
        theme.small(folder_hint)
        theme.set_text_color(folder_hint, GREY)

        self.pdf = QCheckBox("同时生成 PDF（用 LibreOffice 转换，每份约需 0.1 秒）")
        self.pdf.setObjectName("batchPdf")
        self.has_office = pdf.find_office() is not None
        if not self.has_office:
            self.pdf.setEnabled(False)
            self.pdf.setToolTip(pdf.OfficeMissing(pdf.find_wps()).message)
            self.pdf.setText("同时生成 PDF（未找到 LibreOffice，不能生成）")

        self.error = error_label()
        self.error.setObjectName("batchError")
        form = QFormLayout()
        form.addRow("办结日期", dates)
        form.addRow("", self.count)
        form.addRow("保存到", folder_row)
        form.addRow("", folder_hint)
        form.addRow("", self.pdf)

        self.start_button = push_button("开始", self.start_batch, primary=True)
        self.close_button = push_button("关闭", self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.close_button)

        intro = QLabel("为办结日期在所选范围内的每张工单出具归档表：12365 的咨询、投诉、举报用各自的归档表，"
                       "其余用诉求工单。每次出具都记在工单上。")
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        layout.addWidget(self._result_box(), 1)
        self.start.dateChanged.connect(lambda _d: self.refresh_count())
        self.end.dateChanged.connect(lambda _d: self.refresh_count())
        self.refresh_count()

    def _date_edit(self, name: str, day: dt.date) -> QDateEdit:
        edit = DateEdit(_qdate(day))
        edit.setObjectName(name)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setCalendarPopup(True)
        return edit

    def _result_box(self) -> QGroupBox:
        self.result_box = QGroupBox("归档结果")
        self.summary = QLabel()
        self.summary.setObjectName("batchSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.pdf_result = QLabel()
        self.pdf_result.setObjectName("batchPdfResult")
        self.pdf_result.setWordWrap(True)
        self.skipped_title = QLabel("以下工单未能归档（缺少归档表所需的内容，补全后可再归档）：")
        theme.set_text_color(self.skipped_title, theme.ERROR)
        self.skipped = QTableWidget(0, 2)
        self.skipped.setObjectName("batchSkipped")
        self.skipped.setHorizontalHeaderLabels(["工单编号", "原因"])
        self.skipped.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.skipped.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.skipped.verticalHeader().hide()
        self.skipped.setWordWrap(True)
        self.skipped.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.skipped.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.open_button = push_button("打开文件夹", self.open_folder)
        bar = QHBoxLayout()
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self.result_box)
        layout.addLayout(bar)
        layout.addWidget(self.pdf_result)
        layout.addWidget(self.skipped_title)
        layout.addWidget(self.skipped, 1)
        self.result_box.hide()
        return self.result_box

    # The dates and their count ----------------------------------------------

    def dates(self) -> tuple[dt.date, dt.date]:
        return self.start.date().toPython(), self.end.date().toPython()  # type: ignore[return-value]

    def _order_problem(self) -> str:
        start, end = self.dates()
        if end < start:
            return f"结束日期（{end:%Y-%m-%d}）早于开始日期（{start:%Y-%m-%d}），请重新选择。"
        return ""

    def refresh_count(self) -> None:
        self._asked += 1
        asked = self._asked
        problem = self._order_problem()
        self._say_error(problem)
        if problem:
            self.count.setText("")
            return
        say(self.count, "正在统计…", GREY)
        start, end = self.dates()

        def counted(tickets: list[tuple[int, str, str]]) -> None:
            if asked == self._asked:
                say(self.count, count_text(tickets), theme.NAVY if tickets else GREY)
                self._fit()

        self.runner.read(lambda: batch.finished_between(start, end), counted, lambda exc: show_error(self, exc),
                         owner=self)

    def _say_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    # Asking (tests stand in for these) -------------------------------------

    def choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "归档表保存到", self.folder.text())
        if chosen:
            self.folder.setText(str(Path(chosen)))
            self._say_error("")

    def open_folder(self) -> None:
        if self.result is not None and self.result.folder.is_dir():
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.result.folder)))

    # The batch -----------------------------------------------------------

    def start_batch(self) -> None:
        if self._running:
            return
        problem = self._order_problem()
        parent = Path(self.folder.text())
        if not problem:
            try:
                check_folder_writable(parent)
            except StorageError as exc:
                problem = exc.message
        self._say_error(problem)
        if problem:
            return
        start, end = self.dates()
        actor, want_pdf = self.actor, self.pdf.isEnabled() and self.pdf.isChecked()

        def archive(progress: Progress, cancelled: Callable[[], bool]) -> BatchResult:
            def step(done: int, total: int) -> bool:
                progress(done, total)
                return not cancelled()

            return batch.archive_forms(actor, start, end, parent, step)

        self._busy(True)
        try:
            result, finished = self._run("正在生成归档表…", archive)
            if not finished:  # the error has been shown; files written whole stay, with their 目录
                return
            pdf_text = self._make_pdfs(result) if want_pdf and result.written and not result.cancelled else ""
        finally:
            self._busy(False)
        self._show_result(result, pdf_text)

    def _make_pdfs(self, result: BatchResult) -> str:
        """PDFs of the written forms, PDF_CHUNK files to a LibreOffice run; what was made, in words."""
        docxs = [result.folder / d.file_name for d in result.written]
        made: list[Path] = []

        def convert(progress: Progress, cancelled: Callable[[], bool]) -> bool:
            for base in range(0, len(docxs), PDF_CHUNK):
                if cancelled():
                    break
                made.extend(pdf.to_pdf_many(docxs[base:base + PDF_CHUNK], result.folder, cancelled=cancelled,
                                            progress=lambda done, _total, base=base: progress(base + done, len(docxs)))
                            .values())
            return len(made) == len(docxs)

        began = time.perf_counter()
        _complete, finished = self._run(f"正在生成 {len(docxs)} 份 PDF…", convert)
        kept = "；归档表 .docx 都已写好。"
        if len(made) == len(docxs):
            return f"已生成 {len(made)} 份 PDF，与归档表在同一文件夹。用时 {time.perf_counter() - began:.0f} 秒。"
        so_far = f"已生成 {len(made)} 份，其余 {len(docxs) - len(made)} 份没有生成" if made else "一份也没有生成"
        if not finished:
            return f"PDF 转换出错（见刚才的提示），{so_far}{kept}"
        return f"PDF 已取消，{so_far}{kept}"

    def _run(self, title: str, fn: Callable[[Progress, Callable[[], bool]], Any]) -> tuple[Any, bool]:
        """(what ``fn`` returned, True) even when cancelled; (None, False) after an error, already shown."""
        box: list[Any] = []

        def work(progress: Progress, cancelled: Callable[[], bool]) -> Any:
            box.append(fn(progress, cancelled))
            return box[0]

        run_with_progress(self, title, work, self.runner)
        return (box[0], True) if box else (None, False)

    def _busy(self, busy: bool) -> None:
        self._running = busy
        for widget in (self.start, self.end, self.choose_button, self.pdf, self.start_button, self.close_button):
            widget.setEnabled(not busy and (widget is not self.pdf or self.has_office))

    def _show_result(self, result: BatchResult, pdf_text: str) -> None:
        self.result = result
        if not result.total:
            say(self.summary, "这段时间没有办结的工单，没有生成文件夹。", GREY)
        else:
            color = theme.ERROR if result.cancelled else GREEN  # skipped tickets have their own red title
            say(self.summary, f"{result.summary()}用时 {result.seconds:.0f} 秒。", color)
        self.pdf_result.setText(pdf_text)
        self.pdf_result.setVisible(bool(pdf_text))
        self.skipped.setRowCount(len(result.skipped))
        for row, (number, why) in enumerate(result.skipped):
            why = why.removeprefix(f"工单 {number} ")  # the number is in its own column
            for column, text in enumerate((number, why)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.skipped.setItem(row, column, item)
        self.skipped.resizeRowsToContents()
        self.skipped_title.setVisible(bool(result.skipped))
        self.skipped.setVisible(bool(result.skipped))
        self.open_button.setVisible(result.folder.is_dir())
        self.result_box.show()
        self._fit(560 if result.skipped else 0)

    def _fit(self, height: int = 0) -> None:
        """Grow to show everything (a two-line count, the result); never shrink what the person sized."""
        self.resize(self.width(), max(self.height(), self.sizeHint().height(), height))

    def reject(self) -> None:
        if not self._running:  # the progress dialog's 取消 stops a batch; Esc here must not leave it orphaned
            super().reject()
