"""工单查询: filter bar, the lazy ticket table, and the detail dialog on Enter.

Keyboard first: Tab goes through the filters in the order they are drawn, then 清空条件,
查询 and the table; Enter in any filter runs the query; Ctrl+F goes to the text filter;
Enter in the table opens the ticket. The list reads again each time the area is shown,
so a batch imported at the province (or a ticket saved elsewhere) is there without 查询.
"""
from __future__ import annotations

from PySide6.QtCore import QDate, QModelIndex, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.center import districts
from core.tickets import reads as tickets
from core.roles import Actor
from core.tickets.reads import TicketDetail, TicketFilter
from core.vocab import Category, Channel, Status, Urgency
from desktop import theme
from desktop.widgets.forms import KeyButton
from desktop.errors import show_error
from desktop.widgets.inputs import ComboBox, DateEdit
from desktop.tickets.detail import TicketDetailDialog
from desktop.tickets.model import TicketTableModel
from desktop.worker import LatestRead, Runner, refresh_on_changes

NO_DATE = QDate(2000, 1, 1)


def _combo(kind: type, everything: str = "全部") -> QComboBox:
    box = ComboBox()
    box.addItem(everything, None)
    for member in kind:
        box.addItem(member.label, member.value)
    return box


def _date_edit() -> QDateEdit:
    edit = DateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(NO_DATE)
    edit.setSpecialValueText("不限")  # shown at the minimum date: no bound
    edit.setDate(NO_DATE)
    return edit


class TicketListView(QWidget):
    def __init__(self, actor: Actor, runner: Runner, parent: QWidget | None = None, province: bool = False) -> None:
        super().__init__(parent)
        refresh_on_changes(self, runner, lambda c: c.tickets, self.reread_in_place, hidden="skip")
        self.actor = actor
        self.runner = runner
        self.model = TicketTableModel(actor, runner, province=province)
        self._count_generation = 0

        self.date_from = _date_edit()
        self.date_to = _date_edit()
        self.status = _combo(Status)
        self.category = _combo(Category)
        self.urgency = _combo(Urgency)
        self.channel = _combo(Channel)
        self.phone = QLineEdit()
        self.phone.setPlaceholderText("来电号码")
        self.text = QLineEdit()
        self.text.setPlaceholderText("标题、内容、地址、被反映单位或工单编号中的文字")
        # At the province: one district's tickets (the list is read-only there).
        self.district: QComboBox | None = None
        if province:
            self.district = ComboBox()
            self.district.setObjectName("filterDistrict")
            self.district.addItem("全部区县", None)
            runner.read(districts.names, self._districts_known, lambda exc: None, owner=self)
        self.search_button = KeyButton("查询 (Enter)")
        self.reset_button = KeyButton("清空条件")
        for name, widget in (("filterDateFrom", self.date_from), ("filterDateTo", self.date_to),
                             ("filterStatus", self.status), ("filterCategory", self.category),
                             ("filterUrgency", self.urgency), ("filterChannel", self.channel),
                             ("filterPhone", self.phone), ("filterText", self.text)):
            widget.setObjectName(name)

        grid = QGridLayout()
        pairs = [
            ("受理日期从", self.date_from), ("到", self.date_to), ("状态", self.status), ("诉求分类", self.category),
            ("紧急程度", self.urgency), ("渠道", self.channel), ("来电号码", self.phone), ("文字 (Ctrl+F)", self.text),
        ]
        if self.district is not None:
            pairs.insert(6, ("区县", self.district))
        for i, (label, widget) in enumerate(pairs):
            lab = QLabel(label)
            lab.setBuddy(widget)
            grid.addWidget(lab, i // 4, (i % 4) * 2, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(widget, i // 4, (i % 4) * 2 + 1)
        for col in (1, 3, 5, 7):
            grid.setColumnStretch(col, 1)
        buttons = QHBoxLayout()
        self.count_label = QLabel()
        self.count_label.setObjectName("ticketCount")
        buttons.addWidget(self.count_label, 1)
        buttons.addWidget(self.reset_button)
        buttons.addWidget(self.search_button)

        self.table = QTableView()
        self.table.setObjectName("ticketTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.setSortingEnabled(True)
        header = self.table.horizontalHeader()
        header.setSortIndicator(self._column_of("received_at"), Qt.SortOrder.DescendingOrder)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        widths = {"number": 190, "district": 150, "received_at": 130, "status": 70, "category": 70,
                  "urgency": 110, "channel": 70, "caller_name": 70, "caller_phone": 110}
        for col, (_h, attr, _s) in enumerate(self.model.columns):
            if attr in widths:
                self.table.setColumnWidth(col, widths[attr])
        self.table.doubleClicked.connect(self._open)

        hint = QLabel("Tab 逐个条件 · 任一条件中按 Enter 查询 · Ctrl+F 查文字 · 表格中 Enter 查看工单 · 点击列标题排序")
        hint.setObjectName("ticketListKeys")
        theme.small(hint)
        theme.set_text_color(hint, "#5f6b7a")

        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(hint)

        # Tab as the filters are drawn (row by row), then the buttons as drawn, then the list.
        chain = [widget for _label, widget in pairs] + [self.reset_button, self.search_button, self.table]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)
        self.search_button.clicked.connect(self.apply)
        self.reset_button.clicked.connect(self.reset)
        QShortcut(QKeySequence("Ctrl+F"), self, activated=self.focus_start,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._shown_before = False
        self._detail_read = LatestRead(runner, self)
        self._place: tuple[int | None, int] | None = None  # (ticket, rows loaded) to find again after a reload
        QShortcut(QKeySequence(Qt.Key.Key_Return), self.table, activated=self._open_current,
                  context=Qt.ShortcutContext.WidgetShortcut)
        self.model.load_failed.connect(lambda exc: show_error(self, exc))
        self.model.page_loaded.connect(self._page_loaded)
        self._pending_count = QTimer(self, singleShot=True, interval=0)
        self._pending_count.timeout.connect(self._count)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt name)
        """Enter in any filter: line edits, lists and dates each take the key, then leave it to the
        bar (a date typed in part is completed first), so the query runs with what is shown."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.apply()
            return
        super().keyPressEvent(event)

    def focus_start(self) -> None:
        """Ctrl+F, and arriving in the area (main_window.focus_start): the text filter."""
        self.text.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.text.selectAll()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        if self._shown_before and not event.spontaneous():
            self.reread_in_place()  # back in the area: what came in meanwhile (an imported batch) is listed
        self._shown_before = True

    def reread_in_place(self) -> None:
        """Read the list again, and the person finds their place: the rows they had loaded (ten
        pages at most), the ticket they were on."""
        deep = min(self.model.rowCount(), 10 * self.model.page_size)
        self._place = (self.model.ticket_id(self.table.currentIndex().row()), deep)
        self.refresh()

    def _column_of(self, attr: str) -> int:
        return next(i for i, column in enumerate(self.model.columns) if column[1] == attr)

    def _districts_known(self, names: dict[str, str]) -> None:
        assert self.district is not None
        for code, name in sorted(names.items()):
            self.district.addItem(f"{name}（{code}）", code)

    def current_filter(self) -> TicketFilter:
        def day(edit: QDateEdit):  # type: ignore[no-untyped-def]
            return None if edit.date() == NO_DATE else edit.date().toPython()

        sort_col = self.table.horizontalHeader().sortIndicatorSection()
        columns = self.model.columns
        key = columns[sort_col][2] if 0 <= sort_col < len(columns) else None
        return TicketFilter(
            date_from=day(self.date_from),
            date_to=day(self.date_to),
            status=self.status.currentData(),
            category=self.category.currentData(),
            urgency=self.urgency.currentData(),
            channel=self.channel.currentData(),
            district=self.district.currentData() if self.district is not None else None,
            phone=self.phone.text(),
            text=self.text.text(),
            sort=key or "received_at",
            descending=self.table.horizontalHeader().sortIndicatorOrder() == Qt.SortOrder.DescendingOrder,
        )

    def apply(self) -> None:
        flt = self.current_filter()
        problems = flt.problems()
        if problems:  # the list keeps its rows and the boxes what was typed
            self._pending_count.stop()
            self._count_generation += 1  # a count still running must not overwrite the message
            self.count_label.setText(" ".join(problems.values()))
            return
        self.count_label.setText("正在查询…")
        self.model.set_filter(flt)
        self._pending_count.start()

    def reset(self) -> None:
        for edit in (self.date_from, self.date_to):
            edit.setDate(NO_DATE)
        for box in (self.status, self.category, self.urgency, self.channel, self.district):
            if box is not None:
                box.setCurrentIndex(0)
        self.phone.clear()
        self.text.clear()
        self.apply()

    def refresh(self) -> None:
        self.model.refresh()
        self._pending_count.start()

    def _count(self) -> None:
        self._count_generation += 1
        generation = self._count_generation
        flt = self.model.filter
        self.runner.read(lambda: tickets.count(self.actor, flt), lambda n: self._show_count(generation, n),
                         lambda exc: None, owner=self)

    def _show_count(self, generation: int, n: int) -> None:
        if generation != self._count_generation:
            return
        shown = f"超过 {tickets.COUNT_CAP:,}" if n >= tickets.COUNT_CAP else f"{n:,}"
        self.count_label.setText(f"共 {shown} 张工单。双击或按 Enter 查看详情；滚动到底部自动加载更多。")

    def _page_loaded(self, _rows: int) -> None:
        if self._place is not None:
            ticket_id, rows = self._place
            if self.model.rowCount() < rows and self.model.canFetchMore():
                self.model.fetchMore()  # as deep as the person had scrolled
                return
            self._place = None
            row = self.model.row_of(ticket_id)
            if row is not None:
                self.table.selectRow(row)
                self.table.scrollTo(self.model.index(row, 0))
                return
        if self.table.currentIndex().row() < 0 and self.model.rowCount() > 0:
            self.table.selectRow(0)

    def _open_current(self) -> None:
        self._open(self.table.currentIndex())

    def _open(self, index: QModelIndex) -> None:
        """The detail is read on a reader thread; only the newest ticket asked for is shown (an
        Enter pressed again while it is read opens it once), and not once the person has left."""
        ticket_id = self.model.ticket_id(index.row()) if index.isValid() else None
        if ticket_id is None:
            return
        actor = self.actor
        self._detail_read(lambda: tickets.detail(actor, ticket_id), self._show_detail, lambda exc: show_error(self, exc))

    def _show_detail(self, detail: TicketDetail) -> None:
        if self.isVisible():
            TicketDetailDialog(detail, self, self.actor, self.runner).exec()
