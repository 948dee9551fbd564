"""派单督办: the queues on the left, the selected ticket's handling on the right.

待派单 (urgent first, then the dispatch clock), 办理中 (by unit), 待审核 (returns,
feedback, extension requests), 催办督办 (reminders.scan with the overdue count by
unit) and 集中反映. Lists refresh after every step saved and once a minute; all reads
run on the runner. Steps are taken from the panel's buttons or their keys (Ctrl+D 派单,
Ctrl+K 签收, Ctrl+R 反馈 …), which work anywhere in the area.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core import clock
from core.deadlines import clocks as deadlines
from core.dispatch import reads as handling_reads
from core.deadlines import reminders
from core.roles import Actor, Permission
from desktop import theme
from desktop.widgets.forms import KeyButton
from desktop.dispatch.queues import IN_PROGRESS, PENDING, REMINDERS, REVIEWS, QueuePane
from desktop.dispatch.handling_panel import SHORTCUTS, HandlingPanel
from desktop.widgets.inputs import ComboBox
from desktop.worker import Runner, refresh_on_changes

REFRESH_MS = 60_000
# The step a queue row waits for, where Enter on it takes the focus.
NEXT_STEPS = {
    "pending": ("dispatch", "accept"), "return": ("decide_return",), "feedback": ("review_feedback",),
    "extension": ("decide_extension",), "reminder": ("supervise", "sign_off", "feedback", "dispatch"),
    "assignment": ("sign_off", "feedback", "decide_return", "review_feedback", "decide_extension"),
}
ID_ROLE = Qt.ItemDataRole.UserRole


class DispatchView(QWidget):
    """The 派单督办 area, for users with DISPATCH, SUPERVISE or EXTENSION_DECIDE."""

    notice = Signal(str)  # for the status bar: 已派单至 …

    def __init__(self, actor: Actor, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        refresh_on_changes(self, runner, lambda c: c.tickets or c.units or c.calendar or c.settings, self.refresh)
        self.actor = actor
        self.runner = runner
        self.panel = HandlingPanel(actor, runner)
        self.panel.acted.connect(self._acted)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("queues")
        self.pending = self._queue("待派单", lambda after, n: handling_reads.pending_page(actor, after, n),
                                   PENDING, "没有待派单的工单。", "pendingQueue")
        self.unit_filter = ComboBox()
        self.unit_filter.setObjectName("unitFilter")
        self.unit_filter.addItem("全部承办单位", None)
        self.unit_filter.activated.connect(lambda _i: self._filter_units())
        self.in_progress = self._queue("办理中", self._in_progress_fetch(None), IN_PROGRESS,
                                       "没有正在办理的工单。", "inProgressQueue", self.unit_filter)
        self.reviews = self._queue("待审核", lambda after, n: handling_reads.reviews_page(actor, after, n), REVIEWS,
                                   "没有待审核的退单、反馈或延期申请。", "reviewQueue", wrap=True)
        self.overdue = QTableWidget(0, 4)
        self.overdue.setObjectName("overdueByUnit")
        self.overdue.setHorizontalHeaderLabels(["承办单位", "环节", "超期件数", "最早时限"])
        self.overdue.verticalHeader().hide()
        self.overdue.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.overdue.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.overdue.horizontalHeader().setStretchLastSection(True)
        self.overdue.setColumnWidth(0, 170)
        self.overdue.cellActivated.connect(self._unit_chosen)
        self.reminders = self._queue("催办督办", lambda after, n: handling_reads.reminder_page(actor, after, n),
                                     REMINDERS, "没有临近或超过时限的工单。", "reminderQueue", below=self.overdue)
        self.concentrated = QTreeWidget()
        self.concentrated.setObjectName("concentrated")
        self.concentrated.setHeaderLabels(["事项 / 工单", "状态", "受理时间"])
        self.concentrated.setColumnWidth(0, 330)
        self.concentrated.setColumnWidth(1, 90)
        self.concentrated.currentItemChanged.connect(lambda item, _old: self._concentrated_chosen(item))
        self.concentrated_note = QLabel("读取中…")
        theme.small(self.concentrated_note)
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 4, 0, 0)
        box.addWidget(self.concentrated_note)
        box.addWidget(self.concentrated, 1)
        self.tabs.addTab(page, "集中反映")
        self.tabs.currentChanged.connect(lambda _i: self._tab_changed())

        self.refresh_button = KeyButton("刷新 (F5)")
        self.refresh_button.clicked.connect(self.refresh)
        self.stamp = QLabel()
        theme.small(self.stamp)
        self.surge = QLabel()
        self.surge.setObjectName("surgeNote")
        theme.set_text_color(self.surge, theme.ERROR)
        top = QHBoxLayout()
        top.addWidget(self.refresh_button)
        top.addWidget(self.stamp)
        top.addStretch(1)
        top.addWidget(self.surge)
        if actor.can(Permission.SURGE_DECLARE):
            declare = KeyButton("宣布集中大话务量…")
            declare.setObjectName("declareSurge")
            declare.clicked.connect(self.declare_surge)
            top.addWidget(declare)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(top)
        left_layout.addWidget(self.tabs, 1)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.panel)
        split.setStretchFactor(1, 1)
        split.setSizes([600, 530])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(split)

        for key, keys in SHORTCUTS.items():
            QShortcut(QKeySequence(keys), self, activated=lambda k=key: self.panel.trigger(k),
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("F5"), self, activated=self.refresh, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        if not actor.can(Permission.DISPATCH):
            # a supervisor starts at what is late; a manager without dispatch rights at the reviews
            self.tabs.setCurrentIndex(3 if actor.can(Permission.SUPERVISE) else 2)
        # Time-driven only (a clock turns 临近 or 超期 with no write); writes come through refresh_on_changes.
        self.timer = QTimer(self, interval=REFRESH_MS)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        self.refresh()

    # queues ---------------------------------------------------------------

    def _queue(self, title: str, fetch, columns, empty: str, name: str, above: QWidget | None = None,
               below: QWidget | None = None, wrap: bool = False) -> QueuePane:
        pane = QueuePane(self.runner, columns, fetch, empty, name, wrap)
        index = self.tabs.addTab(pane, title)
        pane.counted.connect(lambda count, i=index, t=title: self.tabs.setTabText(i, f"{t} {count}"))
        pane.chosen.connect(self.panel.show_ticket)
        pane.offered.connect(lambda ticket, unit: self.panel.asked_ticket_id is None
                             and self.panel.show_ticket(ticket, unit))
        pane.activated.connect(lambda p=pane: self._to_step(p))
        pane.model.loaded.connect(lambda *_a, p=pane: self._first_load(p))
        if above is not None:
            pane.layout().insertWidget(0, above)
        if below is not None:
            split = QSplitter(Qt.Orientation.Vertical)
            pane.layout().removeWidget(pane.table)
            split.addWidget(pane.table)
            extra = QWidget()
            extra_layout = QVBoxLayout(extra)
            extra_layout.setContentsMargins(0, 0, 0, 0)
            caption = QLabel("超期件数（按承办单位）：双击一行查看该单位办理中的工单")
            theme.small(caption)
            extra_layout.addWidget(caption)
            extra_layout.addWidget(below, 1)
            split.addWidget(extra)
            split.setSizes([420, 160])
            pane.layout().addWidget(split, 1)
        return pane

    def _to_step(self, pane: QueuePane) -> None:
        row = pane.current_row()
        self.panel.focus_first_step(NEXT_STEPS.get(row.kind, ()) if row else ())

    def _in_progress_fetch(self, unit_id: int | None):
        actor = self.actor
        return lambda after, n: handling_reads.in_progress_page(actor, unit_id, after, n)

    def _filter_units(self) -> None:
        self.in_progress.model.set_fetch(self._in_progress_fetch(self.unit_filter.currentData()))

    def _unit_chosen(self, row: int, _column: int) -> None:
        item = self.overdue.item(row, 0)
        unit_id = item.data(ID_ROLE) if item else None
        if unit_id is None:
            return
        index = self.unit_filter.findData(unit_id)
        if index < 0:
            self.unit_filter.addItem(item.text(), unit_id)
            index = self.unit_filter.count() - 1
        self.unit_filter.setCurrentIndex(index)
        self._filter_units()
        self.tabs.setCurrentWidget(self.in_progress)
        self.in_progress.table.setFocus()

    def _first_load(self, pane: QueuePane) -> None:
        """Nothing shown yet: the first row of the list in front is, so the keys work at once."""
        if self.panel.asked_ticket_id is None and self.tabs.currentWidget() is pane and pane.model.rows \
                and pane.current_row() is None:
            pane.table.selectRow(0)

    def _tab_changed(self) -> None:
        pane = self.tabs.currentWidget()
        if isinstance(pane, QueuePane) and pane.current_row() is None and pane.model.rows:
            pane.table.selectRow(0)

    # refreshing -----------------------------------------------------------

    def _tick(self) -> None:
        if self.isVisible() and not self.runner.busy:
            self.refresh()

    def refresh(self, panel: bool = True) -> None:
        for pane in (self.pending, self.in_progress, self.reviews, self.reminders):
            pane.refresh()
        actor = self.actor
        self.runner.read(lambda: (handling_reads.units_in_progress(actor), reminders.overdue_by_unit(),
                                  handling_reads.concentrated_groups(actor), deadlines.surges()),
                         self._side_lists, owner=self)
        if panel:
            self.panel.reload()
        self._refreshed = clock.now()
        self.stamp.setText(f"刷新于 {clock.now():%H:%M}，每分钟自动刷新")

    def _side_lists(self, lists: tuple) -> None:
        units, overdue, groups, surges = lists
        chosen = self.unit_filter.currentData()
        self.unit_filter.blockSignals(True)
        self.unit_filter.clear()
        self.unit_filter.addItem("全部承办单位", None)
        for u in units:
            self.unit_filter.addItem(f"{u.name}（{u.count}）", u.unit_id)
        self.unit_filter.setCurrentIndex(max(0, self.unit_filter.findData(chosen)))
        self.unit_filter.blockSignals(False)
        self.overdue.setRowCount(len(overdue))
        for row, item in enumerate(overdue):
            cells = [item.unit_name, item.stage_label, str(item.count), clock.display(item.oldest_due)]
            for col, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setData(ID_ROLE, item.unit_id)
                if col == 2:
                    cell.setForeground(theme_color(theme.ERROR))
                self.overdue.setItem(row, col, cell)
        self._fill_concentrated(groups)
        now = clock.stamp()
        active = [s for s in surges if s.starts_at <= now < s.ends_at]
        self.surge.setText(f"集中大话务量期间（至 {clock.display(active[0].ends_at)}）：一般诉求派单时限 48 小时"
                           if active else "")

    def _fill_concentrated(self, groups: list[handling_reads.ConcentratedGroup]) -> None:
        self.concentrated.blockSignals(True)
        self.concentrated.clear()
        for g in groups:
            parent = QTreeWidgetItem(self.concentrated, [f"{g.reason}（{g.first_at} 至 {g.last_at}）"])
            parent.setFirstColumnSpanned(True)
            parent.setToolTip(0, f"{g.reason}\n例：{g.title}\n{g.first_at} 至 {g.last_at}")
            parent.setForeground(0, theme_color(theme.ERROR))
            for t in g.tickets:
                child = QTreeWidgetItem(parent, [f"{t.number}  {t.title}", t.status, t.received_at])
                child.setData(0, ID_ROLE, t.id)
            parent.setExpanded(len(groups) <= 3)
        self.concentrated.blockSignals(False)
        self.concentrated_note.setText(
            f"近 30 天同一诉求多次来电、或多位来电人反映同一地点同类问题的，共 {len(groups)} 项（12345 5.2.3）。"
            if groups else "近 30 天没有多次反映或集中反映的事项。")
        self.tabs.setTabText(4, f"集中反映 {len(groups)}")

    def _concentrated_chosen(self, item: QTreeWidgetItem | None) -> None:
        if item is None:
            return
        ticket_id = item.data(0, ID_ROLE)
        if ticket_id is None and item.childCount():
            ticket_id = item.child(0).data(0, ID_ROLE)
        if ticket_id is not None:
            self.panel.show_ticket(ticket_id)

    def show_ticket(self, ticket_id: int, assignment_id: int | None = None) -> None:
        """A ticket chosen elsewhere (the 工作台): its handling, whatever list is in front."""
        self.panel.show_ticket(ticket_id, assignment_id)

    def _acted(self, message: str) -> None:
        self.notice.emit(message)
        self.refresh(panel=False)  # the panel reads its ticket again itself

    def declare_surge(self) -> None:
        from desktop.dispatch.steps import SurgeDialog

        dialog = SurgeDialog(self.actor, self.runner, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(lambda message: (self._acted(message), self.panel.reload()))
        dialog.open()

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        super().showEvent(event)
        if (clock.now() - self._refreshed).total_seconds() * 1000 >= REFRESH_MS:
            self.refresh()  # back from another area after a while
        self.focus_start()

    def focus_start(self) -> None:
        """Arriving in the area (main_window.focus_start): the current queue, its keys at hand."""
        pane = self.tabs.currentWidget()
        if isinstance(pane, QueuePane):
            pane.table.setFocus()


def theme_color(color: str) -> QBrush:
    return QBrush(QColor(color))
