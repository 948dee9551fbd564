"""The areas each role gets, and the way from the 工作台 to a ticket's handling."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTabWidget

from core import center
from desktop.main_window import MainWindow
from tests.core.test_dispatch import register


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
        dispatcher: ["工作台", "工单查询", "派单督办", "调解与文书", "知识库"],
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
