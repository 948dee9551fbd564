"""The ticket list's model: pages fetched on demand (keyset, ``after`` the last
row's sort key), filtering and sorting in SQL.

It holds only the rows scrolled into view so far (desktop.widgets.paged_model),
so a million tickets cost what the first 200 do. A new filter or sort, and a
refresh, empty the list and read its first page again.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor

from core.tickets import reads as tickets
from core.roles import Actor
from core.tickets.reads import TicketFilter, TicketRow
from desktop.widgets.paged_model import PagedModel, PageReader
from desktop.worker import Runner

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


class TicketTableModel(PagedModel[TicketRow]):
    page_loaded = Signal(int)  # rows held now
    load_failed = Signal(object)

    def __init__(self, actor: Actor, runner: Runner, page_size: int = tickets.PAGE_SIZE,
                 province: bool = False) -> None:
        super().__init__(runner, page_size)
        self.columns = [COLUMNS[0], DISTRICT_COLUMN, *COLUMNS[1:]] if province else list(COLUMNS)
        self.actor = actor
        self.filter = TicketFilter()
        # The list view (and its tests) know the base's signals by these names.
        self.loaded.connect(self._echo_page_loaded)
        self.failed.connect(self.load_failed)

    def page_reader(self) -> PageReader:
        actor, flt = self.actor, self.filter
        return lambda after, size: tickets.list_page(actor, flt, after, size)

    def cell(self, row: TicketRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            value = getattr(row, self.columns[column][1])
            if column == 0 and row.number_clash:
                value = f"{value}（编号冲突）"
            if column == 0 and row.is_repeat:
                return f"{value}（重复）"
            return value
        if role == Qt.ItemDataRole.ToolTipRole and column == 0 and row.number_clash:
            return tickets.NUMBER_CLASH
        if role == Qt.ItemDataRole.ToolTipRole and column == len(self.columns) - 1:
            return row.title
        urgency_column = self.columns[column][1] == "urgency"
        clash = column == 0 and row.number_clash
        if role == Qt.ItemDataRole.ForegroundRole and (clash or urgency_column and row.urgency.startswith("紧急")):
            return QBrush(QColor("#c0392b"))
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        return None

    def header(self, section: int) -> str:
        return self.columns[section][0]

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole \
                and 0 <= section < len(self.columns):
            return "点击排序" if self.columns[section][2] else "此列不可排序"
        return super().headerData(section, orientation, role)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = self.columns[column][2] if 0 <= column < len(self.columns) else None
        if key is None:
            return  # only indexed columns sort; the view's header says which
        self.set_filter(replace(self.filter, sort=key, descending=order == Qt.SortOrder.DescendingOrder))

    # Our API ------------------------------------------------------------

    def set_filter(self, flt: TicketFilter) -> None:
        self.filter = flt
        self.restart()

    def refresh(self) -> None:
        """The list starts again from its first page (the list view goes back as deep as it was)."""
        self.restart()

    def ticket_id(self, row: int) -> int | None:
        return self.rows[row].id if 0 <= row < len(self.rows) else None

    def row_of(self, ticket_id: int | None) -> int | None:
        return next((i for i, r in enumerate(self.rows) if r.id == ticket_id), None) if ticket_id else None

    def _echo_page_loaded(self, rows: int, _more: bool) -> None:
        self.page_loaded.emit(rows)
