"""催办 / 督办 (12345 5.2.3) and escalation: the clocks about to run out and those that have."""
from __future__ import annotations

import datetime as dt

import pytest

from core import clock
from core.deadlines import reminders
from core.deadlines.reminders import ReminderSettings
from db.models import Deadline
from tests.core.dispatch.test_dispatch import make_unit, register, send

CONF = ReminderSettings(near_percent=25, near_cap_hours=48, escalate_hours=24, max_level=4)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=clock.LOCAL_TZ)


@pytest.mark.parametrize("now, level", [
    ("2026-11-20 10:00", 0),
    ("2026-11-21 03:59", 0),
    ("2026-11-21 04:00", 1),  # the last quarter of a 24-hour clock
    ("2026-11-21 10:01", 2),  # late: 督办
    ("2026-11-22 10:01", 3),  # a day later: escalated
    ("2026-11-29 10:01", 4),  # capped at the highest level
])
def test_levels_come_from_the_time_alone(now, level):
    assert reminders.level_at(at(now), at("2026-11-20 10:00"), at("2026-11-21 10:00"), CONF) == level


def test_a_long_clock_is_reminded_at_most_the_cap_before_it_runs_out():
    start, due = at("2026-01-01 00:00"), at("2026-05-01 00:00")  # ~120 days: a quarter would be a month
    assert reminders.level_at(due - dt.timedelta(hours=49), start, due, CONF) == 0
    assert reminders.level_at(due - dt.timedelta(hours=47), start, due, CONF) == 1


def test_scan_finds_near_and_late_clocks_and_announces_each_level_once(operator, dispatcher):
    late = register(operator, hours_ago=30, urgency="urgent", emergency_type="utilities",
                    details={"prior_handling": "无", "incident_status": "停水", "incident_scope": "整栋楼"})
    near = register(operator, hours_ago=20)
    register(operator, hours_ago=1)  # in time
    found = {r.ticket_id: r for r in reminders.scan(conf=CONF)}
    assert set(found) == {late, near}
    assert found[late].level >= reminders.OVERDUE and found[late].unit_name == reminders.CENTER
    assert found[near].level == reminders.NEAR and found[near].level_label == "催办"
    new = reminders.to_announce(list(found.values()))
    assert [r.ticket_id for r in new] == [late]  # late, and urgent
    reminders.mark_announced(new)
    assert reminders.to_announce(reminders.scan(conf=CONF)) == []


def test_overdue_by_unit_counts_each_unit_and_stage(operator, dispatcher):
    city = make_unit("区城市管理局")
    street = make_unit("新街口街道")
    for _ in range(2):
        ticket = register(operator, hours_ago=1)
        send(dispatcher, ticket, city, street)
    Deadline.update(due_at=clock.stamp(clock.now() - dt.timedelta(hours=1))).where(Deadline.stage == "sign_off").execute()
    rows = reminders.overdue_by_unit()
    assert {(r.unit_name, r.stage, r.count) for r in rows} == {("区城市管理局", "sign_off", 2), ("新街口街道", "sign_off", 2)}
