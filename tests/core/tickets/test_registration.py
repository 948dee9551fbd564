"""受理登记 (core.tickets.registration) against the standards.

12345 = 12345-hotline-service-and-management-spec (5.1.2.2 acceptance scope, 5.1.4.1 ticket
content, appendix C what each call type must record, appendix D the ticket form);
12365 = 12365-hotline-service-spec (6.3.2.2 / 6.4.2.2 not accepted, 6.3.4 / 6.4.3 risk level).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import uuid

import pytest

from core import clock, store
from core.center import profile as center
from core.tickets import registration
from core.center import users
from core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from core.tickets.registration import FIELD_LABELS, TicketInput
from core.roles import Role
from core.vocab import DEFAULT_REFERRALS, EmergencyType, EventKind, NotAcceptedReason, Status
from db.models import Audit, Ticket, TicketCounter, TicketEvent, Topic

FIXED_NOW = dt.datetime(2026, 11, 22, 10, 0, 0, tzinfo=clock.LOCAL_TZ)


pytestmark = pytest.mark.usefixtures("cheap_password_hashing")


@pytest.fixture
def fixed_now(frozen_clock):
    """Pin "now" so ticket numbers are predictable; returns a setter to move the clock."""
    frozen_clock.set(FIXED_NOW)
    return frozen_clock.set


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _counts() -> tuple[int, int, int, int]:
    return (Ticket.select().count(), TicketEvent.select().count(), Audit.select().count(), TicketCounter.select().count())


# --- complete inputs for each call type of appendix C -------------------------------------------


def consult() -> TicketInput:
    """C.1 咨询: the content of the question."""
    return TicketInput(category="consult", content="请问新生儿医保在哪里办理？", caller_phone="13812345678")


def suggestion() -> TicketInput:
    """C.2 建议: the suggestion and its reason."""
    return TicketInput(
        category="suggestion",
        content="建议在玄武湖公园北门增设共享单车停放点。",
        caller_phone="13812345678",
        details={"suggestion_reason": "北门地铁站出口单车乱停，影响通行。"},
    )


def c3(category: str = "complaint") -> TicketInput:
    """C.3 求助、投诉、举报: name, time, place, event, object, prior handling."""
    return TicketInput(
        category=category,
        content="小区旁工地夜间22点后仍在施工，噪声很大。",
        caller_name="李明",
        caller_phone="13812345678",
        occurred_at="每晚22点至次日2点",
        address="玄武区珠江路88号",
        reported_unit="某建筑工程有限公司",
        details={"prior_handling": "已向物业反映，无改善。"},
    )


def instability() -> TicketInput:
    """C.4 不稳定因素: how and where the caller means to act."""
    data = c3("complaint")
    data.urgency = "urgent"
    data.emergency_type = "instability"
    data.details["threat_action"] = "“明天上午去区政府门口拉横幅”"
    return data


def incident() -> TicketInput:
    """C.5 突发事件: time, place, status, scope, harm, emergency line called, departments on site."""
    data = c3("help")
    data.urgency = "urgent"
    data.emergency_type = "incident"
    data.details |= {
        "incident_status": "水管爆裂仍在喷水",
        "incident_scope": "整栋楼约60户停水",
        "incident_harm": "路面结冰，有行人滑倒",
        "emergency_called": "已拨打119",
        "onsite_departments": "消防已到场",
    }
    return data


def _without(data: TicketInput, name: str) -> TicketInput:
    if name in registration.DETAIL_FIELDS:
        data.details.pop(name)
    else:
        setattr(data, name, "")
    return data


REQUIRED_CASES = [
    ("C.1 consult", consult, "content"),
    ("C.2 suggestion", suggestion, "content"),
    ("C.2 suggestion", suggestion, "suggestion_reason"),
    ("C.3 help", lambda: c3("help"), "caller_name"),
    ("C.3 complaint", lambda: c3("complaint"), "occurred_at"),
    ("C.3 report", lambda: c3("report"), "address"),
    ("C.3 complaint", lambda: c3("complaint"), "content"),
    ("C.3 report", lambda: c3("report"), "reported_unit"),
    ("C.3 help", lambda: c3("help"), "prior_handling"),
    ("C.4 instability", instability, "threat_action"),
    ("C.5 incident", incident, "occurred_at"),
    ("C.5 incident", incident, "address"),
    ("C.5 incident", incident, "incident_status"),
    ("C.5 incident", incident, "incident_scope"),
    ("C.5 incident", incident, "incident_harm"),
    ("C.5 incident", incident, "emergency_called"),
    ("C.5 incident", incident, "onsite_departments"),
]


@pytest.mark.parametrize(
    "make",
    [consult, suggestion, lambda: c3("help"), lambda: c3("complaint"), lambda: c3("report"), instability, incident],
    ids=["C.1", "C.2", "C.3-help", "C.3-complaint", "C.3-report", "C.4", "C.5"],
)
def test_complete_call_of_each_appendix_c_type_registers(operator, make):
    result = registration.register(operator, make())
    assert result.status == Status.PENDING
    assert Ticket.get_by_id(result.id).status == "pending"


@pytest.mark.parametrize(
    "case, make, missing", REQUIRED_CASES, ids=[f"{c}-{m}" for c, _, m in REQUIRED_CASES]
)
def test_appendix_c_element_missing_is_named_under_its_own_key(operator, case, make, missing):
    """12345 appendix C: each element the call type must record, missing, is reported alone."""
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        registration.register(operator, _without(make(), missing))
    assert set(caught.value.fields) == {missing}
    message = caught.value.fields[missing]
    assert _chinese(message)
    assert FIELD_LABELS[missing] in message
    assert _counts() == before


def test_blank_content_counts_as_missing(operator):
    data = consult()
    data.content = "   \n  "
    with pytest.raises(ValidationError) as caught:
        registration.register(operator, data)
    assert "content" in caught.value.fields


def test_consult_needs_none_of_the_c3_elements(operator):
    """C.1 asks only for the content: no name, time, place or object is demanded."""
    assert registration.validate(consult(), center.current_center()) == {}
    needed = registration.required_fields(consult(), center.current_center())
    assert not {"caller_name", "occurred_at", "address", "reported_unit", "prior_handling"} & set(needed)


def test_c3_landmark_may_stand_for_an_unclear_place(operator):
    """12345 C.3: 诉求人对事件发生地点描述不清时，可记录周边的标志性建筑物说明方位和距离."""
    data = _without(c3("help"), "address")
    data.details["landmark"] = "新街口地铁站2号口往北约200米"
    result = registration.register(operator, data)
    stored = json.loads(Ticket.get_by_id(result.id).details)
    assert stored["landmark"] == "新街口地铁站2号口往北约200米"


# --- urgency and emergency type (12345 5.1.4.1 note) --------------------------------------------


def test_emergency_type_is_required_when_urgent(operator):
    data = consult()
    data.urgency = "urgent"
    with pytest.raises(ValidationError) as caught:
        registration.register(operator, data)
    assert set(caught.value.fields) == {"emergency_type"}
    assert "紧急类型" in caught.value.fields["emergency_type"]


def test_emergency_type_is_refused_when_normal(operator):
    data = consult()
    data.emergency_type = "utilities"
    with pytest.raises(ValidationError) as caught:
        registration.register(operator, data)
    assert set(caught.value.fields) == {"emergency_type"}
    assert "一般" in caught.value.fields["emergency_type"]


@pytest.mark.parametrize("kind", ["utilities", "extreme_weather", "epidemic"])
def test_other_emergency_types_register_when_urgent(operator, kind):
    data = consult()
    data.urgency = "urgent"
    data.emergency_type = kind
    result = registration.register(operator, data)
    ticket = Ticket.get_by_id(result.id)
    assert (ticket.urgency, ticket.emergency_type) == ("urgent", kind)


def test_unknown_emergency_type_is_refused(operator):
    data = consult()
    data.urgency = "urgent"
    data.emergency_type = "earthquake"
    with pytest.raises(ValidationError) as caught:
        registration.register(operator, data)
    assert "emergency_type" in caught.value.fields


def test_every_emergency_type_of_the_note_is_offered():
    """12345 5.1.4.1 note: 不稳定因素和突发事件、基本民生保障（水电气热）、极端天气和疫情."""
    labels = " ".join(label for _, label in EmergencyType.choices())
    for word in ("不稳定因素", "突发事件", "水电气热", "极端天气", "疫情"):
        assert word in labels


# --- 12365 risk level and hotline of the center --------------------------------------------------


@pytest.fixture
def center_12365(db_path):
    """A 12365 center with an operator; yields the operator."""
    store.open_center(db_path)
    center.setup_center("12365", "320102", "玄武区12365举报处置指挥中心", "admin", "管理员", "admin-pass-1")
    admin = users.authenticate("admin", "admin-pass-1")
    users.create_user(admin, "op1", "王小丽", "operator-pass", {Role.OPERATOR})
    yield users.authenticate("op1", "operator-pass")
    store.close_center()


@pytest.mark.parametrize("category", ["complaint", "report"])
def test_12365_complaint_or_report_requires_risk_level(center_12365, category):
    """12365 6.3.4 / 6.4.3: a complaint or report is graded by risk level."""
    data = c3(category)
    data.hotline = "12365"
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        registration.register(center_12365, data)
    assert set(caught.value.fields) == {"risk_level"}
    assert "风险等级" in caught.value.fields["risk_level"]
    assert _counts() == before
    data.risk_level = "2"
    result = registration.register(center_12365, data)
    assert Ticket.get_by_id(result.id).risk_level == "2"


def test_12365_consult_needs_no_risk_level(center_12365):
    data = consult()
    data.hotline = "12365"
    result = registration.register(center_12365, data)
    assert Ticket.get_by_id(result.id).hotline == "12365"


def test_12365_unknown_risk_level_is_refused(center_12365):
    data = c3("report")
    data.hotline = "12365"
    data.risk_level = "9"
    with pytest.raises(ValidationError) as caught:
        registration.register(center_12365, data)
    assert set(caught.value.fields) == {"risk_level"}


def test_12345_complaint_needs_no_risk_level(operator):
    assert "risk_level" not in registration.required_fields(c3("complaint"), center.current_center())


def test_hotline_other_than_the_centers_is_refused(operator):
    data = consult()
    data.hotline = "12365"
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        registration.register(operator, data)
    assert set(caught.value.fields) == {"hotline"}
    assert "12345" in caught.value.fields["hotline"]
    assert _counts() == before


def test_12345_ticket_is_refused_at_a_12365_center(center_12365):
    with pytest.raises(ValidationError) as caught:
        registration.register(center_12365, consult())
    assert set(caught.value.fields) == {"hotline"}


def test_center_running_both_hotlines_takes_either(db_path):
    store.open_center(db_path)
    try:
        center.setup_center("both", "320102", "玄武区热线中心", "admin", "管理员", "admin-pass-1")
        admin = users.authenticate("admin", "admin-pass-1")
        users.create_user(admin, "op1", "王小丽", "operator-pass", {Role.OPERATOR})
        op = users.authenticate("op1", "operator-pass")
        for hotline in ("12345", "12365"):
            data = consult()
            data.hotline = hotline
            assert Ticket.get_by_id(registration.register(op, data).id).hotline == hotline
    finally:
        store.close_center()


def test_unknown_hotline_is_refused(operator):
    data = consult()
    data.hotline = "110"
    with pytest.raises(ValidationError) as caught:
        registration.register(operator, data)
    assert "hotline" in caught.value.fields


# --- acceptance scope (12345 5.1.2.2; 12365 6.3.2.2, 6.4.2.2) -----------------------------------


def _not_accepted(reason: NotAcceptedReason) -> TicketInput:
    data = consult()
    data.disposition = "not_accepted"
    data.not_accepted_reason = reason.value
    data.referral = DEFAULT_REFERRALS[reason]
    return data


def _kinds(ticket_id: int) -> list[str]:
    return [e.kind for e in TicketEvent.select().where(TicketEvent.ticket == ticket_id).order_by(TicketEvent.id)]


@pytest.mark.parametrize("reason", list(NotAcceptedReason), ids=[r.value for r in NotAcceptedReason])
def test_every_not_accepted_reason_registers_with_status_not_accepted(operator, reason):
    """5.1.2.2: such calls are 分类处理 — written down with what the caller was told, never dropped."""
    data = _not_accepted(reason)
    if reason == NotAcceptedReason.REPEAT_NO_NEW_FACTS:
        data.repeat_of_id = registration.register(operator, consult()).id
    result = registration.register(operator, data)
    assert result.status == Status.NOT_ACCEPTED
    ticket = Ticket.get_by_id(result.id)
    assert ticket.status == "not_accepted"
    assert ticket.not_accepted_reason == reason.value
    assert ticket.referral == DEFAULT_REFERRALS[reason]
    kinds = _kinds(result.id)
    assert kinds[0] == EventKind.REGISTERED and kinds[-1] == EventKind.NOT_ACCEPTED
    not_accepted = TicketEvent.get(TicketEvent.ticket == result.id, TicketEvent.kind == "not_accepted")
    assert DEFAULT_REFERRALS[reason] in not_accepted.summary


def test_every_situation_of_5_1_2_2_has_a_reason():
    labels = " ".join(r.label for r in NotAcceptedReason)
    for word in ("110", "119", "120", "122", "诉讼", "仲裁", "纪检监察", "行政复议", "政府信息公开",
                 "信访", "新情况、新理由", "国家秘密", "商业秘密", "个人隐私", "职责范围"):
        assert word in labels, word


def test_not_accepted_complaint_needs_no_appendix_c_elements(operator):
    """5.1.2.2: a caller sent elsewhere at once is not questioned for the C.3 elements of a
    matter the center will not handle; only the reason and what they were told are required."""
    data = TicketInput(category="complaint", content="邻居打架，有人受伤。", caller_phone="13812345678",
                       disposition="not_accepted", not_accepted_reason="emergency_line",
                       referral=DEFAULT_REFERRALS[NotAcceptedReason.EMERGENCY_LINE])
    result = registration.register(operator, data)
    assert result.status == Status.NOT_ACCEPTED


def test_not_accepted_requires_a_referral(operator):
    data = _not_accepted(NotAcceptedReason.EMERGENCY_LINE)
    data.referral = ""
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        registration.register(operator, data)
    assert set(caught.value.fields) == {"referral"}
    assert "告知内容" in caught.value.fields["referral"]
    assert _counts() == before


def test_not_accepted_requires_a_reason(operator):
    data = _not_accepted(NotAcceptedReason.OUT_OF_SCOPE)
    data.not_accepted_reason = ""
    with pytest.raises(ValidationError) as caught:
        registration.register(operator, data)
    assert set(caught.value.fields) == {"not_accepted_reason"}


def test_unknown_not_accepted_reason_is_refused(operator):
    data = _not_accepted(NotAcceptedReason.OUT_OF_SCOPE)
    data.not_accepted_reason = "bored"
    with pytest.raises(ValidationError) as caught:
        registration.register(operator, data)
    assert "not_accepted_reason" in caught.value.fields


def test_repeat_without_new_facts_requires_the_original_ticket(operator):
    data = _not_accepted(NotAcceptedReason.REPEAT_NO_NEW_FACTS)
    with pytest.raises(ValidationError) as caught:
        registration.register(operator, data)
    assert set(caught.value.fields) == {"repeat_of_id"}
    assert "重复的原工单" in caught.value.fields["repeat_of_id"]


def test_repeat_links_the_original_and_records_a_marked_repeat_event(operator):
    original = registration.register(operator, consult())
    data = _not_accepted(NotAcceptedReason.REPEAT_NO_NEW_FACTS)
    data.repeat_of_id = original.id
    result = registration.register(operator, data)
    assert Ticket.get_by_id(result.id).repeat_of_id == original.id
    assert _kinds(result.id) == ["registered", "marked_repeat", "not_accepted"]
    marked = TicketEvent.get(TicketEvent.ticket == result.id, TicketEvent.kind == "marked_repeat")
    assert original.number in marked.summary
    assert json.loads(marked.data) == {"repeat_of": original.uid}


def test_repeat_of_a_missing_ticket_is_not_found_and_writes_nothing(operator):
    data = _not_accepted(NotAcceptedReason.REPEAT_NO_NEW_FACTS)
    data.repeat_of_id = 424242
    before = _counts()
    with pytest.raises(NotFound):
        registration.register(operator, data)
    assert _counts() == before


def test_referral_and_reason_are_kept_only_for_not_accepted(operator):
    data = consult()
    data.not_accepted_reason = "out_of_scope"
    data.referral = "请向市场监管局反映"
    ticket = Ticket.get_by_id(registration.register(operator, data).id)
    assert (ticket.status, ticket.not_accepted_reason, ticket.referral) == ("pending", "", "")


# --- direct answer (12345 5.2.1) -------------------------------------------------------------


def test_direct_answer_requires_a_reply(operator):
    data = consult()
    data.disposition = "direct_answer"
    with pytest.raises(ValidationError) as caught:
        registration.register(operator, data)
    assert set(caught.value.fields) == {"reply"}
    assert "答复内容" in caught.value.fields["reply"]


def test_direct_answer_closes_the_ticket_with_answered_and_closed_events(operator):
    data = consult()
    data.disposition = "direct_answer"
    data.reply = "可在“我的南京”App或区医保中心窗口办理，需携带出生医学证明和户口簿。"
    result = registration.register(operator, data)
    assert result.status == Status.CLOSED
    ticket = Ticket.get_by_id(result.id)
    assert ticket.status == "closed"
    assert ticket.reply == data.reply
    assert _kinds(result.id) == ["registered", "direct_answered", "closed"]
    answered = TicketEvent.get(TicketEvent.ticket == result.id, TicketEvent.kind == "direct_answered")
    assert answered.summary == data.reply
    assert {e.actor_id for e in TicketEvent.select().where(TicketEvent.ticket == result.id)} == {operator.user_id}


def test_registered_ticket_has_one_registered_event(operator):
    result = registration.register(operator, consult())
    assert _kinds(result.id) == ["registered"]


# --- identity and numbering (DESIGN "Data") ---------------------------------------------------


def test_ticket_numbers_are_per_center_per_day_and_increase(operator, fixed_now):
    numbers = [registration.register(operator, consult()).number for _ in range(3)]
    assert numbers == ["320102-20261122-0001", "320102-20261122-0002", "320102-20261122-0003"]
    fixed_now(FIXED_NOW + dt.timedelta(days=1))
    next_day = [registration.register(operator, consult()).number for _ in range(2)]
    assert next_day == ["320102-20261123-0001", "320102-20261123-0002"]
    stored = [t.number for t in Ticket.select().order_by(Ticket.id)]
    assert stored == numbers + next_day
    assert len(set(stored)) == len(stored)


def test_ticket_number_day_is_the_local_day(operator, fixed_now):
    # 2026-11-22 23:30 in Beijing is 15:30 UTC: the number carries the Chinese date.
    fixed_now(dt.datetime(2026, 11, 22, 15, 30, tzinfo=dt.timezone.utc).astimezone(clock.LOCAL_TZ))
    assert registration.register(operator, consult()).number == "320102-20261122-0001"


def test_numbers_are_unique_over_many_registrations(operator):
    numbers = [registration.register(operator, consult()).number for _ in range(15)]
    assert len(set(numbers)) == 15
    assert all(re.fullmatch(r"320102-\d{8}-\d{4}", n) for n in numbers)
    assert [int(n[-4:]) for n in numbers] == sorted(int(n[-4:]) for n in numbers)


def test_a_failed_registration_does_not_use_up_a_number(operator, fixed_now):
    """The topic check runs inside the transaction: its failure rolls the counter back too."""
    data = consult()
    data.topic_id = 999_999
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        registration.register(operator, data)
    assert set(caught.value.fields) == {"topic_id"}
    assert _counts() == before
    assert registration.register(operator, consult()).number == "320102-20261122-0001"


def test_ticket_has_a_uuid_the_center_as_origin_and_rev_1(operator):
    result = registration.register(operator, consult())
    ticket = Ticket.get_by_id(result.id)
    assert uuid.UUID(ticket.uid).version == 4
    assert ticket.uid == result.uid
    assert ticket.origin == "320102"
    assert ticket.rev == 1
    assert ticket.created_by_id == operator.user_id
    assert clock.parse_stamp(ticket.updated_at)
    events = list(TicketEvent.select().where(TicketEvent.ticket == result.id))
    assert all(uuid.UUID(e.uid) and e.origin == "320102" for e in events)


def test_uids_differ_between_tickets(operator):
    first = registration.register(operator, consult())
    second = registration.register(operator, consult())
    assert first.uid != second.uid


def test_valid_topic_is_stored(operator):
    topic = Topic.get(Topic.name == "噪声污染")
    data = consult()
    data.topic_id = topic.id
    assert Ticket.get_by_id(registration.register(operator, data).id).topic_id == topic.id


# --- phone, lengths, times, contact ---------------------------------------------------------


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("13812345678", "13812345678"),
        (" 138 1234 5678 ", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        ("025-84561234", "02584561234"),
        ("(025) 8456 1234", "02584561234"),
        ("（025）84561234", "02584561234"),
        ("+86（025）8456-1234", "02584561234"),
        ("12345", "12345"),
    ],
)
def test_phone_is_normalised_before_storing(operator, typed, stored):
    data = consult()
    data.caller_phone = typed
    assert Ticket.get_by_id(registration.register(operator, data).id).caller_phone == stored


def test_full_width_digits_are_stored_as_ascii_digits(operator):
    data = consult()
    data.caller_phone = "１３８１２３４５６７８"
    assert Ticket.get_by_id(registration.register(operator, data).id).caller_phone == "13812345678"


@pytest.mark.parametrize("typed", ["138-abcd-5678", "1234", "1" * 21, "+86", "电话13812345678"])
def test_bad_phone_is_refused_naming_the_field(operator, typed):
    data = consult()
    data.caller_phone = typed
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        registration.register(operator, data)
    assert set(caught.value.fields) == {"caller_phone"}
    assert "来电号码" in caught.value.fields["caller_phone"]
    assert _counts() == before


@pytest.mark.parametrize(
    "name, limit", [("title", 100), ("content", 10_000), ("caller_name", 50), ("address", 200), ("referral", 2_000)]
)
def test_lengths_are_limited(operator, name, limit):
    data = consult()
    setattr(data, name, "长" * limit)
    assert name not in registration.validate(data, center.current_center())
    setattr(data, name, "长" * (limit + 1))
    with pytest.raises(ValidationError) as caught:
        registration.register(operator, data)
    assert set(caught.value.fields) == {name}
    assert str(limit) in caught.value.fields[name]
    assert FIELD_LABELS[name] in caught.value.fields[name]


def test_detail_lengths_are_limited(operator):
    data = c3("complaint")
    data.details["prior_handling"] = "长" * 1_001
    with pytest.raises(ValidationError) as caught:
        registration.register(operator, data)
    assert set(caught.value.fields) == {"prior_handling"}


def test_received_at_in_the_future_is_refused(operator):
    data = consult()
    data.received_at = clock.stamp(clock.now() + dt.timedelta(days=1))
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        registration.register(operator, data)
    assert set(caught.value.fields) == {"received_at"}
    assert "诉求提出时间" in caught.value.fields["received_at"]
    assert _counts() == before


def test_received_at_that_is_not_a_time_is_refused(operator):
    data = consult()
    data.received_at = "昨天下午三点"
    with pytest.raises(ValidationError) as caught:
        registration.register(operator, data)
    assert set(caught.value.fields) == {"received_at"}


def test_received_at_in_the_past_is_kept(operator):
    """A letter or web message is registered later than it was sent (5.1.4.1 诉求提出的时间)."""
    data = consult()
    data.channel = "letter"
    data.received_at = clock.stamp(clock.now() - dt.timedelta(days=3))
    ticket = Ticket.get_by_id(registration.register(operator, data).id)
    assert ticket.received_at == data.received_at


def test_received_at_defaults_to_now(operator, fixed_now):
    ticket = Ticket.get_by_id(registration.register(operator, consult()).id)
    assert ticket.received_at == "2026-11-22T10:00:00+08:00"


def test_received_at_is_stored_in_the_canonical_form(operator, fixed_now):
    data = consult()
    data.received_at = "2026-11-20 09:30"
    ticket = Ticket.get_by_id(registration.register(operator, data).id)
    assert ticket.received_at == "2026-11-20T09:30:00+08:00"


def test_visit_consent_without_any_contact_is_refused(operator):
    data = consult()
    data.caller_phone = ""
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        registration.register(operator, data)
    assert set(caught.value.fields) == {"caller_phone"}
    assert "回访" in caught.value.fields["caller_phone"]
    assert _counts() == before


def test_visit_consent_with_another_contact_is_accepted(operator):
    data = consult()
    data.caller_phone = ""
    data.caller_contact = "lm@example.com"
    assert Ticket.get_by_id(registration.register(operator, data).id).caller_contact == "lm@example.com"


def test_no_visit_consent_needs_no_contact(operator):
    data = consult()
    data.caller_phone = ""
    data.visit_consent = False
    ticket = Ticket.get_by_id(registration.register(operator, data).id)
    assert (ticket.caller_phone, ticket.visit_consent) == ("", False)


def test_invalid_region_code_is_refused(operator):
    data = consult()
    data.region_code = "990101"
    with pytest.raises(ValidationError) as caught:
        registration.register(operator, data)
    assert set(caught.value.fields) == {"region_code"}
    data.region_code = "320102"
    assert Ticket.get_by_id(registration.register(operator, data).id).region_code == "320102"


@pytest.mark.parametrize("name, value", [("channel", "pigeon"), ("category", "咨询"), ("urgency", "high"),
                                         ("disposition", "later")])
def test_codes_outside_their_list_are_refused(operator, name, value):
    data = consult()
    setattr(data, name, value)
    with pytest.raises(ValidationError) as caught:
        registration.register(operator, data)
    assert name in caught.value.fields
    assert FIELD_LABELS[name] in caught.value.fields[name]


def test_title_is_taken_from_the_first_line_of_content_when_empty(operator):
    data = consult()
    data.content = "关于玄武区某小区电梯长期故障无人维修、老人上下楼十分困难的问题，请尽快处理\n第二行"
    assert len(data.content.splitlines()[0]) > registration.TITLE_FROM_CONTENT
    ticket = Ticket.get_by_id(registration.register(operator, data).id)
    assert ticket.title == data.content.splitlines()[0][:30] + "…"
    data.title = "电梯故障"
    assert Ticket.get_by_id(registration.register(operator, data).id).title == "电梯故障"


def test_unknown_detail_keys_are_dropped(operator):
    data = c3("complaint")
    data.details["mood"] = "angry"
    stored = json.loads(Ticket.get_by_id(registration.register(operator, data).id).details)
    assert "mood" not in stored
    assert stored["prior_handling"] == "已向物业反映，无改善。"


def test_input_survives_a_draft_round_trip():
    data = incident()
    data.confidential = True
    assert TicketInput.from_json(data.to_json()) == data
    # A draft saved by an older form with a field that no longer exists still loads.
    raw = json.loads(data.to_json()) | {"obsolete": 1}
    assert TicketInput.from_json(json.dumps(raw)) == data


# --- what is written, by whom ------------------------------------------------------------------


def test_failed_validation_writes_nothing(operator):
    before = _counts()
    with pytest.raises(ValidationError):
        registration.register(operator, TicketInput())
    assert _counts() == before


def test_success_writes_exactly_one_audit_row_with_the_actor(operator):
    audits_before = Audit.select().count()
    result = registration.register(operator, consult())
    new = list(Audit.select().order_by(Audit.id).offset(audits_before))
    assert len(new) == 1
    row = new[0]
    assert row.actor_id == operator.user_id
    assert (row.action, row.object_type, row.object_uid) == ("register", "ticket", result.uid)
    assert json.loads(row.detail)["number"] == result.number


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN, Role.RETURN_VISITOR])
def test_user_without_register_right_is_denied_and_nothing_is_written(center_db, role):
    if role == Role.ADMIN:
        actor = center_db
    else:
        users.create_user(center_db, "someone", "赵六", "someone-pass", {role})
        actor = users.authenticate("someone", "someone-pass")
    before = _counts()
    with pytest.raises(PermissionDenied) as caught:
        registration.register(actor, consult())
    assert "受理登记" in caught.value.message
    assert _counts() == before


def test_manager_may_register(manager):
    assert registration.register(manager, consult()).status == Status.PENDING


def test_register_before_setup_is_refused(db_path, operator):
    """An empty database has no center and no accounts: the session's account is not in it."""
    store.close_center()
    other = db_path.with_name("empty.db")
    store.open_center(other)
    try:
        with pytest.raises(PermissionDenied, match="在当前数据库中不存在"):
            registration.register(operator, consult())
    finally:
        store.close_center()


def test_validation_lists_every_problem_at_once(operator):
    data = dataclasses.replace(c3("complaint"), caller_name="", reported_unit="", caller_phone="abc")
    fields = registration.validate(data, center.current_center())
    assert {"caller_name", "reported_unit", "caller_phone"} <= set(fields)


def test_numbering_continues_past_9999_a_day(operator):
    """Text order puts '…-10000' below '…-9999'; the next number must still be 10001."""
    from core import clock
    from core.tickets.registration import next_number
    from db.models import Ticket, TicketCounter

    day = clock.now().date()
    registration.register(operator, TicketInput(caller_phone="13800000000", content="咨询", category="consult"))
    base = Ticket.select().first()  # copy its required fields
    prefix = f"320102-{day:%Y%m%d}-"
    for seq in (9999, 10000):
        Ticket.insert(**{**{f.name: getattr(base, f.name) for f in Ticket._meta.sorted_fields if f.name != "id"},
                         "uid": f"uid-{seq}", "number": f"{prefix}{seq}"}).execute()
    TicketCounter.delete().execute()
    from db.connection import database
    with database.atomic():
        assert next_number("320102", day) == f"{prefix}10001"
