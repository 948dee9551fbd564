"""Reads behind the 派单督办 area: queues paged from SQL, one ticket's handling, and the dispatch preview."""
from __future__ import annotations

import datetime as dt

import pytest

from core import clock
from core.dispatch import sending as dispatch
from core.dispatch import handling
from core.dispatch import reads as handling_reads
from core.dispatch import supervision
from core.units import tree as units
from core.dispatch.handling import FeedbackInput
from core.dispatch.supervision import SupervisionInput
from core.units.tree import UnitInput
from core.vocab import UnitKind
from db.models import Center, Deadline, Topic
from tests.core.dispatch.test_dispatch import register, send


def make_city(admin) -> dict[str, int]:
    """A district government, two departments and a street, with matters and keywords."""
    district = units.create_unit(admin, UnitInput("玄武区人民政府", UnitKind.DISTRICT.value))
    made = {"玄武区人民政府": district}
    for name, kind, matters, keywords in (
        ("区城市管理局", UnitKind.DEPARTMENT, ["施工扰民", "噪声污染", "占道经营"], ["工地", "夜间施工"]),
        ("区市场监督管理局", UnitKind.DEPARTMENT, ["食品安全", "消费维权"], ["过期"]),
        ("新街口街道", UnitKind.STREET, ["社区服务"], ["北京东路"]),
    ):
        made[name] = units.create_unit(admin, UnitInput(name, kind.value, district, matters=matters, keywords=keywords))
    return made


@pytest.fixture
def city(center_db) -> dict[str, int]:
    return make_city(center_db)


def _all_pages(fetch, limit: int = 1) -> list:
    rows, after = [], None
    while True:
        page = fetch(after=after, limit=limit)
        rows += page
        if len(page) < limit:
            return rows
        after = page[-1].sort_key


def test_pending_lists_urgent_first_then_the_dispatch_clock_that_runs_out_soonest(operator, dispatcher, city):
    late = register(operator, hours_ago=30)
    soon = register(operator, hours_ago=20)
    fresh = register(operator, hours_ago=1)
    urgent = register(operator, hours_ago=0.2, urgency="urgent", emergency_type="utilities",
                      details={"prior_handling": "无", "incident_status": "停水", "incident_scope": "整栋楼"})
    send(dispatcher, register(operator, hours_ago=3), city["区城市管理局"])  # dispatched: not pending
    rows = _all_pages(lambda **kw: handling_reads.pending_page(dispatcher, **kw))
    assert [r.ticket_id for r in rows] == [urgent, late, soon, fresh]  # page by page, each once
    first, overdue = rows[0], rows[1]
    assert first.urgent and first.urgency == "紧急·基本民生保障(水电气热)" and first.task == "待派单"
    assert overdue.due.late and overdue.due.state.startswith("超期 ")
    assert rows[2].due.near and not rows[3].due.near and rows[3].due.state.startswith("剩 ")


def test_a_12365_complaint_waits_for_acceptance_in_the_pending_queue(center_db, operator, dispatcher):
    Center.update(kind="both").execute()
    ticket = register(operator, hotline="12365", reported_unit="某超市", risk_level="3")
    (row,) = handling_reads.pending_page(dispatcher)
    assert (row.ticket_id, row.task, row.due.stage) == (ticket, "待决定受理", "accept")
    assert handling_reads.handling_of(dispatcher, ticket).actions == frozenset({"accept"})
    dispatch.accept(dispatcher, ticket)
    (row,) = handling_reads.pending_page(dispatcher)
    assert (row.task, row.due.stage) == ("已受理待移送", "dispatch")


def test_in_progress_lists_each_units_part_and_filters_by_unit(operator, dispatcher, city):
    first = register(operator, hours_ago=3)
    lead, co = send(dispatcher, first, city["区城市管理局"], city["新街口街道"])
    second = register(operator, hours_ago=2)
    (other,) = send(dispatcher, second, city["区城市管理局"])
    dispatch.sign_off(dispatcher, other, "刘科长")
    Deadline.update(due_at=clock.stamp(clock.now() - dt.timedelta(hours=5))).where(
        (Deadline.assignment == co) & (Deadline.stage == "sign_off")).execute()
    rows = _all_pages(lambda **kw: handling_reads.in_progress_page(dispatcher, **kw))
    assert rows[0].assignment_id == co and rows[0].due.late and rows[0].role == "协办"
    assert {r.assignment_id for r in rows} == {lead, co, other}
    assert next(r for r in rows if r.assignment_id == other).due.stage == "feedback"  # signed: the feedback clock
    mine = handling_reads.in_progress_page(dispatcher, unit_id=city["区城市管理局"])
    assert {r.assignment_id for r in mine} == {lead, other}
    counts = {c.name: c.count for c in handling_reads.units_in_progress(dispatcher)}
    assert counts == {"区城市管理局": 2, "新街口街道": 1}


def test_reviews_show_return_reasons_feedback_results_and_extension_requests(operator, dispatcher, city):
    returned = register(operator, hours_ago=4)
    (back,) = send(dispatcher, returned, city["新街口街道"])
    dispatch.ask_return(dispatcher, back, "不属于街道职责，应由城管局处理")
    fed = register(operator, hours_ago=3)
    (done,) = send(dispatcher, fed, city["区城市管理局"])
    dispatch.sign_off(dispatcher, done, "刘科长")
    handling.record_feedback(dispatcher, FeedbackInput(done, "resolved", {"measures": "已责令停工", "caller_told": "电话告知"}))
    asked = register(operator, hours_ago=2)
    (slow,) = send(dispatcher, asked, city["区市场监督管理局"])
    until = clock.now().date() + dt.timedelta(days=20)
    request = handling.ask_extension(dispatcher, slow, "需要抽检送样", until)
    rows = _all_pages(lambda **kw: handling_reads.reviews_page(dispatcher, **kw))
    by_kind = {r.kind: r for r in rows}
    assert set(by_kind) == {"return", "feedback", "extension"} and len(rows) == 3
    assert by_kind["return"].note == "退单理由：不属于街道职责，应由城管局处理"
    assert by_kind["feedback"].note == "办理结果：已解决" and by_kind["feedback"].task == "反馈待审核"
    assert by_kind["extension"].target_id == request
    assert by_kind["extension"].note == f"申请延期至 {until.isoformat()}：需要抽检送样"


def test_reminders_page_in_scan_order(operator, dispatcher, city):
    for hours in (30, 40, 50):
        register(operator, hours_ago=hours)
    rows = _all_pages(lambda **kw: handling_reads.reminder_page(dispatcher, **kw))
    assert len(rows) == 3
    assert all(r.due.late and r.unit == "本中心" for r in rows)
    levels = [r.sort_key for r in rows]
    assert levels == sorted(levels)


def test_handling_shows_each_unit_with_its_clocks_extension_feedback_and_allowed_steps(
        operator, dispatcher, supervisor, manager, city):
    ticket = register(operator, hours_ago=3, confidential=True)
    lead, _co = send(dispatcher, ticket, city["区城市管理局"], city["新街口街道"])
    shown = handling_reads.handling_of(dispatcher, ticket)
    assert [a.role_label for a in shown.assignments] == ["牵头", "协办"]
    assert shown.assignments[0].actions == {"sign_off", "return", "progress", "extension"}
    assert shown.actions == frozenset()  # a dispatcher cannot supervise; the ticket is dispatched already
    assert "张" in shown.caller and "张先生" not in shown.caller and shown.masked
    dispatch.sign_off(dispatcher, lead, "刘科长")
    until = clock.now().date() + dt.timedelta(days=20)
    request = handling.ask_extension(dispatcher, lead, "需协调产权单位", until)
    shown = handling_reads.handling_of(dispatcher, ticket)
    view = shown.assignment(lead)
    assert view.signed_by == "刘科长" and view.sign_off.met_at and view.sign_off.state == "已完成"
    assert view.waiting_extension.id == request and "extension" not in view.actions
    assert "feedback" in view.actions and "decide_extension" not in view.actions
    assert "decide_extension" in handling_reads.handling_of(manager, ticket).assignment(lead).actions
    handling.decide_extension(manager, request, True, "同意")
    view = handling_reads.handling_of(dispatcher, ticket).assignment(lead)
    assert view.feedback_due.due_at.startswith(until.isoformat()) and view.extensions[0].decision_label == "已批准"
    handling.record_feedback(dispatcher, FeedbackInput(lead, "unresolved", {
        "reason": "产权不清", "next_steps": "协调产权单位", "planned_on": "12月底", "caller_told": "电话告知"},
        received_via="电话"))
    view = handling_reads.handling_of(dispatcher, ticket).assignment(lead)
    assert view.feedback_result == "未解决" and view.actions == {"review_feedback"}
    assert view.feedback == [("未解决原因", "产权不清"), ("下一步工作措施", "协调产权单位"), ("落实时间", "12月底"),
                             ("反馈情况（如何告知诉求人）", "电话告知"), ("反馈方式", "电话")]
    seen = handling_reads.handling_of(supervisor, ticket)
    assert seen.actions == {"supervise", "answer_supervision"} and seen.assignments[0].actions == frozenset()
    supervision.supervise(supervisor, SupervisionInput(ticket, "system", "电话催办协办单位", city["新街口街道"]))
    seen = handling_reads.handling_of(supervisor, ticket)
    assert [(s.kind_label, s.unit) for s in seen.supervisions] == [("系统督办", "新街口街道")]
    assert [e.kind for e in seen.timeline][-1] == "督办"


def test_dispatch_context_suggests_units_and_asks_what_an_urgent_ticket_needs(operator, dispatcher, city):
    ticket = register(operator, topic_id=Topic.get(Topic.name == "施工扰民").id)
    context = handling_reads.dispatch_context(dispatcher, ticket)
    assert context.suggestions[0].name == "区城市管理局"
    assert "职责事项“施工扰民”与问题分类相符" in context.suggestions[0].reasons
    assert context.topic == "城乡建设 / 施工扰民"
    assert context.opinion == ("现将诉求人反映的“夜间工地施工噪声扰民，持续到凌晨”问题转你单位，请依职责核实处理，"
                               "并将办理情况告知诉求人，于反馈时限前将办理结果反馈12345热线。")
    assert {u.label for u in context.units} >= {"区城市管理局", "新街口街道"}
    assert not context.asks_police and not context.urgent
    urgent = register(operator, hours_ago=0.2, urgency="urgent", emergency_type="instability",
                      details={"threat_action": "聚集", "threat_time_place": "明天上午", "prior_handling": "无"})
    context = handling_reads.dispatch_context(dispatcher, urgent)
    assert context.urgent and context.asks_police and not context.asks_emergency_mgmt


def test_preview_gives_what_dispatch_would_start(operator, dispatcher, city):
    at = dt.datetime(2026, 11, 20, 10, 0, tzinfo=clock.LOCAL_TZ)  # a Friday
    ticket = register(operator, received_at=clock.stamp(at - dt.timedelta(hours=1)))
    sign, feedback = handling_reads.preview_deadlines(ticket, at, False)
    assert (sign.stage_label, sign.due_at) == ("签收", "2026-11-23T23:59:59+08:00")  # 1 working day: Monday
    assert feedback.due_at == "2026-11-27T23:59:59+08:00" and "12345 5.2.2.3.2" in feedback.rule
    _, hard = handling_reads.preview_deadlines(ticket, at, True)
    assert hard.due_at.startswith("2026-12-05")  # 复杂疑难: 15 days
    _, fixed = handling_reads.preview_deadlines(ticket, at, False, dt.date(2026, 12, 31))
    assert fixed.due_at.startswith("2026-12-31") and fixed.rule == "按指定的办理时限"
    (lead,) = send(dispatcher, ticket, city["区城市管理局"], dispatched_at=at)
    real = Deadline.get((Deadline.assignment == lead) & (Deadline.stage == "feedback"))
    assert real.due_at == feedback.due_at


def test_a_due_mark_says_how_late_in_words():
    assert handling_reads.span(59) == "59 分钟"
    assert handling_reads.span(125) == "2 小时 5 分"
    assert handling_reads.span(3 * 24 * 60 + 150) == "3 天 2 小时"
    mark = handling_reads.DueMark("feedback", "2027-01-08T23:59:59+08:00", 0, True, 60 * 24 * 40)
    assert "2027 年的放假安排尚未导入" in mark.provisional_note


def test_concentrated_groups_carry_their_ticket_numbers(operator, dispatcher):
    for i in range(5):
        register(operator, caller_phone=f"1381234560{i}", address="玄武区北京东路1号工地旁", topic_id=None)
    # the concentrated query groups by 问题分类: give them one
    topic = Topic.select().where(Topic.parent.is_null(False)).first()
    from db.models import Ticket

    Ticket.update(topic=topic.id).execute()
    (group,) = handling_reads.concentrated_groups(dispatcher)
    assert group.callers == 5 and len(group.tickets) == 5 and "集中反映" in group.reason
    assert all(t.number for t in group.tickets)
