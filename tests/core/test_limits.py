"""Free text has a limit wherever people type it (core.limits, issue 15 §4): the district refuses,
field by field, what the province would refuse, so no record it writes is refused there for its
length; text exactly at a limit is taken."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from core import clock, limits
from core.deadlines import rules as deadline_rules
from core.dispatch import sending as dispatch
from core.dispatch import handling
from core.kb import articles as kb
from core.mediation import cases as mediation
from core.dispatch import supervision
from core.units import tree as unit_rules
from core.errors import ValidationError
from core.dispatch.handling import FeedbackInput
from core.tickets.ledger_import import LEDGER_REF, import_ledger
from core.mediation.cases import PartyInput
from tests.core.dispatch.test_dispatch import make_unit, register, send
from tests.core.tickets.test_ledger_import import CSV_HEADER, _write_csv


def over(limit: int) -> str:
    return "长" * (limit + 1)


def _refused(field: str, call) -> None:
    with pytest.raises(ValidationError) as caught:
        call()
    assert field in caught.value.fields, caught.value.fields


@pytest.fixture
def units(center_db) -> dict[str, int]:
    return {"区城市管理局": make_unit("区城市管理局")}


@pytest.fixture
def dispatched(operator, dispatcher, units):
    ticket = register(operator)
    return ticket, send(dispatcher, ticket, units["区城市管理局"])[0]


def test_dispatch_sign_off_and_return_texts(operator, dispatcher, units):
    ticket = register(operator)
    _refused("opinion", lambda: dispatch.dispatch(dispatcher, dispatch.DispatchInput(
        ticket, units["区城市管理局"], opinion=over(limits.NOTE))))
    lead = dispatch.dispatch(dispatcher, dispatch.DispatchInput(
        ticket, units["区城市管理局"], opinion="办" * limits.NOTE)).assignment_ids[0]
    _refused("person", lambda: dispatch.sign_off(dispatcher, lead, over(limits.NAME)))
    _refused("reason", lambda: dispatch.ask_return(dispatcher, lead, over(limits.NOTE)))
    dispatch.sign_off(dispatcher, lead, "人" * limits.NAME)


def test_handling_texts(dispatcher, manager, dispatched):
    _ticket, lead = dispatched
    dispatch.sign_off(dispatcher, lead, "韩科长")
    _refused("note", lambda: handling.add_progress(dispatcher, lead, over(limits.TEXT)))
    until = clock.today() + dt.timedelta(days=30)
    _refused("reason", lambda: handling.ask_extension(dispatcher, lead, over(limits.NOTE), until))
    request = handling.ask_extension(dispatcher, lead, "等待检测结果", until)
    _refused("note", lambda: handling.decide_extension(manager, request, False, over(limits.NOTE)))
    feedback = FeedbackInput(lead, "resolved", {"measures": over(limits.TEXT), "caller_told": "已电话告知"})
    _refused("measures", lambda: handling.record_feedback(dispatcher, feedback))
    _refused("received_via", lambda: handling.record_feedback(dispatcher, dataclasses.replace(
        feedback, elements={"measures": "已处理", "caller_told": "已告知"}, received_via=over(limits.LINE))))


def test_supervision_texts(supervisor, dispatched):
    ticket, _lead = dispatched
    _refused("content", lambda: supervision.supervise(supervisor, supervision.SupervisionInput(
        ticket, "system", over(limits.TEXT))))
    made = supervision.supervise(supervisor, supervision.SupervisionInput(ticket, "system", "请加快办理"))
    _refused("answer", lambda: supervision.record_answer(supervisor, made, over(limits.TEXT)))


def test_mediation_parties(center_db):
    long_party = PartyInput("complainant", "organisation", "单" * 10, gender="男女")
    problems = mediation._party_problems([PartyInput("complainant", "person", over(limits.NAME),
                                                     address=over(limits.LINE)), long_party])
    assert {"parties.0.name", "parties.0.address", "parties.1.gender"} <= set(problems)
    assert not mediation._party_problems([PartyInput("respondent", "person", "名" * limits.NAME)])


def test_units_articles_rules_and_ledger_numbers(center_db, tmp_path):
    unit = unit_rules.UnitInput("区城市管理局", "department", duty_phone="0" * (unit_rules.MAX_PHONE + 1),
                           email=over(limits.LINE) + "@x.cn", matters=[f"事项{n:04d}" for n in range(400)])
    assert {"duty_phone", "email", "matters"} <= set(unit.cleaned().problems())
    _refused("source_unit", lambda: kb.validate(kb.ArticleInput(title="标题", body="正文",
                                                                source_unit=over(limits.LINE))))
    rule = deadline_rules.PROFILES["12345"].defaults[0]
    assert any("编号" in p for p in deadline_rules.rule_problems(dataclasses.replace(rule, key=over(limits.NAME))))
    assert deadline_rules.rule_problems(rule) == []
    number = "号" * (limits.LINE - len(LEDGER_REF) + 1)
    report = import_ledger(_write_csv(tmp_path / "台账.csv", [CSV_HEADER, [
        number, "2019-03-01 08:00", "", "", "", "内容", "", "", "", ""]], "utf-8"))
    assert report.new == 0 and "工单编号超过" in report.rejected[0].reason
