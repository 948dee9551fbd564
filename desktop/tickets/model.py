"""The ticket list's model: pages fetched on demand, filtering and sorting in SQL.

It holds only the rows scrolled into view so far; each page is read off the UI
thread and appended when it arrives, so a million tickets cost what the first
200 do. A new filter or sort starts a new generation; late pages of an old
one are dropped.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from core.tickets import reads as tickets
from core.roles import Actor
from core.tickets.reads import TicketFilter, TicketRow
from desktop.worker import Runner

Index = QModelIndex | QPersistentModelIndex

COLUMNS: list[tuple[str, str, str | None]] = [
    # (header, TicketRow attribute, SQL sort key or None)
    ("工单编号", "number", "number"),
    ("受理时间", "received_at", "received_at"),
    ("状态", "status", "status"),
    ("诉求分类", "category", "category"),
    ("紧急程度", "urgency", None),
    ("渠道", "channel", None),
    ("来电人", "caller_name", None),
    ("来电号码", "caller_phone", None),
    ("标题", "title", None),
]
# At the province, where tickets come from many districts: whose each one is.
DISTRICT_COLUMN = ("区县", "district", None)


class TicketTableModel(QAbstractTableModel):
    page_loaded = Signal(int)  # rows held now
    load_failed = Signal(object)

    def __init__(self, actor: Actor, runner: Runner, page_size: int = tickets.PAGE_SIZE,
                 province: bool = False) -> None:
        super().__init__()
        self.columns = [COLUMNS[0], DISTRICT_COLUMN, *COLUMNS[1:]] if province else list(COLUMNS)
        self.actor = actor
        self.runner = runner
        self.page_size = page_size
        self.filter = TicketFilter()
        self._rows: list[TicketRow] = []
        self._exhausted = True
        self._loading = False
        self._generation = 0

    # Qt model API ----------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = getattr(row, self.columns[index.column()][1])
            if index.column() == 0 and row.number_clash:
                value = f"{value}（编号冲突）"
            if index.column() == 0 and row.is_repeat:
                return f"{value}（重复）"
            return value
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 0 and row.number_clash:
            return tickets.NUMBER_CLASH
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == len(self.columns) - 1:
            return row.title
        urgency_column = self.columns[index.column()][1] == "urgency"
        clash = index.column() == 0 and row.number_clash
        if role == Qt.ItemDataRole.ForegroundRole and (clash or urgency_column and row.urgency.startswith("紧急")):
            return QBrush(QColor("#c0392b"))
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section][0]
        if role == Qt.ItemDataRole.ToolTipRole:
            return "点击排序" if self.columns[section][2] else "此列不可排序"
        return None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: N802
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: N802
        if self.canFetchMore(parent):
            self._request()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = self.columns[column][2] if 0 <= column < len(self.columns) else None
        if key is None:
            return  # only indexed columns sort; the view's header says which
        self.set_filter(replace(self.filter, sort=key, descending=order == Qt.SortOrder.DescendingOrder))

    # Our API ------------------------------------------------------------

    def set_filter(self, flt: TicketFilter) -> None:
        self._generation += 1
        self.beginResetModel()
        self.filter = flt
        self._rows = []
        self._exhausted = False
        self._loading = False
        self.endResetModel()
        self._request()

    def refresh(self) -> None:
        self.set_filter(self.filter)

    def ticket_id(self, row: int) -> int | None:
        return self._rows[row].id if 0 <= row < len(self._rows) else None

    def row_of(self, ticket_id: int | None) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r.id == ticket_id), None) if ticket_id else None

    @property
    def loading(self) -> bool:
        return self._loading

    def _request(self) -> None:
        self._loading = True
        generation = self._generation
        flt = self.filter
        after = self._rows[-1].sort_key if self._rows else None
        size = self.page_size
        self.runner.read(
            lambda: tickets.list_page(self.actor, flt, after, size),
            lambda rows: self._arrived(generation, rows),
            lambda exc: self._failed(generation, exc),
            owner=self,
        )

    def _arrived(self, generation: int, rows: list[TicketRow]) -> None:
        if generation != self._generation:
            return
        self._loading = False
        if len(rows) < self.page_size:
            self._exhausted = True
        if rows:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        self.page_loaded.emit(len(self._rows))

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._loading = False
        self._exhausted = True
        self.load_failed.emit(exc)
