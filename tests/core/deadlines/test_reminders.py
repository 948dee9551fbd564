"""催办 / 督办 (12345 5.2.3), escalation, supervision records, 集中反映 and the 工作台."""
from __future__ import annotations

import datetime as dt

import pytest

from core import clock
from core.dispatch import sending as dispatch
from core.dispatch import handling
from core.deadlines import reminders
from core.dispatch import supervision
from core.workbench import items as workbench
from core.errors import Conflict, PermissionDenied, ValidationError
from core.deadlines.reminders import ReminderSettings
from core.dispatch.supervision import SupervisionInput
from db.models import Deadline, Supervision, Ticket
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


def test_supervision_is_recorded_with_who_when_what_and_the_answer(operator, supervisor, dispatcher):
    city = make_unit("区城市管理局")
    ticket = register(operator, hours_ago=3)
    send(dispatcher, ticket, city)
    with pytest.raises(ValidationError) as caught:
        supervision.supervise(supervisor, SupervisionInput(ticket, "phone-ish", ""))
    assert set(caught.value.fields) == {"kind", "content"}
    with pytest.raises(PermissionDenied):
        supervision.supervise(operator, SupervisionInput(ticket, "system", "电话催办"))
    sid = supervision.supervise(supervisor, SupervisionInput(ticket, "onsite", "要求城管局明早 9 点到现场核实", city))
    supervision.record_answer(supervisor, sid, "已到现场，责令工地停工")
    with pytest.raises(Conflict, match="登记过答复"):
        supervision.record_answer(supervisor, sid, "again")
    (row,) = supervision.supervisions_of(ticket)
    assert (row.kind_label, row.by, row.unit, row.answer) == ("现场督办", "赵督办", "区城市管理局", "已到现场，责令工地停工")
    assert Supervision.get_by_id(sid).rev == 2


def test_matters_raised_by_many_callers_or_many_times_are_flagged(operator):
    for n in range(5):
        register(operator, hours_ago=5 + n, category="help", caller_phone=f"1381234567{n}",
                 address="玄武区北京东路1号工地南门", reported_unit="北京东路1号工地", topic_id=1)
    first = register(operator, hours_ago=40, category="help", caller_phone="13900000000", address="玄武区太平北路",
                     reported_unit="太平北路某小区物业")
    Ticket.update(topic=None).where(Ticket.id == first).execute()
    for _ in range(3):
        repeat = register(operator, hours_ago=2, category="help", caller_phone="13900000000", reported_unit="太平北路某小区物业", repeat_of_id=first)
        assert Ticket.get_by_id(repeat).repeat_of_id == first
    found = supervision.concentrated(min_callers=5, min_repeats=3)
    reasons = sorted(f.reason for f in found)
    assert reasons[0].startswith("多次反映") and reasons[1].startswith("集中反映：5 位来电人")


def test_workbench_shows_each_user_their_next_steps(operator, dispatcher, manager, center_db):
    city = make_unit("区城市管理局")
    waiting = register(operator, hours_ago=23)
    sent = register(operator, hours_ago=1)
    (lead,) = send(dispatcher, sent, city)
    dispatch.sign_off(dispatcher, lead, "刘科长")
    handling.ask_extension(dispatcher, lead, "需协调", clock.now().date() + dt.timedelta(days=30))
    mine = workbench.my_work(dispatcher)
    assert (mine[0].task, mine[0].ticket_id, mine[0].level) == ("待派单", waiting, 1)
    boss = workbench.my_work(manager)
    assert any(i.task.startswith("审批延期") for i in boss)
    assert not any(i.task == "导入放假通知" for i in workbench.my_work(center_db))
    Deadline.update(provisional=True).where(Deadline.ticket == waiting).execute()
    notice = [i for i in workbench.my_work(center_db) if i.task == "导入放假通知"]
    assert notice and notice[0].title.startswith("1 个时限")
