"""The main window: the areas this user may use, down the left; an unbuilt area is absent."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from pathlib import Path

from PySide6.QtCore import QByteArray, QPoint, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QHBoxLayout,
    QPushButton,
    QStackedWidget,
    QTabBar,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core import APP_NAME, __version__, clock
from core.center.profile import CenterInfo
from core.roles import Actor, Permission
from desktop import settings, theme
from desktop.worker import Runner

if TYPE_CHECKING:
    from desktop.dispatch.view import DispatchView
    from desktop.mediation.view import MediationView
    from desktop.registration.view import RegistrationView
    from desktop.tickets.list_view import TicketListView

SHORTCUT_HELP = """<b>受理登记</b><br>
Alt+栏目名后括号里的字母 跳到该栏：{jump_keys}<br>
F2 跳到来电号码 · Tab 下一栏 · Ctrl+S 或 Ctrl+Enter 保存 · Ctrl+N 下一个来电 · Ctrl+D 标记为重复件<br>
选择框可直接输入文字、代码或拼音首字母（如 ts → 投诉，zs → 噪声污染）。<br>
知识库建议：Alt+1 … Alt+5 选用第几条，答复内容自动填入并按“直接答复办结”处理<br><br>
<b>知识库</b><br>直接输入问题即查 · ↓ 进入结果 · Ctrl+F 回到查询框 · Ctrl+N 新建 · F2 修改 · 编辑时 Ctrl+S 保存<br><br>
<b>工单查询</b><br>Tab 逐个条件 · 任一条件中 Enter 查询 · Ctrl+F 查文字 · 表格中 Enter 打开工单 · 点击列标题排序<br>日期条件：直接输入数字，如 20261125<br><br>
<b>派单督办</b><br>Ctrl+D 派单（12365 投诉举报为决定受理） · Ctrl+K 签收 · Ctrl+B 退单 · Ctrl+P 办理进展 · Ctrl+E 延期申请<br>
Ctrl+R 反馈 · Ctrl+Shift+R 反馈审核 · Ctrl+Shift+E 延期审批 · Ctrl+U 督办 · F5 刷新<br><br>
<b>工作台</b><br>Enter 打开选中事项 · F5 刷新<br><br>
<b>调解与文书</b><br>Ctrl+F 查找投诉 · Ctrl+N 开始调解 · Ctrl+S 保存 · 当事人 Insert 添加 / F2 修改 / Delete 删除<br>
Ctrl+R 登记调解 · Ctrl+E 结束调解 · Ctrl+Shift+E 审核结案 · Ctrl+I 出具文书 · 文书列表 Enter 预览 / 打印 · F5 刷新<br><br>
<b>数据交换</b><br>区县：Ctrl+E 导出上报批次 · Ctrl+I 导入省级回执；省级：Ctrl+O 导入批次 · Ctrl+R 为选中的区县出具回执；F5 刷新<br><br>
<b>切换区域</b><br>Ctrl+1 … Ctrl+9 · F10 菜单 · F1 本说明"""


PREFERRED_SIZE = QSize(1280, 820)
FRAME_ALLOWANCE = QSize(16, 40)  # a title bar and borders (Windows: 31 + 8 points, at any scale)


def first_size(available: QSize) -> QSize:
    """The window at its first start: the preferred size, or as much as the screen has room for
    (a 1366×768 laptop with its taskbar: 1350×680), so the save bar is never under the taskbar."""
    return PREFERRED_SIZE.boundedTo(available - FRAME_ALLOWANCE)


def focus_start(area: QWidget) -> None:
    """Arriving in an area (or one of its tabs) puts the cursor where its work starts, so the
    area's keys, bound to it and its children, work at once: the area's own ``focus_start``
    if it has one, else its first field or list (never a tab bar)."""
    start = getattr(area, "focus_start", None)
    if callable(start):
        start()
        return
    if isinstance(area, QTabWidget) and area.currentWidget() is not None:
        focus_start(area.currentWidget())
        return
    widget = area.nextInFocusChain()
    while widget is not area and widget is not None:
        if (area.isAncestorOf(widget) and widget.isVisibleTo(area) and widget.isEnabled()
                and widget.focusPolicy().value & Qt.FocusPolicy.TabFocus.value and not isinstance(widget, QTabBar)):
            widget.setFocus(Qt.FocusReason.TabFocusReason)
            return
        widget = widget.nextInFocusChain()


class MainWindow(QMainWindow):
    def __init__(self, actor: Actor, center: CenterInfo, db_path: Path) -> None:
        super().__init__()
        self.actor = actor
        self.center = center
        self.runner = Runner(self)
        self.setWindowTitle(f"{APP_NAME} · {center.name}")

        self.nav = QListWidget()
        self.nav.setObjectName("areaNav")
        self.nav.setStyleSheet(theme.NAV_SHEET)
        self.nav.setFixedWidth(150)
        self.nav.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a click leaves the keyboard in the area (Ctrl+1…9 switch)
        self.stack = QStackedWidget()
        self.areas: dict[str, QWidget | None] = {}

        self.registration: RegistrationView | None = None
        self._ticket_list: TicketListView | None = None
        # Areas are built when first opened: start-up pays only for the first one.
        self._factories: list[Callable[[], QWidget]] = []
        self.dispatch_view: DispatchView | None = None
        self.mediation_view: MediationView | None = None
        self.calendar_tab: QWidget | None = None
        # A provincial center reads what the districts sent; it registers and handles nothing itself.
        province = center.is_province
        handles = not province and any(
            actor.can(p) for p in (Permission.DISPATCH, Permission.SUPERVISE, Permission.EXTENSION_DECIDE))
        # 工作台 first for those whose work comes to them; operators start on registration.
        if handles or (not province and actor.can(Permission.CALENDAR_MANAGE)):
            self._add_area("工作台", self._make_workbench)
        if not province and actor.can(Permission.TICKET_REGISTER):
            self._add_area("受理登记", self._make_registration)
        if actor.can(Permission.TICKET_VIEW):
            self._add_area("工单查询", self._make_ticket_list)
        if handles:
            self._add_area("派单督办", self._make_dispatch)
        if not province and (actor.can(Permission.VISIT) or actor.can(Permission.DISPATCH)):
            self._add_area("回访", self._make_visits)  # the visitor's queue; the dispatcher's 二次办理
        if not province and (actor.can(Permission.MEDIATE) or actor.can(Permission.DOCUMENT_ISSUE)):
            self._add_area("调解与文书", self._make_mediation)
        if actor.can(Permission.KB_USE):
            self._add_area("知识库", self._make_kb)
        if province and actor.can(Permission.TICKET_VIEW):
            self._add_area("统计分析", self._make_province_stats)
        from desktop.exchange.view import exchange_permitted

        if exchange_permitted(actor, province):
            self._add_area("数据交换", self._make_exchange)
        admin_rights = (Permission.USER_MANAGE,) if province else (
            Permission.USER_MANAGE, Permission.TOPIC_MANAGE, Permission.UNIT_MANAGE, Permission.CALENDAR_MANAGE,
            Permission.TEMPLATE_MANAGE)
        if any(actor.can(p) for p in admin_rights):
            self._add_area("系统管理", self._make_admin)
        self.tray = None
        if handles:
            from desktop.tray import ReminderTray

            self.tray = ReminderTray(self.runner, self)
            self.tray.activated.connect(self._bring_to_workbench)
            self.tray.notice.connect(lambda m: self.statusBar().showMessage(m, 15_000))
            QTimer.singleShot(1000, self.tray, self.tray.start)  # after the first screen has drawn
        self.nav.currentRowChanged.connect(self._open_area)
        self.nav.setCurrentRow(0)

        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        bar = self.statusBar()
        bar.addPermanentWidget(QLabel(f"{center.name}（{center.code}）"))
        bar.addPermanentWidget(QLabel(f"{actor.display_name} · {actor.roles_label}"))
        bar.addPermanentWidget(QLabel(f"数据库：{db_path}"))
        if (fixed := clock.fixed_from_environment()) is not None:  # a training room, a test: never unnoticed
            stopped = QLabel(f"时间固定为 {fixed:%Y-%m-%d %H:%M}（HOTLINE_DESK_NOW）")
            stopped.setObjectName("clockFixed")
            stopped.setStyleSheet(f"color: {theme.ERROR};")
            bar.addPermanentWidget(stopped)

        self._menus()
        self._place()

    def _place(self) -> None:
        """Where the window was when last closed (settings ``window/geometry``; Qt keeps a
        restored window on a screen that is still there), else the first size, centred."""
        geometry = settings.get("window/geometry")
        if geometry and self.restoreGeometry(QByteArray(geometry)):
            return
        screen = self.screen() or QGuiApplication.primaryScreen()
        room = screen.availableGeometry()
        size = first_size(room.size())
        self.resize(size)
        self.move(room.center() - QPoint(size.width() // 2, size.height() // 2))

    # Each area's module is imported when the area is first opened, not at start-up.
    def _make_registration(self) -> QWidget:
        from desktop.registration.view import RegistrationView

        self.registration = RegistrationView(self.actor, self.center, self.runner)
        self.registration.status_message.connect(lambda m: self.statusBar().showMessage(m, 8000))
        return self.registration

    def _make_workbench(self) -> QWidget:
        from desktop.workbench.view import WorkbenchView

        view = WorkbenchView(self.actor, self.runner)
        view.open_ticket.connect(self.open_handling)
        view.open_calendar.connect(self._open_calendar)
        return view

    def _make_visits(self) -> QWidget:
        from desktop.visits.view import VisitsView

        return VisitsView(self.actor, self.runner)

    def _make_dispatch(self) -> QWidget:
        from desktop.dispatch.view import DispatchView

        self.dispatch_view = DispatchView(self.actor, self.runner)
        self.dispatch_view.notice.connect(lambda m: self.statusBar().showMessage(m, 10_000))
        return self.dispatch_view

    def _make_mediation(self) -> QWidget:
        from desktop.mediation.view import MediationView

        self.mediation_view = MediationView(self.actor, self.runner)
        self.mediation_view.notice.connect(lambda m: self.statusBar().showMessage(m, 10_000))
        return self.mediation_view

    def open_mediation(self, ticket_id: int) -> None:
        """A complaint's mediation and documents in 调解与文书."""
        if "调解与文书" not in self.areas:
            return
        self.show_area("调解与文书")
        assert self.mediation_view is not None
        self.mediation_view.show_ticket(ticket_id)

    def open_handling(self, ticket_id: int) -> None:
        """A ticket chosen on the 工作台: its handling in 派单督办."""
        if "派单督办" not in self.areas:
            return
        self.show_area("派单督办")
        assert self.dispatch_view is not None
        self.dispatch_view.show_ticket(ticket_id)

    def _open_calendar(self) -> None:
        if "系统管理" in self.areas:
            self.show_area("系统管理")
            tabs = self.areas["系统管理"]
            if isinstance(tabs, QTabWidget) and self.calendar_tab is not None:
                tabs.setCurrentWidget(self.calendar_tab)

    def _bring_to_workbench(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()
        if "工作台" in self.areas:
            self.show_area("工作台")

    def _make_ticket_list(self) -> QWidget:
        from desktop.tickets.list_view import TicketListView

        self._ticket_list = TicketListView(self.actor, self.runner, province=self.center.is_province)
        self._ticket_list.apply()
        return self._ticket_list

    def _make_kb(self) -> QWidget:
        from desktop.kb.view import KbView

        self.kb_view = KbView(self.actor, self.runner)
        self.kb_view.browser.notice.connect(lambda m: self.statusBar().showMessage(m, 10_000))
        return self.kb_view

    def _make_province_stats(self) -> QWidget:
        from desktop.stats.province import ProvinceStatsView

        return ProvinceStatsView(self.actor, self.runner)

    def _make_exchange(self) -> QWidget:
        from desktop.exchange.view import ExchangeView

        return ExchangeView(self.actor, self.runner, self.center.is_province)

    def _make_admin(self) -> QWidget:
        tabs = QTabWidget()
        if self.actor.can(Permission.USER_MANAGE):
            from desktop.admin.accounts import AccountsView

            tabs.addTab(AccountsView(self.actor, self.runner), "账号")
        if self.center.is_province:
            return tabs  # units, topics, calendar, rules and templates serve handling, which districts do
        if self.actor.can(Permission.TOPIC_MANAGE):
            from desktop.admin.topics import TopicsView

            view = TopicsView(self.actor, self.runner)
            tabs.addTab(view, "问题分类")
        if self.actor.can(Permission.UNIT_MANAGE):
            from desktop.admin.units import UnitsView

            tabs.addTab(UnitsView(self.actor, self.runner), "承办单位")
        if self.actor.can(Permission.CALENDAR_MANAGE):
            from desktop.admin.work_calendar import CalendarView
            from desktop.admin.rules import RulesView

            self.calendar_tab = CalendarView(self.actor, self.runner)
            tabs.addTab(self.calendar_tab, "工作日历")
            tabs.addTab(RulesView(self.actor, self.runner), "时限规则")
        if self.actor.can(Permission.TEMPLATE_MANAGE):
            from desktop.admin.templates import TemplatesView

            tabs.addTab(TemplatesView(self.actor, self.runner), "文书模板")
        return tabs

    def open_archive_batch(self) -> None:
        from desktop.documents.archive_batch import ArchiveBatchDialog

        ArchiveBatchDialog(self.actor, self.runner, self).exec()

    @property
    def ticket_list(self) -> TicketListView | None:
        """The list area, built on first use."""
        if self._ticket_list is None and "工单查询" in self.areas:
            self._open_area(list(self.areas).index("工单查询"), switch=False)
        return self._ticket_list

    def _open_area(self, row: int, switch: bool = True) -> None:
        if row < 0:
            return
        title = list(self.areas)[row]
        widget = self.areas[title]
        if widget is None:
            widget = self._factories[row]()
            self.areas[title] = widget
            placeholder = self.stack.widget(row)
            self.stack.insertWidget(row, widget)
            self.stack.removeWidget(placeholder)
            placeholder.deleteLater()
            if isinstance(widget, QTabWidget):  # a tab chosen: the cursor into it, as into an area
                widget.currentChanged.connect(lambda _i, tabs=widget: tabs.isVisible() and focus_start(tabs))
        if switch:
            self.stack.setCurrentIndex(row)
            focus_start(widget)

    def _add_area(self, title: str, factory: Callable[[], QWidget]) -> None:
        self.areas[title] = None
        self._factories.append(factory)
        self.stack.addWidget(QWidget())  # stands in until the area is first opened
        item = QListWidgetItem(title)
        self.nav.addItem(item)
        index = self.nav.count()
        if index <= 9:
            action = QAction(self)
            action.setShortcut(QKeySequence(f"Ctrl+{index}"))
            action.triggered.connect(lambda _c=False, row=index - 1: self.go_to(row))
            self.addAction(action)

    def show_area(self, title: str) -> None:
        self.go_to(list(self.areas).index(title))

    def go_to(self, row: int) -> None:
        """Ctrl+1…9: the area, with the cursor where its work starts (also when already there)."""
        if row == self.nav.currentRow():
            focus_start(self.stack.currentWidget())
        else:
            self.nav.setCurrentRow(row)

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        super().showEvent(event)
        if not event.spontaneous():  # the first area was built before the window could take focus
            QTimer.singleShot(0, lambda: focus_start(self.stack.currentWidget()))

    def _menus(self) -> None:
        # No Alt letters on the menus: the registration form needs all 26 for its fields'
        # jump keys (desktop.registration.fields.JUMP_KEYS); F10 opens the menus, as on Windows.
        file_menu = self.menuBar().addMenu("文件")
        if self.actor.can(Permission.DOCUMENT_ISSUE) and not self.center.is_province:
            file_menu.addAction("批量归档…").triggered.connect(self.open_archive_batch)
            file_menu.addSeparator()
        quit_action = file_menu.addAction("退出")
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        help_menu = self.menuBar().addMenu("帮助")
        keys = help_menu.addAction("快捷键…")
        keys.setShortcut(QKeySequence(Qt.Key.Key_F1))
        keys.triggered.connect(self.show_shortcuts)
        help_menu.addAction("关于…").triggered.connect(
            lambda: QMessageBox.about(self, "关于", f"{APP_NAME} {__version__}\n12345 / 12365 热线受理与办理"))
        menus = QAction(self)
        menus.setShortcut(QKeySequence(Qt.Key.Key_F10))
        menus.triggered.connect(lambda: self.menuBar().setActiveAction(file_menu.menuAction()))
        self.addAction(menus)

    def show_shortcuts(self) -> None:
        """F1: every area's keys, in a box that scrolls (a message box this long would pass the
        bottom of a 768-pixel screen, its 确定 with it)."""
        from desktop.registration.view import jump_keys_text

        dialog = QDialog(self)
        dialog.setWindowTitle("快捷键")
        text = QTextBrowser()
        text.setHtml(SHORTCUT_HELP.format(jump_keys=jump_keys_text()))
        close = QPushButton("关闭 (Esc)")
        close.clicked.connect(dialog.accept)
        layout = QVBoxLayout(dialog)
        layout.addWidget(text)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)
        dialog.resize(720, min(640, self.screen().availableGeometry().height() - 80))
        dialog.exec()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.mediation_view is not None and self.mediation_view.dirty():
            answer = QMessageBox.question(
                self, "退出", "调解与文书中有修改尚未保存。不保存就退出吗？",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel)
            if answer != QMessageBox.StandardButton.Discard:
                self.show_area("调解与文书")
                event.ignore()
                return
        if self.registration is not None:
            try:
                self.registration.flush_draft()
            except Exception:  # the draft is a convenience; closing must not fail on it
                pass
        if self.tray is not None:
            self.tray.stop()
        settings.put("window/geometry", bytes(self.saveGeometry().data()))
        self.runner.wait()
        super().closeEvent(event)
