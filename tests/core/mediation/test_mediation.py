"""core.mediation.cases: complaint mediation (12365 6.3.5.2.2) and the head's close (6.3.5.2.3)."""
from __future__ import annotations

import datetime as dt

import pytest

from core import clock
from core.mediation import cases as mediation
from core.errors import Conflict, PermissionDenied, ValidationError
from core.mediation.idnumbers import credit_code_problem, person_id_problem, resident_id_problem
from core.mediation.cases import PartyInput, SessionInput
from db.models import Deadline, MediationCase, Ticket, TicketEvent
from tests.core.dispatch.test_dispatch import register, send, units  # noqa: F401 - fixture

GOOD_ID = "11010519491231002X"  # the GB 11643 example number
GOOD_USCC = "91350100M000100Y43"


def parties() -> list[PartyInput]:
    return [PartyInput("complainant", "person", "张先生", "男", GOOD_ID, "13812345678", "玄武区北京东路1号"),
            PartyInput("respondent", "organisation", "某建筑工程有限公司", id_number=GOOD_USCC,
                       representative="李经理", representative_role="agent")]


def session(hours_ago: float = 1) -> SessionInput:
    return SessionInput(clock.now() - dt.timedelta(hours=hours_ago), "中心调解室", "杨调解、陈主任",
                        "双方陈述意见。\n被投诉方同意调整施工时间。")


def events(ticket_id: int) -> list[str]:
    return [e.kind for e in TicketEvent.select().where(TicketEvent.ticket == ticket_id).order_by(TicketEvent.id)]


def test_check_digits_of_identity_numbers():
    assert resident_id_problem(GOOD_ID) is None
    assert "校验位" in resident_id_problem("110105194912310021")
    assert "18 位" in resident_id_problem("1101051949")
    assert person_id_problem("E12345678") is None  # a passport
    assert person_id_problem("H0123456789") is None  # 港澳居民来往内地通行证
    assert "校验位" in person_id_problem("110105194912310021")
    assert "5–20 位" in person_id_problem("护照号")
    assert credit_code_problem(GOOD_USCC) is None
    assert "校验位" in credit_code_problem("91350100M000100Y44")


def test_a_mediation_from_opening_to_the_heads_close(operator, mediator, manager):
    ticket = register(operator, hours_ago=30)
    case_id = mediation.open_case(mediator, ticket)
    case = mediation.get_case(case_id)
    # The parties start from what registration recorded.
    assert [(p.side, p.name) for p in case.parties] == [("complainant", "张先生"), ("respondent", "某建筑工地")]
    assert case.facts == "夜间工地施工噪声扰民，持续到凌晨。"
    mediation.save_case(mediator, case_id, "工地夜间施工。", "停止夜间施工并赔偿500元。", parties())
    mediation.add_session(mediator, case_id, session(3))
    mediation.add_session(mediator, case_id, session(1))
    mediation.conclude(mediator, case_id, "success", "工地22时后停止施工，赔偿500元。")
    case = mediation.get_case(case_id)
    assert (case.status, case.outcome, case.agreement) == ("concluded", "success", "工地22时后停止施工，赔偿500元。")
    assert [p.representative_role for p in case.respondents] == ["agent"]
    assert len(case.sessions) == 2 and case.sessions[0].at < case.sessions[1].at
    with pytest.raises(Conflict, match="已.*结束"):
        mediation.add_session(mediator, case_id, session())
    with pytest.raises(PermissionDenied):
        mediation.close_complaint(mediator, case_id, "同意结案")  # 12365 6.3.5.2.3: the head closes
    mediation.close_complaint(manager, case_id, "调解成功，同意结案。")
    assert Ticket.get_by_id(ticket).status == "closed"
    assert not Deadline.select().where((Deadline.ticket == ticket) & (Deadline.met_at == "")).exists()
    assert events(ticket)[-5:] == ["mediation_opened", "mediation_session", "mediation_session",
                                   "mediation_concluded", "closed"]


def test_only_complaints_are_mediated_and_only_once_at_a_time(operator, mediator):
    consult = register(operator, category="consult")
    with pytest.raises(ValidationError, match="只有投诉可以调解"):
        mediation.open_case(mediator, consult)
    ticket = register(operator)
    mediation.open_case(mediator, ticket)
    with pytest.raises(Conflict, match="进行中的调解"):
        mediation.open_case(mediator, ticket)
    with pytest.raises(PermissionDenied):
        mediation.open_case(operator, ticket)


def test_bad_parties_are_named_and_nothing_is_saved(operator, mediator):
    case_id = mediation.open_case(mediator, register(operator))
    before = mediation.get_case(case_id).parties
    bad = [PartyInput("complainant", "person", "", id_number="110105194912310021"),
           PartyInput("respondent", "organisation", "某公司", id_number="123", representative="王五")]
    with pytest.raises(ValidationError) as err:
        mediation.save_case(mediator, case_id, "事实", "请求", bad)
    assert set(err.value.fields) == {"parties.0.name", "parties.0.id_number", "parties.1.id_number",
                                     "parties.1.representative_role"}
    assert "第 2 位当事人（被投诉人：某公司）" in err.value.fields["parties.1.id_number"]
    assert mediation.get_case(case_id).parties == before


def test_conclusion_needs_both_sides_a_session_and_its_text(operator, mediator):
    case_id = mediation.open_case(mediator, register(operator))
    mediation.save_case(mediator, case_id, "事实", "请求", parties()[:1])
    with pytest.raises(ValidationError, match="调解协议内容"):
        mediation.conclude(mediator, case_id, "success", "  ")
    with pytest.raises(ValidationError, match="理由"):
        mediation.conclude(mediator, case_id, "terminated", "")
    with pytest.raises(ValidationError, match="被投诉人、至少一次调解记录"):
        mediation.conclude(mediator, case_id, "failure", "双方分歧过大")
    assert mediation.get_case(case_id).is_open


def test_sessions_are_recorded_after_the_fact(operator, mediator):
    ticket = register(operator, hours_ago=5)
    case_id = mediation.open_case(mediator, ticket)
    with pytest.raises(ValidationError, match="晚于现在"):
        mediation.add_session(mediator, case_id, session(hours_ago=-3))
    with pytest.raises(ValidationError, match="早于投诉登记时间"):
        mediation.add_session(mediator, case_id, session(hours_ago=10))
    with pytest.raises(ValidationError) as err:
        mediation.add_session(mediator, case_id, SessionInput(clock.now(), "", "", ""))
    assert set(err.value.fields) == {"place", "mediators", "record"}


def test_a_dispatched_complaint_is_closed_through_feedback_review(operator, mediator, manager, dispatcher, units):
    ticket = register(operator)
    case_id = mediation.open_case(mediator, ticket)
    mediation.save_case(mediator, case_id, "事实", "请求", parties())
    mediation.add_session(mediator, case_id, session(0.5))
    mediation.conclude(mediator, case_id, "failure", "被投诉方拒绝调解。")
    send(dispatcher, ticket, units["区市场监督管理局"])
    with pytest.raises(Conflict, match="已派给承办单位"):
        mediation.close_complaint(manager, case_id, "结案")


def test_a_demo_center_opens_with_mediations_in_every_state(db_path):
    from core import store
    from demo import fill as demo

    store.open_center(db_path)
    try:
        # 1,000 tickets: some 25 complaints still open on any day (300 left three on a Spring
        # Festival); the program's demo makes 3,000.
        demo.fill_demo(1000)
        cases = [c for t in {r.ticket_id for r in MediationCase.select()} for c in mediation.cases_of(t)]
        assert {(c.status, c.outcome) for c in cases} == {
            ("concluded", "success"), ("concluded", "failure"), ("concluded", "terminated"), ("open", "")}
        assert all(c.sessions and c.complainants and c.respondents for c in cases)
    finally:
        store.close_center()


def test_no_close_while_another_mediation_of_the_complaint_runs(operator, mediator, manager):
    ticket = register(operator)
    first = mediation.open_case(mediator, ticket)
    mediation.save_case(mediator, first, "事实", "请求", parties())
    mediation.add_session(mediator, first, session(0.5))
    mediation.conclude(mediator, first, "failure", "分歧较大。")
    second = mediation.open_case(mediator, ticket)
    with pytest.raises(Conflict, match="还有一件进行中的调解"):
        mediation.close_complaint(manager, first, "结案")
    assert mediation.get_case(second).is_open and Ticket.get_by_id(ticket).status == "pending"
