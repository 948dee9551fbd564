"""The areas each role gets, and the way from the 工作台 to a ticket's handling."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QTabWidget, QWidget

from core.center import profile as center
from desktop.main_window import MainWindow
from tests.core.dispatch.test_dispatch import register


def _window(qtbot, actor, db_path) -> MainWindow:
    win = MainWindow(actor, center.current_center(), db_path)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def _areas(win: MainWindow) -> list[str]:
    return [win.nav.item(i).text() for i in range(win.nav.count())]


def test_each_role_gets_its_areas(qtbot, operator, dispatcher, supervisor, mediator, center_db, db_path):
    expected = {
        operator: ["受理登记", "工单查询", "知识库"],
        dispatcher: ["工作台", "工单查询", "派单督办", "回访", "调解与文书", "知识库"],  # 回访: its 二次办理 (issue 17)
        supervisor: ["工作台", "工单查询", "派单督办", "调解与文书", "知识库"],
        mediator: ["工单查询", "调解与文书", "知识库"],
        center_db: ["工作台", "工单查询", "调解与文书", "知识库", "数据交换", "系统管理"],
    }
    for actor, areas in expected.items():
        win = _window(qtbot, actor, db_path)
        assert _areas(win) == areas, actor.username
        assert (win.tray is not None) == ("派单督办" in areas)
        win.close()
        win.runner.wait()


def test_admin_tabs_include_units_calendar_and_rules(qtbot, center_db, db_path):
    win = _window(qtbot, center_db, db_path)
    win.show_area("系统管理")
    tabs = win.areas["系统管理"]
    assert isinstance(tabs, QTabWidget)
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["账号", "问题分类", "承办单位", "工作日历", "时限规则",
                                                                    "文书模板"]
    win.close()
    win.runner.wait()


def test_the_file_menu_offers_the_archive_batch_to_those_who_issue_documents(qtbot, operator, dispatcher, db_path):
    for actor, offered in ((operator, False), (dispatcher, True)):
        win = _window(qtbot, actor, db_path)
        file_menu = win.menuBar().actions()[0].menu()
        assert ("批量归档…" in [a.text() for a in file_menu.actions()]) == offered, actor.username
        win.close()
        win.runner.wait()


def test_enter_on_the_workbench_opens_the_ticket_in_dispatch(qtbot, operator, dispatcher, db_path):
    ticket = register(operator, hours_ago=23)
    win = _window(qtbot, dispatcher, db_path)
    bench = win.areas["工作台"]
    qtbot.waitUntil(lambda: bench.model.rowCount() == 1, timeout=5000)
    bench.table.setFocus()
    qtbot.keyClick(bench.table, Qt.Key.Key_Home)
    qtbot.keyClick(bench.table, Qt.Key.Key_Return)
    assert win.stack.currentWidget() is win.dispatch_view
    qtbot.waitUntil(lambda: win.dispatch_view.panel.ticket_id == ticket, timeout=5000)
    win.close()
    win.runner.wait()


class _WindowsShown(QObject):
    """Every window shown while it watches (a widget shown before it has a parent opens as one)."""

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[str] = []

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.Show and isinstance(obj, QWidget) and obj.isWindow():
            self.shown.append(f"{type(obj).__name__} {obj.objectName()!r}")
        return False


def test_arriving_in_each_area_puts_the_cursor_in_it_and_opens_no_stray_window(
        qtbot, operator, dispatcher, center_db, db_path):
    """Ctrl+1…9 (or a click on the list): the area's keys, bound to the area, work at once."""
    watch = _WindowsShown()
    for actor in (operator, dispatcher, center_db):
        win = _window(qtbot, actor, db_path)
        win.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=5000)
        QApplication.instance().installEventFilter(watch)
        for row, title in enumerate(win.areas):
            qtbot.keyClick(QApplication.focusWidget() or win, getattr(Qt.Key, f"Key_{row + 1}"),
                           Qt.KeyboardModifier.ControlModifier)
            area = win.stack.currentWidget()
            qtbot.waitUntil(lambda: win.areas[title] is area and area.isAncestorOf(QApplication.focusWidget()),
                            timeout=5000)
            assert QApplication.activeWindow() is win, (actor.username, title)
        QApplication.instance().removeEventFilter(watch)
        assert win.nav.focusPolicy() == Qt.FocusPolicy.NoFocus  # a click on the list leaves the cursor in the area
        win.close()
        win.runner.wait()
    assert watch.shown == []


def test_the_mediation_search_takes_typing_on_arrival(qtbot, dispatcher, db_path):
    win = _window(qtbot, dispatcher, db_path)
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=5000)
    win.show_area("调解与文书")
    qtbot.keyClicks(QApplication.focusWidget(), "320102")
    assert win.mediation_view.search.text() == "320102"
    win.close()
    win.runner.wait()
