"""工单查询: the filter bar typed into, with the list's rows and the count it reports."""
from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from core import clock
from core.tickets import registration
from core.tickets.registration import TicketInput
from desktop.tickets.list_view import TicketListView
from desktop.worker import Runner
from tests.helpers import type_text


@pytest.fixture(autouse=True)
def _on_a_named_day(frozen_clock):
    """These tests name their dates (2026-11-24 07:30 in Nanjing), whatever HOTLINE_DESK_TEST_NOW says."""
    frozen_clock.set(dt.datetime(2026, 11, 24, 7, 30, tzinfo=clock.LOCAL_TZ))


def test_unsearchable_text_is_named_and_the_list_keeps_its_rows(qtbot, operator):
    for title in ("燃气泄漏", "路灯不亮"):
        registration.register(operator, TicketInput(category="consult", title=title, content=title + "，请处理",
                                                    caller_phone="13812345678"))
    runner = Runner()
    view = TicketListView(operator, runner)
    qtbot.addWidget(view)
    view.show()
    view.apply()  # the first load and its count are under way when the text is typed
    view.text.setFocus()
    view.text.setText('"*()')  # QTest cannot type '"'; Return below is a real key press
    qtbot.keyClick(view.text, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not runner.busy and view.model.rowCount() == 2, timeout=5000)  # the first load lands
    assert "没有可以查找的汉字、字母或数字" in view.count_label.text()  # and does not cover the message
    assert view.text.text() == '"*()'
    view.text.setText("燃气")
    qtbot.keyClick(view.text, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "共 1 张工单" in view.count_label.text(), timeout=5000)
    assert view.model.rowCount() == 1
    runner.wait()


@pytest.fixture
def listing(qtbot, operator):
    """The list over three tickets: a consult by phone, a complaint by letter, an urgent help."""
    for values in (dict(category="consult", title="燃气泄漏", channel="phone"),
                   dict(category="complaint", title="路灯不亮", channel="letter", caller_name="李四",
                        occurred_at="昨晚", address="北京东路1号", reported_unit="路灯所",
                        details={"prior_handling": "无"}),
                   dict(category="help", title="老人走失", urgency="urgent", emergency_type="incident",
                        caller_name="王五", occurred_at="今早", address="玄武湖",
                        reported_unit="无", details={"prior_handling": "已报警", "incident_status": "仍未找到", "incident_scope": "一人",
                                 "incident_harm": "走失", "emergency_called": "是", "onsite_departments": "派出所"})):
        registration.register(operator, TicketInput(content=values["title"] + "，请处理", caller_phone="13812345678",
                                                    **values))
    runner = Runner()
    view = TicketListView(operator, runner)
    qtbot.addWidget(view)
    view.resize(1200, 600)
    view.show()
    view.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view, timeout=5000)
    view.apply()
    qtbot.waitUntil(lambda: view.model.rowCount() == 3, timeout=5000)
    yield view
    runner.wait()


def _enter_runs_the_query(qtbot, view, widget, rows: int) -> None:
    widget.setFocus()
    with qtbot.waitSignal(view.model.page_loaded, timeout=5000):
        qtbot.keyClick(widget, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.model.rowCount() == rows, timeout=5000)


def test_tab_goes_through_every_filter_as_drawn_then_the_buttons_and_the_list(qtbot, listing):
    view = listing
    view.date_from.setFocus()
    order = [QApplication.focusWidget()]
    for _ in range(10):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        order.append(QApplication.focusWidget())
    assert order == [view.date_from, view.date_to, view.status, view.category, view.urgency, view.channel,
                     view.phone, view.text, view.reset_button, view.search_button, view.table]


def test_enter_in_any_filter_runs_the_query(qtbot, listing):
    view = listing
    view.category.setCurrentIndex(view.category.findData("complaint"))  # a list filter, chosen
    _enter_runs_the_query(qtbot, view, view.category, 1)
    view.category.setCurrentIndex(0)
    view.channel.setCurrentIndex(view.channel.findData("phone"))
    _enter_runs_the_query(qtbot, view, view.channel, 2)
    view.channel.setCurrentIndex(0)
    view.urgency.setCurrentIndex(view.urgency.findData("urgent"))
    _enter_runs_the_query(qtbot, view, view.urgency, 1)
    view.urgency.setCurrentIndex(0)
    view.status.setCurrentIndex(view.status.findData("closed"))
    _enter_runs_the_query(qtbot, view, view.status, 0)
    view.status.setCurrentIndex(0)
    # a date typed digit by digit: Enter takes the date as typed, then queries
    view.date_from.setFocus()
    qtbot.keyClick(view.date_from, Qt.Key.Key_Home)
    qtbot.keyClicks(view.date_from, "20261125")
    _enter_runs_the_query(qtbot, view, view.date_from, 0)  # the tickets are of the 24th
    assert view.model.filter.date_from.isoformat() == "2026-11-25"
    view.date_from.setDate(view.date_from.minimumDate())
    _enter_runs_the_query(qtbot, view, view.date_to, 3)
    qtbot.keyClicks(view.phone, "1381234")
    _enter_runs_the_query(qtbot, view, view.phone, 3)
    assert view.model.filter.phone == "1381234"


def test_ctrl_f_puts_the_cursor_in_the_text_filter_as_the_hint_says(qtbot, listing):
    view = listing
    assert "Ctrl+F" in view.findChild(QLabel, "ticketListKeys").text()
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is view.text
    type_text(qtbot, view.text, "路灯")
    _enter_runs_the_query(qtbot, view, view.text, 1)


def test_coming_back_to_the_list_finds_the_place_again(qtbot, operator):
    """Back from another area the list reads again (what came in meanwhile is there), and the
    person is where they were: the rows they had scrolled to, the ticket they were on."""
    for n in range(12):
        registration.register(operator, TicketInput(content=f"第{n}号路灯不亮，请处理", caller_phone="13812345678",
                                                    category="consult"))
    runner = Runner()
    view = TicketListView(operator, runner)
    qtbot.addWidget(view)
    view.model.page_size = 5
    view.show()
    view.apply()

    def settled() -> bool:
        return not runner.busy and not view.model.loading

    while view.model.rowCount() < 12:  # scrolled down to the last of them
        qtbot.waitUntil(settled, timeout=5000)
        if view.model.canFetchMore():
            view.model.fetchMore()
    qtbot.waitUntil(settled, timeout=5000)
    view.table.selectRow(9)
    chosen = view.model.ticket_id(9)
    view.hide()  # another area
    registration.register(operator, TicketInput(content="新来的一张", caller_phone="13900000000", category="consult"))
    view.show()
    qtbot.waitUntil(lambda: settled() and view.model.rowCount() >= 12, timeout=5000)
    qtbot.waitUntil(lambda: view.model.ticket_id(view.table.currentIndex().row()) == chosen, timeout=5000)
    assert view.model.row_of(chosen) == 10  # one row down: the new ticket is listed above it
    runner.wait()
