"""Units to and from Excel: the file dialogs, the import's dry run and its report, then the import.

The report shows the summary and a row for each line of the file, rejected
lines first; only a file without rejections can be confirmed.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.units import import_export as units_io
from core.roles import Actor
from core.units.import_export import UnitImportReport
from desktop import theme
from desktop.widgets.parts import GREEN, GREY, say
from desktop.errors import show_error
from desktop.worker import Runner

ACTIONS = {"added": "新增", "updated": "更新", "unchanged": "未变"}


def unit_report_rows(report: UnitImportReport) -> list[tuple[str, str, str, bool]]:
    """(行, 单位, 结果, rejected) for each row, rejected ones first: they are what must be fixed."""
    rejected = [(f"第 {r.row} 行" if r.row else "整个文件", "", f"拒绝：{r.reason}", True) for r in report.rejected]
    done = [(f"第 {o.row} 行", o.path, ACTIONS.get(o.action, o.action), False) for o in report.outcomes]
    return rejected + done


class ImportReportDialog(QDialog):
    """Shows a report; with ``confirm`` (a button text) the admin may go on with the import."""

    def __init__(self, title: str, summary: str, rows: list[tuple[str, str, str, bool]], confirm: str | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(860, 560)
        self.summary = QLabel(summary)
        self.summary.setObjectName("importSummary")
        self.summary.setWordWrap(True)
        if any(r[3] for r in rows):
            theme.set_text_color(self.summary, theme.ERROR)
        self.table = QTableWidget(len(rows), 3)
        self.table.setObjectName("importRows")
        self.table.setHorizontalHeaderLabels(["行", "单位", "结果"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(1, 300)
        for n, (row, path, result, bad) in enumerate(rows):
            for column, text in enumerate((row, path, result)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if bad:
                    item.setForeground(QBrush(QColor(theme.ERROR)))
                self.table.setItem(n, column, item)
        self.table.resizeRowsToContents()
        self.table.setVisible(bool(rows))

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.confirm_button: QPushButton | None = None
        if confirm:
            self.confirm_button = QPushButton(confirm)
            self.confirm_button.setStyleSheet(theme.PRIMARY_SHEET)
            self.confirm_button.clicked.connect(self.accept)
            buttons.addWidget(self.confirm_button)
        close = QPushButton("取消" if confirm else "关闭")
        close.clicked.connect(self.reject)
        buttons.addWidget(close)
        (self.confirm_button or close).setDefault(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)


class UnitFiles:
    """导入 and 导出 for UnitsView (a mixin: it needs ``actor``, ``runner``, ``status`` and ``reload``).

    The three ``_ask``/``_review`` methods are what tests stand in for.
    """

    actor: Actor
    runner: Runner
    status: QLabel
    reload: Callable[[], None]

    def _ask_open_file(self) -> str:
        return QFileDialog.getOpenFileName(self, "导入承办单位", "", "Excel 或 CSV 文件 (*.xlsx *.csv)")[0]  # type: ignore[arg-type]

    def _ask_save_file(self) -> str:
        return QFileDialog.getSaveFileName(self, "导出承办单位", "承办单位.xlsx",  # type: ignore[arg-type]
                                           "Excel 文件 (*.xlsx);;CSV 文件 (*.csv)")[0]

    def _review_import(self, report: UnitImportReport) -> bool:
        """The dry run's report; True when the admin confirms the import."""
        confirm = None if report.rejected or not report.outcomes else "确认导入"
        dialog = ImportReportDialog("导入承办单位 · 检查结果", report.summary(), unit_report_rows(report), confirm,
                                    self)  # type: ignore[arg-type]
        return dialog.exec() == QDialog.DialogCode.Accepted and confirm is not None

    def import_file(self) -> None:
        name = self._ask_open_file()
        if not name:
            return
        path, actor = Path(name), self.actor
        self._say(f"正在检查《{path.name}》…")

        def checked(report: UnitImportReport) -> None:
            self._say(report.summary(), theme.ERROR if report.rejected else GREY)
            if self._review_import(report):
                self._say(f"正在导入《{path.name}》…")
                self._run(lambda: units_io.import_units(actor, path), imported)

        def imported(report: UnitImportReport) -> None:
            self._say(report.summary(), GREEN if report.written else theme.ERROR)
            self.reload()

        self._run(lambda: units_io.import_units(actor, path, dry_run=True), checked)

    def export_file(self) -> None:
        name = self._ask_save_file()
        if name:
            path, actor = Path(name), self.actor
            self.runner.read(lambda: units_io.export_units(actor, path),
                             lambda count: self._say(f"已导出 {count} 个承办单位到 {path}", GREEN),
                             lambda exc: show_error(self, exc), owner=self)  # type: ignore[arg-type]

    def _run(self, fn: Callable[[], UnitImportReport], done: Callable[[UnitImportReport], None]) -> None:
        """On the writer: even a dry run holds the write lock, so what it checks is what gets written."""
        self.runner.write(fn, done, lambda exc: show_error(self, exc), owner=self)  # type: ignore[arg-type]

    def _say(self, text: str, color: str = GREY) -> None:
        say(self.status, text, color)
