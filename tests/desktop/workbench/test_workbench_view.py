"""工作台: each user's next steps by urgency, refreshed on F5, Enter opens the ticket."""
from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from core import clock
from db.models import Deadline
from desktop.workbench.view import WorkbenchView, WorkItemsModel, time_left
from desktop.worker import Runner
from tests.core.dispatch.test_dispatch import register

URGENT = dict(urgency="urgent", emergency_type="utilities",
              details={"prior_handling": "无", "incident_status": "停水", "incident_scope": "整栋楼"})


def _open(qtbot, actor) -> tuple[WorkbenchView, Runner]:
    runner = Runner()
    view = WorkbenchView(actor, runner)
    qtbot.addWidget(view)
    view.resize(1200, 500)
    view.show()
    qtbot.waitUntil(lambda: view.updated.text().startswith("更新于"), timeout=5000)
    return view, runner


def _cells(view: WorkbenchView, row: int) -> list[str]:
    model = view.model
    return [model.index(row, c).data() for c in range(model.columnCount())]


def test_the_dispatcher_sees_the_late_urgent_ticket_first_and_enter_opens_it(qtbot, operator, dispatcher):
    waiting = register(operator, hours_ago=20)  # 24-hour dispatch clock in its last quarter: 催办
    late = register(operator, hours_ago=3, **URGENT)  # 2 hours to dispatch: late, 督办
    register(operator, hours_ago=1)  # in time
    view, runner = _open(qtbot, dispatcher)
    assert view.model.rowCount() == 3
    first = _cells(view, 0)
    assert first[0] == "待派单（紧急）" and first[5] == "督办 · 超期 1 小时"
    assert _cells(view, 1)[5].startswith("催办 · 剩 ")
    assert view.model.items[1].ticket_id == waiting
    assert view.summary.text() == "逾期 1 · 临近到期 1 · 待派单 1"
    opened: list[int] = []
    view.open_ticket.connect(opened.append)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Home)
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert opened == [late]
    runner.wait()


def test_f5_refreshes_and_a_provisional_deadline_says_so(qtbot, operator, dispatcher):
    view, runner = _open(qtbot, dispatcher)
    assert view.pages.currentWidget() is view.empty
    assert view.summary.text() == "暂无待办事项"
    ticket = register(operator, hours_ago=1)
    Deadline.update(provisional=True).where(Deadline.ticket == ticket).execute()
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=5000)
    assert view.pages.currentWidget() is view.table
    assert _cells(view, 0)[4].endswith("（暂定）")
    runner.wait()


def test_an_operator_has_an_empty_workbench_that_says_so(qtbot, operator):
    register(operator, hours_ago=20)
    view, runner = _open(qtbot, operator)
    assert view.pages.currentWidget() is view.empty
    assert "暂无待办工单" in view.empty.text()
    runner.wait()


def test_the_admin_is_sent_to_the_calendar_for_provisional_deadlines(qtbot, operator, center_db, frozen_clock):
    frozen_clock.set(dt.datetime(2026, 11, 24, 7, 30, tzinfo=clock.LOCAL_TZ))  # a November: no next-year alert
    ticket = register(operator, hours_ago=1)
    Deadline.update(provisional=True).where(Deadline.ticket == ticket).execute()
    view, runner = _open(qtbot, center_db)
    assert view.model.rowCount() == 0 and view.summary.text() == "系统提醒 1"  # November: no next-year notice yet
    assert view.banner_box.isVisible() and view.banner.text().startswith("1 个时限跨入尚未导入放假安排的年份")
    asked: list[bool] = []
    view.open_calendar.connect(lambda: asked.append(True))
    button = view.banner_box.findChild(QPushButton)
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)
    assert asked == [True]
    runner.wait()


# Moments where the calendar alerts change: the first of December in Nanjing is still
# 30 November in UTC; New Year's Day in Nanjing is still New Year's Eve in UTC.
@pytest.mark.parametrize(("moment", "alerts"), [
    ("2026-11-30T23:59:00+08:00", ["1 个时限跨入"]),
    ("2026-12-01T00:30:00+08:00", ["请导入 2027 年放假通知", "1 个时限跨入"]),
    ("2026-12-31T23:30:00+08:00", ["请导入 2027 年放假通知", "1 个时限跨入"]),
    ("2027-01-01T07:30:00+08:00", ["请导入 2027 年放假通知：今年的节假日安排尚未导入", "1 个时限跨入"]),
])
def test_the_admins_calendar_alerts_follow_chinas_date(qtbot, operator, center_db, frozen_clock, moment, alerts):
    frozen_clock.set(dt.datetime.fromisoformat(moment))
    ticket = register(operator, hours_ago=1)
    Deadline.update(provisional=True).where(Deadline.ticket == ticket).execute()
    view, runner = _open(qtbot, center_db)
    assert view.summary.text() == f"系统提醒 {len(alerts)}"
    lines = view.banner.text().split("\n")
    assert len(lines) == len(alerts) and all(line.startswith(a) for line, a in zip(lines, alerts)), lines
    runner.wait()


def test_time_left_reads_in_days_and_hours():
    now = dt.datetime(2026, 11, 22, 9, 0, tzinfo=clock.LOCAL_TZ)
    assert time_left(clock.stamp(now + dt.timedelta(hours=3, minutes=20)), now) == "剩 3 小时"
    assert time_left(clock.stamp(now - dt.timedelta(days=2, hours=5)), now) == "超期 2 天 5 小时"
    assert time_left(clock.stamp(now + dt.timedelta(minutes=10)), now) == "剩 10 分钟"
    assert time_left("", now) == ""


@pytest.mark.usefixtures("center_db")
def test_the_model_passes_the_model_tester(qtmodeltester, operator, dispatcher):
    from core.workbench import items as workbench

    register(operator, hours_ago=20)
    register(operator, hours_ago=3, **URGENT)
    model = WorkItemsModel()
    model.set_items(workbench.my_work(dispatcher), clock.now())
    qtmodeltester.check(model)
