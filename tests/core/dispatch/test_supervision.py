"""督办 recorded on the ticket (12345 5.2.3 a–f), and the matters raised many times or by many callers."""
from __future__ import annotations

import pytest

from core.dispatch import supervision
from core.dispatch.supervision import SupervisionInput
from core.errors import Conflict, PermissionDenied, ValidationError
from db.models import Supervision, Ticket
from tests.core.dispatch.test_dispatch import make_unit, register, send


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
