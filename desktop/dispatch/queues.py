"""The queues of the 派单督办 area: a table model paged from SQL and the panes that show it.

Each pane reads its first page on a reader, the next one when scrolled to the end
(canFetchMore), and on refresh reads again as many rows as it holds: unchanged rows
are repainted in place (their 剩余 / 超期 moved on), a changed list is put in anew
with the selection kept where the row still exists.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from core.dispatch.reads import PAGE, QueueRow
from desktop import theme
from desktop.widgets.forms import due_color, due_text
from desktop.widgets.paged_model import PagedModel
from desktop.worker import Runner

Fetch = Callable[[tuple | None, int], list[QueueRow]]


@dataclass(frozen=True)
class Column:
    header: str
    text: Callable[[QueueRow], str]
    width: int = 0  # 0: takes the rest
    colored: str = ""  # due: red / amber by the clock; urgency: red when urgent


def ticket_cell(r: QueueRow) -> str:
    return f"{r.number}\n{r.title}"


def due_cell(r: QueueRow) -> str:
    if r.due is None:
        return "—"
    return f"{due_text(r.due, with_state=False)}\n{r.due.state}"


def stage_due_cell(r: QueueRow) -> str:
    if r.due is None:
        return "—"
    return f"{due_text(r.due, with_state=False)}\n{r.due.stage_label}{r.due.state}"


PENDING = [Column("工单", ticket_cell),
           Column("状态", lambda r: f"{r.task}\n{r.note} · {'紧急' if r.urgent else '一般'}", 110, "urgency"),
           Column("派单时限", due_cell, 140, "due")]
IN_PROGRESS = [Column("工单", ticket_cell), Column("承办单位", lambda r: f"{r.unit}\n{r.role} · {r.task}", 150),
               Column("时限", stage_due_cell, 150, "due")]
REVIEWS = [Column("待办事项", lambda r: f"{r.task}\n{r.unit}", 140), Column("工单", ticket_cell, 170),
           Column("说明", lambda r: r.note)]
REMINDERS = [Column("级别", lambda r: f"{r.task}\n{'紧急' if r.urgent else '一般'}", 96, "due"),
             Column("工单", ticket_cell),
             Column("承办单位", lambda r: f"{r.unit}\n{r.due.stage_label if r.due else ''}", 130),
             Column("时限", due_cell, 140, "due")]


def identity(r: QueueRow) -> tuple:
    return (r.kind, r.ticket_id, r.assignment_id, r.target_id, r.due.stage if r.due else "")


class QueueModel(PagedModel[QueueRow]):
    """A queue, keyset-paged by ``fetch(after, size)``; a refresh repaints unchanged rows in place."""

    stops_on_failure = False  # as before the base: a failed read keeps ``more``, so scrolling asks again

    def __init__(self, runner: Runner, columns: list[Column], fetch: Fetch, page: int = PAGE) -> None:
        super().__init__(runner, page)
        self.columns = columns
        self.fetch = fetch

    def page_reader(self) -> Fetch:
        return self.fetch

    def same_rows(self, rows: list[QueueRow]) -> bool:
        return [identity(r) for r in rows] == [identity(r) for r in self.rows]

    def cell(self, row: QueueRow, col: int, role: int) -> Any:
        column = self.columns[col]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == Qt.ItemDataRole.ForegroundRole:
            color = due_color(row.due) if column.colored == "due" else \
                theme.ERROR if column.colored == "urgency" and row.urgent else None
            return QBrush(QColor(color)) if color else None
        if role == Qt.ItemDataRole.ToolTipRole:
            if column.colored == "due" and row.due is not None and row.due.provisional:
                return row.due.provisional_note
            if column.colored == "urgency":
                return f"{row.task}　{row.urgency}"
            return column.text(row).replace("\n", "　")
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None

    def header(self, section: int) -> str:
        return self.columns[section].header

    def set_fetch(self, fetch: Fetch) -> None:
        """Another filter: the list starts again."""
        self.fetch = fetch
        self.clear()
        self.refresh()

    def row(self, index: int) -> QueueRow | None:
        return self.rows[index] if 0 <= index < len(self.rows) else None


class QueuePane(QWidget):
    """A message line over a queue's table; ``chosen`` says which ticket (and unit) is selected."""

    chosen = Signal(int, object)  # ticket id, assignment id or None
    offered = Signal(int, object)  # the same, for the row Qt makes current when the list first gets the focus
    activated = Signal()  # Enter or a double click: go to the panel's steps
    counted = Signal(str)  # 12 / 200+ for the tab title

    def __init__(self, runner: Runner, columns: list[Column], fetch: Fetch, empty: str, name: str,
                 wrap: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty = empty
        self.model = QueueModel(runner, columns, fetch)
        self.message = QLabel("读取中…")
        self.message.setObjectName(f"{name}Message")
        theme.small(self.message)
        self.table = QTableView()
        self.table.setObjectName(name)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(wrap)
        self.table.setTabKeyNavigation(False)  # Tab leaves the list for the panel
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(2 * self.table.fontMetrics().lineSpacing() + 10)
        header = self.table.horizontalHeader()
        for col, column in enumerate(columns):
            if column.width:
                header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
                self.table.setColumnWidth(col, column.width)
            else:
                header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(lambda current, _old: self._current(current.row()))
        self.table.doubleClicked.connect(lambda _i: self.activated.emit())
        self.table.installEventFilter(self)
        self.model.loaded.connect(self._loaded)
        self.model.failed.connect(self._failed)
        self.model.modelAboutToBeReset.connect(self._remember)
        self.model.modelReset.connect(self._restore)
        self._kept: tuple | None = None
        self._quiet = False
        self._focusing = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.table and event.type() == QEvent.Type.KeyPress \
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):  # type: ignore[attr-defined]
            self.activated.emit()
            return True
        if watched is self.table and event.type() == QEvent.Type.FocusIn:
            # Qt makes the first row current on the first focus-in; that is an offer, not a choice.
            self._focusing = True
            try:
                self.table.focusInEvent(event)  # type: ignore[arg-type]
            finally:
                self._focusing = False
            return True
        return super().eventFilter(watched, event)

    def refresh(self) -> None:
        self.model.refresh()

    def current_row(self) -> QueueRow | None:
        index = self.table.currentIndex()
        return self.model.row(index.row()) if index.isValid() else None

    def _current(self, row: int) -> None:
        if self._quiet:
            return
        item = self.model.row(row)
        if item is not None:
            (self.offered if self._focusing else self.chosen).emit(item.ticket_id, item.assignment_id)

    def _remember(self) -> None:
        item = self.current_row()
        self._kept = identity(item) if item else None

    def _restore(self) -> None:
        """The same row selected again, without telling the panel (it shows that ticket already)."""
        if self._kept is None:
            return
        for number, item in enumerate(self.model.rows):
            if identity(item) == self._kept:
                self._quiet = True
                try:
                    self.table.setCurrentIndex(self.model.index(number, 0))
                finally:
                    self._quiet = False
                return

    def _loaded(self, count: int, more: bool) -> None:
        theme.set_text_color(self.message, "#555")
        late = sum(1 for r in self.model.rows if r.due is not None and r.due.late)
        if not count:
            self.message.setText(self.empty)
        else:
            self.message.setText(f"共 {count} 件{'以上（滚动到底部继续读取）' if more else ''}"
                                 + (f"，其中超期 {late} 件" if late else "") + "。Enter 转到办理操作。")
        self.counted.emit(f"{count}+" if more else str(count))

    def _failed(self, exc: BaseException) -> None:
        theme.set_text_color(self.message, theme.ERROR)
        self.message.setText(getattr(exc, "message", "") or "读取失败，请按 F5 重试。")
