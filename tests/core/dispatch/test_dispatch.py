"""派单 and what units did, recorded by staff: dispatch, sign-off, return, extension,
feedback (12345 5.2.2.3.3–5.2.2.3.7) and its review, with every clock they move."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest

from core import clock
from core.dispatch import sending as dispatch
from core.dispatch import handling
from core.tickets import registration
from core.dispatch.sending import DispatchInput
from core.errors import Conflict, PermissionDenied, ValidationError
from core.dispatch.handling import FeedbackInput
from core.tickets.registration import TicketInput
from core.vocab import AssignmentStatus, EventKind, Stage, Status
from db.connection import raw_connection
from db.models import Assignment, Center, Deadline, ExtensionRequest, Ticket, TicketEvent, Unit


def make_unit(name: str, active: bool = True) -> int:
    return Unit.create(uid=str(uuid.uuid4()), origin="320102", updated_at=clock.stamp(), name=name,
                       kind="department", active=active).id


@pytest.fixture
def units(center_db):
    return {name: make_unit(name) for name in ("区城市管理局", "新街口街道", "区市场监督管理局")}


def register(actor, hours_ago: float = 2, **fields) -> int:
    received = clock.now() - dt.timedelta(hours=hours_ago)
    values = dict(category="complaint", content="夜间工地施工噪声扰民，持续到凌晨。", caller_phone="13812345678",
                  caller_name="张先生", received_at=clock.stamp(received), occurred_at="昨晚23点起",
                  address="玄武区北京东路1号", reported_unit="某建筑工地", details={"prior_handling": "已向工地反映未果"})
    values.update(fields)
    return registration.register(actor, TicketInput(**values)).id


def clocks(ticket_id: int) -> list[tuple[str, int | None, str, bool]]:
    return [(d.stage, d.assignment_id, d.met_at != "", d.cancelled)
            for d in Deadline.select().where(Deadline.ticket == ticket_id).order_by(Deadline.id)]


def state() -> tuple:
    conn = raw_connection()
    counts = tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                   for t in ("assignment", "deadline", "ticket_event", "extension_request", "audit"))
    return counts + tuple(conn.execute("SELECT group_concat(rev || status) FROM ticket"))


def send(actor, ticket_id: int, lead: int | None, *co: int, **extra) -> list[int]:
    data = DispatchInput(ticket_id, lead, list(co), opinion="请核实处理并按时反馈。", **extra)
    return dispatch.dispatch(actor, data).assignment_ids


def test_registration_starts_the_dispatch_clock_and_dispatch_meets_it(operator, dispatcher, units):
    ticket = register(operator)
    assert clocks(ticket) == [("dispatch", None, False, False)]
    lead, co = send(dispatcher, ticket, units["区城市管理局"], units["新街口街道"])
    got = clocks(ticket)
    assert got[0] == ("dispatch", None, True, False)
    assert sorted(got[1:]) == sorted([("sign_off", lead, False, False), ("feedback", lead, False, False),
                                      ("sign_off", co, False, False), ("feedback", co, False, False)])
    row = Ticket.get_by_id(ticket)
    assert row.status == Status.DISPATCHED.value and row.rev == 2
    event = TicketEvent.get((TicketEvent.ticket == ticket) & (TicketEvent.kind == EventKind.DISPATCHED.value))
    assert "牵头：区城市管理局；协办：新街口街道" in event.summary


def test_a_dispatch_without_a_unit_or_opinion_names_what_is_missing(operator, dispatcher, units):
    ticket = register(operator)
    before = state()
    with pytest.raises(ValidationError) as caught:
        dispatch.dispatch(dispatcher, DispatchInput(ticket, None, opinion=""))
    assert set(caught.value.fields) == {"lead_unit_id", "opinion"}
    assert "牵头承办单位" in caught.value.fields["lead_unit_id"]
    with pytest.raises(ValidationError, match="不能同时作为协办单位"):
        send(dispatcher, ticket, units["区城市管理局"], units["区城市管理局"])
    retired = make_unit("已撤销的单位", active=False)
    with pytest.raises(ValidationError, match="已停用"):
        send(dispatcher, ticket, retired)
    assert state() == before


def test_times_out_of_order_are_refused(operator, dispatcher, units):
    ticket = register(operator, hours_ago=2)
    received = clock.parse_stamp(Ticket.get_by_id(ticket).received_at)
    before = state()
    with pytest.raises(ValidationError, match="派单时间.*早于登记时间"):
        send(dispatcher, ticket, units["区城市管理局"], dispatched_at=received - dt.timedelta(hours=1))
    with pytest.raises(ValidationError, match="晚于现在"):
        send(dispatcher, ticket, units["区城市管理局"], dispatched_at=clock.now() + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="办理时限.*早于派单时间"):
        send(dispatcher, ticket, units["区城市管理局"], feedback_due=received.date() - dt.timedelta(days=3))
    assert state() == before
    (lead,) = send(dispatcher, ticket, units["区城市管理局"], dispatched_at=received + dt.timedelta(minutes=30))
    with pytest.raises(ValidationError, match="签收时间.*早于派单时间"):
        dispatch.sign_off(dispatcher, lead, "刘科长", received)
    dispatch.sign_off(dispatcher, lead, "刘科长", received + dt.timedelta(hours=1))
    with pytest.raises(Conflict, match="不能重复签收"):
        dispatch.sign_off(dispatcher, lead, "刘科长")


def test_urgent_dispatch_records_the_phone_call_and_who_was_told(operator, dispatcher, units):
    ticket = register(operator, hours_ago=0.2, urgency="urgent", emergency_type="instability",
                      details={"threat_action": "到区政府门口聚集", "threat_time_place": "明天上午，区政府门口",
                               "prior_handling": "无"})
    with pytest.raises(ValidationError) as caught:
        send(dispatcher, ticket, units["新街口街道"])
    assert set(caught.value.fields) == {"phoned_person", "police_told"}
    send(dispatcher, ticket, units["新街口街道"], phoned_person="值班员周某", phoned_at=clock.now(), police_told=True)
    event = TicketEvent.get((TicketEvent.ticket == ticket) & (TicketEvent.kind == EventKind.DISPATCHED.value))
    assert "电话告知 值班员周某" in event.summary and "已报公安部门" in event.summary
    sign = Deadline.get((Deadline.ticket == ticket) & (Deadline.stage == Stage.SIGN_OFF.value))
    assert sign.rule_key == "sign_off.life"
    assert clock.parse_stamp(sign.due_at) - clock.parse_stamp(sign.started_at) == dt.timedelta(minutes=15)


def test_return_accepted_means_a_fresh_dispatch_refused_means_the_unit_keeps_it(operator, dispatcher, units):
    ticket = register(operator)
    (lead,) = send(dispatcher, ticket, units["区城市管理局"])
    dispatch.ask_return(dispatcher, lead, "不属于本单位职责，应由街道处理")
    assert Ticket.get_by_id(ticket).status == Status.RETURNED.value
    with pytest.raises(ValidationError, match="写明理由"):
        dispatch.decide_return(dispatcher, lead, False)
    dispatch.decide_return(dispatcher, lead, False, "属于城管执法范围，请继续办理")
    assert Assignment.get_by_id(lead).status == AssignmentStatus.DISPATCHED.value
    assert Ticket.get_by_id(ticket).status == Status.DISPATCHED.value
    dispatch.ask_return(dispatcher, lead, "再次申请退单")
    dispatch.decide_return(dispatcher, lead, True)
    assert Ticket.get_by_id(ticket).status == Status.PENDING.value
    unit_clocks = [c for c in clocks(ticket) if c[1] == lead]
    assert unit_clocks and all(c[2] and c[3] for c in unit_clocks)  # stopped, cancelled: never counted late
    assert [c for c in clocks(ticket) if c[0] == "dispatch" and not c[2]]  # a fresh dispatch clock
    (again,) = send(dispatcher, ticket, units["新街口街道"])
    with pytest.raises(Conflict, match="已退单"):
        handling.record_feedback(dispatcher, FeedbackInput(lead, "resolved", {"measures": "x", "caller_told": "y"}))
    assert Assignment.get_by_id(again).status == AssignmentStatus.DISPATCHED.value


def test_extension_moves_the_feedback_deadline_when_the_manager_approves(operator, dispatcher, manager, units):
    ticket = register(operator)
    (lead,) = send(dispatcher, ticket, units["区城市管理局"])
    dispatch.sign_off(dispatcher, lead, "刘科长")
    with pytest.raises(ValidationError, match="不晚于今天"):
        handling.ask_extension(dispatcher, lead, "需要协调产权单位", clock.now().date() - dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="无需延期"):
        handling.ask_extension(dispatcher, lead, "需要协调产权单位", clock.now().date() + dt.timedelta(days=2))
    until = clock.now().date() + dt.timedelta(days=20)
    request = handling.ask_extension(dispatcher, lead, "需要协调产权单位", until)
    with pytest.raises(PermissionDenied):
        handling.decide_extension(dispatcher, request, True)
    handling.decide_extension(manager, request, True, "同意")
    feedback = handling.feedback_clock(lead)
    assert feedback.due_at.startswith(until.isoformat()) and not feedback.provisional
    with pytest.raises(Conflict, match="已经审批"):
        handling.decide_extension(manager, request, False, "重复")


@pytest.mark.parametrize("result, elements, missing", [
    ("resolved", {"measures": "已责令停工"}, {"caller_told"}),
    ("unresolved", {"reason": "产权不清"}, {"next_steps", "planned_on", "caller_told"}),
    ("cannot_resolve", {}, {"reason", "measures", "caller_told"}),
    ("consult_answered", {}, {"answer"}),
    ("suggestion_forwarded", {"caller_told": "已告知"}, {"forwarded_to"}),
    ("unreasonable", {"reason": "属民事纠纷", "caller_told": "已告知"}, {"legal_basis"}),
])
def test_feedback_must_carry_the_elements_of_its_result(result, elements, missing):
    # 12345 5.2.2.3.4–5.2.2.3.7: each result names what its reply must contain.
    assert set(handling.feedback_problems(FeedbackInput(1, result, elements))) == missing


def test_feedback_review_closes_or_sends_back(operator, dispatcher, units):
    ticket = register(operator)
    lead, co = send(dispatcher, ticket, units["区城市管理局"], units["新街口街道"])
    resolved = FeedbackInput(lead, "resolved", {"measures": "已责令工地夜间停工", "caller_told": "电话告知张先生"},
                             received_via="电话")
    with pytest.raises(Conflict, match="尚未签收"):
        handling.record_feedback(dispatcher, resolved)
    dispatch.sign_off(dispatcher, lead, "刘科长")
    handling.add_progress(dispatcher, lead, "已到现场核实")
    handling.record_feedback(dispatcher, resolved)
    assert Ticket.get_by_id(ticket).status == Status.FEEDBACK.value
    with pytest.raises(Conflict, match="不能登记反馈"):
        handling.record_feedback(dispatcher, resolved)
    handling.review_feedback(dispatcher, lead, False, "请补充现场照片和停工通知书")
    assert Assignment.get_by_id(lead).status == AssignmentStatus.SIGNED.value
    assert [c for c in clocks(ticket) if c[:3] == ("feedback", lead, False)]  # re-handling has its own clock
    handling.record_feedback(dispatcher, resolved)
    handling.review_feedback(dispatcher, lead, True)
    assert Ticket.get_by_id(ticket).status == Status.CLOSED.value
    assert Assignment.get_by_id(co).status == AssignmentStatus.CLOSED.value
    assert all(c[2] for c in clocks(ticket))
    # the co-handling unit that never answered is released, not counted on time
    assert all(c[3] for c in clocks(ticket) if c[1] == co)


def test_12365_complaint_is_accepted_before_it_is_transferred(center_db, operator, dispatcher, units):
    Center.update(kind="both").execute()
    ticket = register(operator, hotline="12365", category="complaint", reported_unit="某超市", risk_level="3",
                      content="在某超市买到过期牛奶，要求退一赔十。")
    assert [c[0] for c in clocks(ticket)] == ["accept"]
    with pytest.raises(Conflict, match="尚未决定受理"):
        send(dispatcher, ticket, units["区市场监督管理局"])
    dispatch.accept(dispatcher, ticket)
    assert sorted(c[0] for c in clocks(ticket) if not c[2]) == ["complete", "dispatch"]
    send(dispatcher, ticket, units["区市场监督管理局"])
    assert Ticket.get_by_id(ticket).status == Status.DISPATCHED.value


def test_a_step_dated_before_the_clock_it_stops_is_refused(operator, dispatcher, units):
    ticket = register(operator, hours_ago=5)
    received = clock.parse_stamp(Ticket.get_by_id(ticket).received_at)
    (lead,) = send(dispatcher, ticket, units["区城市管理局"], dispatched_at=received + dt.timedelta(hours=1))
    dispatch.sign_off(dispatcher, lead, "刘科长", received + dt.timedelta(hours=2))
    with pytest.raises(ValidationError, match="退单时间.*早于签收时间"):
        dispatch.ask_return(dispatcher, lead, "不归我们管", received + dt.timedelta(minutes=90))
    dispatch.ask_return(dispatcher, lead, "不归我们管")
    dispatch.decide_return(dispatcher, lead, True)
    # the fresh dispatch clock starts at the decision: a re-dispatch dated earlier is refused
    with pytest.raises(ValidationError, match="派单时间.*早于本次派单时限的起算时间"):
        send(dispatcher, ticket, units["新街口街道"], dispatched_at=received + dt.timedelta(hours=3))


def test_a_working_co_unit_becomes_the_lead_when_the_lead_leaves(operator, dispatcher, units):
    ticket = register(operator)
    lead, co = send(dispatcher, ticket, units["区城市管理局"], units["新街口街道"])
    dispatch.ask_return(dispatcher, lead, "应由街道牵头")
    dispatch.decide_return(dispatcher, lead, True)
    (again,) = send(dispatcher, ticket, units["新街口街道"])
    assert again == co and Assignment.get_by_id(co).role == "lead"
    assert Ticket.get_by_id(ticket).status == Status.DISPATCHED.value


def test_a_deadline_the_center_sets_stands_where_the_profile_has_no_rule(center_db, operator, dispatcher, units):
    Center.update(kind="both").execute()
    ticket = register(operator, hotline="12365", category="consult", content="请问电动车3C认证怎么查？",
                      reported_unit="", occurred_at="", address="")
    until = clock.now().date() + dt.timedelta(days=10)
    (lead,) = send(dispatcher, ticket, units["区市场监督管理局"], feedback_due=until)
    feedback = handling.feedback_clock(lead)
    assert feedback is not None and feedback.due_at.startswith(until.isoformat()) and feedback.rule_key == "center.set"
    event = TicketEvent.get((TicketEvent.ticket == ticket) & (TicketEvent.kind == EventKind.DISPATCHED.value))
    assert f"办理时限：{until:%Y-%m-%d}" in event.summary


def test_an_extension_left_undecided_lapses_when_the_unit_answers(operator, dispatcher, manager, units):
    ticket = register(operator)
    (lead,) = send(dispatcher, ticket, units["区城市管理局"])
    dispatch.sign_off(dispatcher, lead, "刘科长")
    request = handling.ask_extension(dispatcher, lead, "需协调", clock.now().date() + dt.timedelta(days=20))
    handling.record_feedback(dispatcher, FeedbackInput(lead, "resolved", {"measures": "已处理", "caller_told": "已电话告知"}))
    with pytest.raises(Conflict, match="已经审批"):
        handling.decide_extension(manager, request, True)
    assert ExtensionRequest.get_by_id(request).decision == "lapsed"
