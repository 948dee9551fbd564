"""The tray's 催办 / 督办 notices: each new late or urgent ticket once, many as one summary."""
from __future__ import annotations

import dataclasses

from core.deadlines import reminders
from desktop.tray import MANY, ReminderTray
from desktop.worker import Runner
from tests.core.dispatch.test_dispatch import register
from tests.desktop.workbench.test_workbench_view import URGENT


def test_a_late_urgent_ticket_is_announced_once(qtbot, operator):
    late = register(operator, hours_ago=3, title="孝陵卫小区燃气中断未恢复", **URGENT)
    register(operator, hours_ago=20)  # near, not urgent: on the 工作台, not in the tray
    runner = Runner()
    tray = ReminderTray(runner)
    shown: list[str] = []
    tray.notice.connect(shown.append)
    tray.check()
    qtbot.waitUntil(lambda: not tray._busy, timeout=5000)
    assert len(shown) == 1
    assert shown[0].startswith("紧急工单超期：") and "孝陵卫小区燃气中断未恢复" in shown[0]
    assert [r.ticket_id for r in reminders.scan() if r.notified_level] == [late]
    tray.check()  # a minute later: nothing new
    qtbot.waitUntil(lambda: not tray._busy, timeout=5000)
    assert len(shown) == 1
    runner.wait()


def test_messages_read_the_scan_result_without_a_tray(operator):
    register(operator, hours_ago=3, **URGENT)
    found = reminders.scan()
    ((title, text),) = ReminderTray.messages(found)
    assert title.startswith("紧急工单超期：320102-")
    assert "本中心 · 派单/移送时限" in text and "督办" in text
    reminders.mark_announced(reminders.to_announce(found))
    assert ReminderTray.messages(reminders.scan()) == []


def test_many_new_tickets_make_one_summary(operator):
    register(operator, hours_ago=3, **URGENT)
    (late,) = reminders.to_announce(reminders.scan())
    others = [dataclasses.replace(late, deadline_id=late.deadline_id + n, ticket_id=late.ticket_id + n, urgent=n < 2)
              for n in range(1, MANY + 9)]
    near = dataclasses.replace(late, deadline_id=999, ticket_id=999, level=reminders.NEAR)
    same_ticket = dataclasses.replace(late, deadline_id=998)  # a second unit's clock: still one ticket
    ((title, text),) = ReminderTray.messages([late, *others, near, same_ticket])
    assert title == "催办督办提醒"
    assert text.startswith("新增 12 件超期工单，其中紧急 2 件；另有 1 件紧急工单临近到期。")
