"""工作台: what the logged-in user has to do next, the most urgent first (core.workbench.items).

Refreshed every minute and on F5. Enter or a double click on a row asks the
main window to open its ticket. Items without a ticket (a calendar to import)
show as a banner above the table, with a button to the admin's calendar tab.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core import clock
from core.deadlines import reminders
from core.workbench import items as workbench
from core.roles import Actor
from core.workbench.items import WorkItem
from desktop import theme
from desktop.errors import message_for, show_error
from desktop.worker import Runner, refresh_on_changes

# Time-driven only: a clock runs out with no write to announce it. What writes change comes
# through refresh_on_changes.
REFRESH_MS = 60_000
COLUMNS = ("事项", "工单编号", "标题", "承办单位", "时限", "状态")
AMBER, AMBER_BG = "#9a5b00", "#fff3d6"  # 催办
RED, RED_BG = theme.ERROR, "#fde7e4"  # 督办 and above
Index = QModelIndex | QPersistentModelIndex


def time_left(due_at: str, now: dt.datetime) -> str:
    """``剩 3 小时`` / ``超期 2 天 5 小时``, to the hour; '' for a step without a clock."""
    if not due_at:
        return ""
    minutes = int((clock.parse_stamp(due_at) - now).total_seconds() // 60)
    late, minutes = minutes < 0, abs(minutes)
    days, hours = minutes // (24 * 60), minutes % (24 * 60) // 60
    if days:
        span = f"{days} 天" + (f" {hours} 小时" if hours else "")
    elif hours:
        span = f"{hours} 小时"
    else:
        span = f"{max(minutes, 1)} 分钟"
    return ("超期 " if late else "剩 ") + span


def task_text(item: WorkItem) -> str:
    """The task without the level core appends to it (the 状态 column shows it), marked when urgent."""
    task = item.task.removesuffix(f"（{reminders.level_label(item.level)}）") if item.level else item.task
    return task + ("（紧急）" if item.urgent else "")


def status_text(item: WorkItem, now: dt.datetime) -> str:
    left = time_left(item.due_at, now)
    if item.level:
        return f"{reminders.level_label(item.level)} · {left}" if left else reminders.level_label(item.level)
    return left


def counts_line(items: list[WorkItem]) -> str:
    """``逾期 3 · 临近到期 5 · 审核反馈 2 …``; the late and near first, then the rest by task."""
    late = sum(1 for i in items if i.ticket_id is not None and i.level >= reminders.OVERDUE)
    near = sum(1 for i in items if i.ticket_id is not None and i.level == reminders.NEAR)
    rest = Counter(i.task.split("（")[0] for i in items if i.ticket_id is not None and not i.level)
    system = sum(1 for i in items if i.ticket_id is None)
    parts = [f"逾期 {late}"] if late else []
    parts += [f"临近到期 {near}"] if near else []
    parts += [f"{task} {n}" for task, n in rest.items()]
    parts += [f"系统提醒 {system}"] if system else []
    return " · ".join(parts)


class WorkItemsModel(QAbstractTableModel):
    """The user's work items (at most core.workbench.items.LIMIT), in the order core gives them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items: list[WorkItem] = []
        self.now = clock.now()

    def set_items(self, items: list[WorkItem], now: dt.datetime) -> None:
        if items == self.items:  # nothing new: only the times left move
            self.now = now
            if items:
                self.dataChanged.emit(self.index(0, 4), self.index(len(items) - 1, 5))
            return
        self.beginResetModel()
        self.items, self.now = list(items), now
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 (Qt name)
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(COLUMNS):
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.items):
            return None
        item, column = self.items[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(item, column, role == Qt.ItemDataRole.ToolTipRole)
        if role == Qt.ItemDataRole.UserRole:
            return item.ticket_id
        if role == Qt.ItemDataRole.ForegroundRole and column in (4, 5) and item.level:
            return QBrush(QColor(AMBER if item.level == reminders.NEAR else RED))
        if role == Qt.ItemDataRole.BackgroundRole and column == 5 and item.level:
            return QBrush(QColor(AMBER_BG if item.level == reminders.NEAR else RED_BG))
        if role == Qt.ItemDataRole.FontRole and (item.level > reminders.OVERDUE or (item.urgent and column == 0)):
            font = QFont()
            font.setBold(True)
            return font
        return None

    def _text(self, item: WorkItem, column: int, tip: bool) -> str:
        if column == 0:
            return task_text(item)
        if column == 1:
            return item.number
        if column == 2:
            return item.title
        if column == 3:
            return item.unit
        if column == 4:
            due = clock.display(item.due_at)
            if item.provisional and due:
                due += "（暂定）"
                if tip:
                    due += "：跨入尚未导入放假安排的年份，暂按周末计算，导入放假通知后自动重算"
            return due
        return status_text(item, self.now)


class WorkbenchView(QWidget):
    open_ticket = Signal(int)  # the ticket of the row chosen (Enter / double click)
    open_calendar = Signal()  # the banner's button: 系统管理 › 工作日历
    counted = Signal(int)  # how many items, for a badge on the area list

    def __init__(self, actor: Actor, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        refresh_on_changes(self, runner, lambda c: c.tickets or c.calendar or c.kb or c.settings or c.users,
                           lambda: self.refresh(quiet=True))
        self.actor = actor
        self.runner = runner
        self._loading = self._again = False

        self.summary = QLabel()
        self.summary.setObjectName("workbenchSummary")
        font = self.summary.font()
        font.setPixelSize(16)
        font.setBold(True)
        self.summary.setFont(font)
        self.updated = QLabel()
        self.updated.setObjectName("workbenchUpdated")
        theme.small(self.updated)
        self.refresh_button = QPushButton("刷新 (F5)")
        self.refresh_button.clicked.connect(self.refresh)
        head = QHBoxLayout()
        head.addWidget(self.summary, 1)
        head.addWidget(self.updated)
        head.addWidget(self.refresh_button)

        self.model = WorkItemsModel(self)
        self.table = QTableView()
        self.table.setObjectName("workbenchTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column, width in enumerate((150, 172, 0, 160, 140, 255)):
            if width:
                self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(self._activated)  # Enter, and a double click

        self.banner = QLabel()
        self.banner.setObjectName("workbenchBanner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(f"background: {theme.WARNING_BG}; color: {AMBER}; padding: 8px;")
        to_calendar = QPushButton("前往工作日历")
        to_calendar.clicked.connect(self.open_calendar)
        self.banner_box = QWidget()
        banner_row = QHBoxLayout(self.banner_box)
        banner_row.setContentsMargins(0, 0, 0, 0)
        banner_row.addWidget(self.banner, 1)
        banner_row.addWidget(to_calendar)
        self.banner_box.hide()

        self.empty = QLabel("暂无待办工单。\n\n需要您处理的工单——待派单、催签收、催反馈、审核退单和反馈、审批延期、"
                            "超期督办——会按紧急程度列在这里，每分钟自动刷新。")
        self.empty.setObjectName("workbenchEmpty")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        theme.set_text_color(self.empty, "#5f6b7a")
        self.pages = QStackedWidget()
        self.pages.addWidget(self.table)
        self.pages.addWidget(self.empty)

        hint = QLabel("Enter 或双击打开工单 · 红色：已超期（督办），橙色：临近到期（催办） · 按紧急程度排列")
        theme.small(hint)
        theme.set_text_color(hint, "#5f6b7a")
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.banner_box)
        layout.addWidget(self.pages, 1)
        layout.addWidget(hint)

        QShortcut(QKeySequence("F5"), self, activated=self.refresh,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.timer = QTimer(self, interval=REFRESH_MS)
        self.timer.timeout.connect(lambda: self.refresh(quiet=True))
        self.timer.start()
        self.refresh()

    # Reading -------------------------------------------------------------

    def focus_start(self) -> None:
        """Arriving in the area (main_window.focus_start): the list, Enter opens, F5 refreshes."""
        (self.table if self.pages.currentWidget() is self.table else self.refresh_button).setFocus()

    def refresh(self, quiet: bool = False) -> None:
        """Ask core for the user's work; ``quiet`` (the timer) reports a failure in the header only."""
        if self._loading:  # a read that began before the latest change: read again after it
            self._again = True
            return
        self._loading, self._again = True, False
        actor = self.actor

        def load() -> tuple[list[WorkItem], dt.datetime]:
            now = clock.now()
            return workbench.my_work(actor, now), now

        self.runner.read(load, self._show, lambda exc: self._failed(exc, quiet), owner=self)

    def _read_again_if_asked(self) -> None:
        self._loading = False
        if self._again:
            self.refresh(quiet=True)

    def _show(self, result: tuple[list[WorkItem], dt.datetime]) -> None:
        self._read_again_if_asked()
        items, now = result
        tickets = [i for i in items if i.ticket_id is not None]
        notices = [i.title for i in items if i.ticket_id is None]
        key = self._current_key()
        self.model.set_items(tickets, now)
        self.summary.setText(counts_line(items) or "暂无待办事项")
        theme.set_text_color(self.summary, RED if any(i.level >= reminders.OVERDUE for i in tickets) else theme.NAVY)
        self.updated.setText(f"更新于 {now.strftime('%H:%M')}")
        self.banner.setText("\n".join(notices))
        self.banner_box.setVisible(bool(notices))
        had_focus = self.isAncestorOf(QApplication.focusWidget()) if QApplication.focusWidget() else False
        self.pages.setCurrentWidget(self.table if tickets else self.empty)
        if had_focus:  # the list came or went under the cursor: keep it in the area, where F5 works
            self.focus_start()
        self._select(key)
        self.counted.emit(len(items))

    def _failed(self, exc: BaseException, quiet: bool) -> None:
        self._read_again_if_asked()
        if quiet:
            self.updated.setText(f"刷新失败：{message_for(exc)[1]}")
        else:
            show_error(self, exc)

    def _current_key(self) -> tuple | None:
        row = self.table.currentIndex().row()
        if 0 <= row < len(self.model.items):
            item = self.model.items[row]
            return item.task, item.ticket_id, item.target_id, item.unit
        return None

    def _select(self, key: tuple | None) -> None:
        rows = [i for i, item in enumerate(self.model.items) if (item.task, item.ticket_id, item.target_id, item.unit) == key]
        if rows or (self.model.items and not self.table.currentIndex().isValid()):
            self.table.selectRow(rows[0] if rows else 0)

    # Choosing ------------------------------------------------------------

    def current_item(self) -> WorkItem | None:
        row = self.table.currentIndex().row()
        return self.model.items[row] if 0 <= row < len(self.model.items) else None

    def _activated(self, index: QModelIndex) -> None:
        if 0 <= index.row() < len(self.model.items):
            ticket_id = self.model.items[index.row()].ticket_id
            if ticket_id is not None:
                self.open_ticket.emit(ticket_id)
