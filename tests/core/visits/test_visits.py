"""回访 (issue 17): the queue, the outcomes, a manager's correction, re-handling and the second visit
(12345 5.3.2, 5.4.1–5.4.4, appendix B.4; GB/T 33358 10.4)."""
from __future__ import annotations

import json

import pytest

from core.dispatch import handling
from core.dispatch import sending as dispatch
from core.dispatch.handling import FeedbackInput
from core.errors import Conflict, PermissionDenied, ValidationError
from core.roles import Role
from core.visits import queue, record
from core.visits.record import VisitInput, VisitSettings
from core.vocab import EventKind, Status, VisitStatus
from db.models import Assignment, Ticket, TicketEvent
from tests.core.dispatch.test_dispatch import register, send, units  # noqa: F401 (a fixture)


@pytest.fixture
def visitor(center_db):
    from core.center import users

    users.create_user(center_db, "hf1", "周回访", "visit-pass-1", {Role.RETURN_VISITOR})
    return users.authenticate("hf1", "visit-pass-1")


def closed(operator, dispatcher, units, **fields) -> int:  # noqa: F811
    """A ticket taken through dispatch, sign-off, feedback and its approving review (办结)."""
    ticket = register(operator, **fields)
    (lead,) = send(dispatcher, ticket, units["区城市管理局"])
    dispatch.sign_off(dispatcher, lead, "刘科长")
    handling.record_feedback(dispatcher, FeedbackInput(lead, "resolved", {"measures": "已责令工地夜间停工",
                                                                          "caller_told": "电话告知张先生"}))
    handling.review_feedback(dispatcher, lead, True)
    assert Ticket.get_by_id(ticket).status == Status.CLOSED.value
    return ticket


SATISFIED = VisitInput("contacted", "solved", "satisfied")
UNHAPPY = VisitInput("tried", "unsolved", "dissatisfied", ["efficiency", "result"], "拖了很久，噪声还在")


def test_a_ticket_is_due_once_its_feedback_review_closes_it(operator, dispatcher, visitor, units):  # noqa: F811
    open_one = register(operator)
    ticket = closed(operator, dispatcher, units)
    due = queue.queue(visitor)
    assert [d.ticket_id for d in due] == [ticket] and open_one not in [d.ticket_id for d in due]
    assert due[0].round == 1 and due[0].phone == "13812345678" and due[0].unit == "区城市管理局"
    assert due[0].due_at > due[0].closed_at and not due[0].overdue  # 2 working days: its own clock
    with pytest.raises(Conflict, match="还没有办结"):
        record.record_visit(visitor, open_one, SATISFIED)


def test_callers_who_refused_visits_and_confidential_ones_are_left_out(operator, dispatcher, visitor, units,  # noqa: F811
                                                                       center_db):
    no = closed(operator, dispatcher, units, visit_consent=False, caller_phone="13900000001")
    secret = closed(operator, dispatcher, units, confidential=True, caller_phone="13900000002")
    listed = {d.ticket_id for d in queue.queue(visitor)}
    assert no not in listed and secret in listed  # the visitor may see who a confidential caller is
    with pytest.raises(Conflict, match="不同意回访"):
        record.record_visit(visitor, no, SATISFIED)


def test_the_sheet_has_the_standard_phrases_the_number_and_the_feedback(operator, dispatcher, visitor, units):  # noqa: F811
    ticket = closed(operator, dispatcher, units)
    sheet = queue.sheet(visitor, ticket)
    assert [p[0] for p in sheet.phrases][0] == "首问语" and "张先生" in sheet.phrases[0][1]  # B.4.1
    assert any("非常满意、满意、基本满意、不满意、非常不满意" in p[1] for p in sheet.phrases)  # B.4.4
    assert sheet.feedback_result == "已解决"  # the unit's feedback beside the phrases
    assert ("主要措施", "已责令工地夜间停工") in sheet.feedback and sheet.due.phone == "13812345678"


def test_a_done_visit_ends_the_round_and_the_timeline_says_what_the_caller_said(operator, dispatcher, visitor,  # noqa: F811
                                                                                units):
    ticket = closed(operator, dispatcher, units)
    record.record_visit(visitor, ticket, SATISFIED)
    assert queue.queue(visitor) == []
    with pytest.raises(Conflict, match="已结束"):
        record.record_visit(visitor, ticket, SATISFIED)
    event = TicketEvent.select().where((TicketEvent.ticket == ticket) & (TicketEvent.kind == EventKind.VISITED.value)).get()
    assert event.summary.startswith("回访：满意，解决")


def test_dissatisfied_must_say_with_what(operator, dispatcher, visitor, units):  # noqa: F811
    ticket = closed(operator, dispatcher, units)
    with pytest.raises(ValidationError) as caught:
        record.record_visit(visitor, ticket, VisitInput("contacted", "solved", "very_dissatisfied"))
    assert "哪方面不满意" in caught.value.fields["dissatisfied_with"]
    with pytest.raises(ValidationError) as caught:
        record.record_visit(visitor, ticket, VisitInput("", "", ""))
    assert set(caught.value.fields) == {"unit_contacted", "solved", "satisfaction"}
    with pytest.raises(ValidationError, match="只有不满意"):
        record.record_visit(visitor, ticket, VisitInput("contacted", "solved", "satisfied", ["attitude"]))


def test_three_calls_that_reach_nobody_end_the_round_as_unreachable(operator, dispatcher, visitor, units):  # noqa: F811
    ticket = closed(operator, dispatcher, units)
    assert record.record_attempt(visitor, ticket, "无人接听") == VisitStatus.DUE.value
    assert queue.queue(visitor)[0].attempts == 1
    assert record.record_attempt(visitor, ticket, "关机") == VisitStatus.DUE.value
    assert record.record_attempt(visitor, ticket) == VisitStatus.UNREACHABLE.value
    assert queue.queue(visitor) == []
    (row,) = record.ReturnVisit.select()
    assert len(json.loads(row.attempts)) == 3 and row.status == "unreachable"


def test_a_refusal_on_the_phone_ends_the_round_asking_nothing(operator, dispatcher, visitor, units):  # noqa: F811
    ticket = closed(operator, dispatcher, units)
    record.record_refusal(visitor, ticket, "诉求人表示不需要回访")
    assert queue.queue(visitor) == [] and record.ReturnVisit.get().status == "refused"


def test_only_a_manager_changes_a_score_with_a_reason_and_the_first_stays(operator, dispatcher, visitor, manager,  # noqa: F811
                                                                          units):
    ticket = closed(operator, dispatcher, units)
    visit = record.record_visit(visitor, ticket, UNHAPPY)
    for actor in (visitor, dispatcher, operator):
        with pytest.raises(PermissionDenied):
            record.correct_score(actor, visit, "satisfied", "诉求人来电更正")
    with pytest.raises(ValidationError, match="理由"):
        record.correct_score(manager, visit, "satisfied", " ")
    record.correct_score(manager, visit, "basic", "诉求人来电更正评价")
    record.correct_score(manager, visit, "satisfied", "再次核实")
    row = record.ReturnVisit.get_by_id(visit)
    assert (row.satisfaction, row.corrected_from, row.correction_reason) == ("satisfied", "dissatisfied", "再次核实")
    corrections = [e.summary for e in TicketEvent.select().where(TicketEvent.kind == EventKind.VISIT_CORRECTED.value)]
    assert corrections[0].startswith("回访满意度由“不满意”改为“基本满意”")  # the original stays visible


def test_dissatisfied_goes_back_to_the_unit_and_comes_back_for_a_second_visit(operator, dispatcher, visitor,  # noqa: F811
                                                                              units):
    ticket = closed(operator, dispatcher, units)
    visit = record.record_visit(visitor, ticket, UNHAPPY)
    with pytest.raises(PermissionDenied):
        record.decide_rehandling(visitor, visit, "请重新处理")  # the dispatcher decides (10.4.2)
    assert record.decide_rehandling(dispatcher, visit, "请到现场复查噪声并答复诉求人") == 1
    lead = Assignment.get(Assignment.ticket == ticket)
    assert Ticket.get_by_id(ticket).status == Status.DISPATCHED.value and lead.status == "signed"
    assert queue.queue(visitor) == []  # not due until the unit has answered again
    with pytest.raises(Conflict, match="二次办理"):
        record.decide_rehandling(dispatcher, visit, "again")
    handling.record_feedback(dispatcher, FeedbackInput(lead.id, "resolved", {"measures": "已停工并监测",
                                                                             "caller_told": "电话告知"}))
    handling.review_feedback(dispatcher, lead.id, True)
    (due,) = queue.queue(visitor)
    assert due.ticket_id == ticket and due.round == 2
    record.record_visit(visitor, ticket, SATISFIED)
    rounds = [(r.round, r.status, r.rehandled) for r in record.ReturnVisit.select().order_by(record.ReturnVisit.round)]
    assert rounds == [(1, "done", True), (2, "done", False)]
    assert record.current_round(ticket) == 2  # the re-handling count is kept


def test_a_satisfied_visit_is_not_re_handled(operator, dispatcher, visitor, units):  # noqa: F811
    visit = record.record_visit(visitor, closed(operator, dispatcher, units), SATISFIED)
    with pytest.raises(Conflict, match="只有回访不满意"):
        record.decide_rehandling(dispatcher, visit, "请重新处理")


def test_who_may_visit(operator, dispatcher, supervisor, mediator, manager, visitor, units):  # noqa: F811
    ticket = closed(operator, dispatcher, units)
    for actor in (operator, dispatcher, supervisor, mediator):
        with pytest.raises(PermissionDenied):
            queue.queue(actor)
        with pytest.raises(PermissionDenied):
            record.record_visit(actor, ticket, SATISFIED)
    assert queue.queue(manager)[0].ticket_id == ticket


def test_a_sample_of_consults_but_every_complaint(operator, dispatcher, visitor, manager, units):  # noqa: F811
    record.save_settings(manager, VisitSettings(share_percent=0))
    consult = closed(operator, dispatcher, units, category="consult", caller_phone="13900000003")
    complaint = closed(operator, dispatcher, units)
    assert [d.ticket_id for d in queue.queue(visitor)] == [complaint] and consult
    with pytest.raises(ValidationError, match="0 到 100"):
        record.save_settings(manager, VisitSettings(share_percent=101))
    with pytest.raises(PermissionDenied):
        record.save_settings(visitor, VisitSettings())


def test_a_province_visits_nothing(operator, dispatcher, visitor, units):  # noqa: F811
    from db.models import Center

    ticket = closed(operator, dispatcher, units)
    Center.update(role="province").where(Center.id == 1).execute()
    with pytest.raises(Conflict, match="省级中心"):
        record.record_visit(visitor, ticket, SATISFIED)


def test_a_ticket_closed_longer_ago_than_the_window_leaves_the_queue(operator, dispatcher, visitor, manager,  # noqa: F811
                                                                     units, frozen_clock):
    import datetime as dt

    from core import clock

    ticket = closed(operator, dispatcher, units)
    old = clock.stamp(frozen_clock.now - dt.timedelta(days=31))
    Assignment.update(closed_at=old).where(Assignment.ticket == ticket).execute()
    assert queue.queue(visitor) == []  # 30 days by default: an upgraded center is not handed two years of them
    record.save_settings(manager, VisitSettings(window_days=60))
    (due,) = queue.queue(visitor)
    assert due.ticket_id == ticket and due.overdue  # 2 working days after closing have long passed


def test_the_visit_queue_uses_its_index(center_db):
    from db.connection import raw_connection

    plan = " ".join(str(r) for r in raw_connection().execute(
        "EXPLAIN QUERY PLAN " + queue._QUEUE.format(one=""),
        {"since": "", "confidential": 1, "share": 100, "limit": 200, "ticket": None}))
    assert "assignment_lead_closed" in plan


def test_the_dispatcher_sees_the_visits_awaiting_a_re_handling_decision(operator, dispatcher, visitor, units):  # noqa: F811
    happy = closed(operator, dispatcher, units, caller_phone="13900000004")
    unhappy = closed(operator, dispatcher, units)
    record.record_visit(visitor, happy, SATISFIED)
    visit = record.record_visit(visitor, unhappy, UNHAPPY)
    (due,) = queue.rehandling_due(dispatcher)
    assert (due.visit_id, due.ticket_id, due.satisfaction, due.solved) == (visit, unhappy, "不满意", "未解决")
    with pytest.raises(PermissionDenied):
        queue.rehandling_due(visitor)
    record.decide_rehandling(dispatcher, visit, "请重新处理")
    assert queue.rehandling_due(dispatcher) == []


def test_the_record_of_visits_shows_the_corrected_score_and_the_first(operator, dispatcher, visitor, manager,  # noqa: F811
                                                                      units):
    ticket = closed(operator, dispatcher, units)
    visit = record.record_visit(visitor, ticket, UNHAPPY)
    record.correct_score(manager, visit, "basic", "诉求人来电更正")
    (done,) = queue.recent_visits(manager)
    assert (done.visit_id, done.satisfaction, done.corrected_from, done.correction_reason) == (
        visit, "基本满意", "不满意", "诉求人来电更正")
    with pytest.raises(PermissionDenied):
        queue.recent_visits(operator)
