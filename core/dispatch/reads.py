"""Reads for the 派单督办 area: queue pages, one ticket's handling, and what a dispatch would start.

Queues page from SQL (keyset: each page starts after the last row's ``sort_key``),
so a center with 50,000 tickets costs what its first page does. Due times carry
the reminders level (0 in time, 1 临近/催办, 2+ 超期/督办) computed the one way
``core.deadlines.reminders`` does, so the lists, the panel and the 工作台 agree. Which steps
a user may take on an assignment is decided here too (``actions``), from the
statuses the services accept and the user's rights; the services check again.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from core import clock
from core.deadlines import rules as deadline_rules
from core.deadlines import clocks as deadlines
from core.deadlines import reminders
from core.dispatch import supervision
from core.tickets import reads as tickets
from core.center import topics
from core.units import tree as units
from core.dispatch.sending import DISPATCHABLE, EMERGENCY_MGMT_TYPES, LIVE, NEEDS_ACCEPTANCE, POLICE_TYPES
from core.errors import NotFound
from core.dispatch.handling import FEEDBACK_ELEMENTS
from core.roles import Actor, Permission
from core.service import existing, require
from core.store import storage_errors
from core.vocab import (
    AssignmentRole,
    AssignmentStatus,
    Category,
    DispatchMethod,
    EmergencyType,
    FeedbackResult,
    Stage,
    Status,
    Urgency,
)
from db.connection import raw_connection
from db.models import Ticket

PAGE = 200
LAST = "~"  # sorts after every stored time: rows without a clock come last
OPEN_STATUSES = ("pending", "accepted", "dispatched", "returned", "feedback")
UNIT_CLOCKS = (Stage.SIGN_OFF.value, Stage.FEEDBACK.value)


@dataclass(frozen=True)
class DueMark:
    """One clock as a screen shows it."""

    stage: str
    due_at: str  # stored form
    level: int  # reminders level; 0 when met or in time
    provisional: bool
    minutes_left: int  # negative once late
    met_at: str = ""
    cancelled: bool = False

    @property
    def stage_label(self) -> str:
        return Stage.label_of(self.stage)

    @property
    def display(self) -> str:
        return clock.display(self.due_at)

    @property
    def late(self) -> bool:
        return not self.met_at and self.level >= reminders.OVERDUE

    @property
    def near(self) -> bool:
        return not self.met_at and self.level == reminders.NEAR

    @property
    def state(self) -> str:
        """超期 2 天 3 小时 / 剩 5 小时 / 已完成 … in words."""
        if self.cancelled:
            return "已停止计时"
        if self.met_at:
            return "已完成" + ("（超期）" if self.met_at > self.due_at else "")
        return ("超期 " if self.minutes_left < 0 else "剩 ") + span(abs(self.minutes_left))

    @property
    def provisional_note(self) -> str:
        if not self.provisional:
            return ""
        year = self.due_at[:4]
        return (f"暂定时限：{year} 年的放假安排尚未导入，工作日暂按周末计算。"
                "管理员在“系统管理 › 工作日历”导入当年放假通知后，会自动重算。")


def span(minutes: int) -> str:
    if minutes >= 24 * 60:
        days, rest = divmod(minutes, 24 * 60)
        return f"{days} 天" + (f" {rest // 60} 小时" if rest >= 60 else "")
    if minutes >= 60:
        return f"{minutes // 60} 小时" + (f" {minutes % 60} 分" if minutes % 60 else "")
    return f"{minutes} 分钟"


def due_mark(stage: str, started_at: str, due_at: str, provisional: bool, now: dt.datetime,
             conf: reminders.ReminderSettings, met_at: str = "", cancelled: bool = False) -> DueMark:
    due = clock.parse_stamp(due_at)
    level = 0 if met_at else reminders.level_at(now, clock.parse_stamp(started_at), due, conf)
    return DueMark(stage, due_at, level, bool(provisional), int((due - now).total_seconds() // 60), met_at,
                   bool(cancelled))


@dataclass(frozen=True)
class QueueRow:
    """One line of a queue: a ticket waiting for dispatch, an assignment, a review, a reminder."""

    kind: str  # pending | assignment | return | feedback | extension | reminder
    ticket_id: int
    number: str
    title: str
    urgent: bool
    urgency: str  # 紧急·不稳定因素
    task: str  # what waits, in words: 待派单, 待签收, 退单待审, 督办 …
    unit: str = ""
    role: str = ""
    due: DueMark | None = None
    note: str = ""
    assignment_id: int | None = None
    target_id: int | None = None  # the extension request of an extension row
    sort_key: tuple = ()


def _urgency(urgency: str, emergency: str) -> str:
    return Urgency.label_of(urgency) + (f"·{EmergencyType.label_of(emergency)}" if emergency else "")


def _needs_acceptance(hotline: str, category: str, status: str) -> bool:
    return hotline == "12365" and category in NEEDS_ACCEPTANCE and status == Status.PENDING.value


def _reading(actor: Actor):
    require(actor, Permission.TICKET_VIEW)
    return storage_errors()


def pending_page(actor: Actor, after: tuple | None = None, limit: int = PAGE, now: dt.datetime | None = None,
                 ) -> list[QueueRow]:
    """待派单: urgent first, then the dispatch (or 12365 acceptance) clock that runs out soonest."""
    now, conf = clock.to_local(now or clock.now()), reminders.settings()
    with _reading(actor):
        rows = raw_connection().execute(
            """
            SELECT t.id, t.number, t.title, t.category, t.urgency, t.emergency_type, t.status, t.hotline,
                   d.stage, d.started_at, d.due_at, d.provisional,
                   CASE WHEN t.urgency = 'urgent' THEN 0 ELSE 1 END AS rank, ifnull(d.due_at, ?) AS due
            FROM ticket t
            LEFT JOIN deadline d ON d.id = (
                SELECT x.id FROM deadline x WHERE x.ticket_id = t.id AND x.assignment_id IS NULL AND x.met_at = ''
                AND x.stage IN ('accept', 'dispatch') ORDER BY x.due_at LIMIT 1)
            WHERE t.status IN ('pending', 'accepted') AND (rank, due, t.id) > (?, ?, ?)
            ORDER BY rank, due, t.id LIMIT ?
            """, (LAST, *(after or (-1, "", 0)), limit)).fetchall()
    out = []
    for (tid, number, title, category, urgency, emergency, status, hotline, stage, started, due_at, provisional,
         rank, due) in rows:
        task = "待决定受理" if _needs_acceptance(hotline, category, status) else Status.label_of(status)
        mark = due_mark(stage, started, due_at, provisional, now, conf) if due_at else None
        out.append(QueueRow("pending", tid, number, title, urgency == Urgency.URGENT.value, _urgency(urgency, emergency),
                            task, note=Category.label_of(category), due=mark,
                            sort_key=(rank, due, tid)))
    return out


def in_progress_page(actor: Actor, unit_id: int | None = None, after: tuple | None = None, limit: int = PAGE,
                     now: dt.datetime | None = None) -> list[QueueRow]:
    """办理中: each unit's live part of a ticket, the clock that runs out soonest first."""
    now, conf = clock.to_local(now or clock.now()), reminders.settings()
    live = tuple(LIVE)
    unit_filter = "AND a.unit_id = ?" if unit_id is not None else ""
    params = [LAST, *OPEN_STATUSES, *live, *([unit_id] if unit_id is not None else []), *(after or ("", 0)), limit]
    with _reading(actor):
        rows = raw_connection().execute(
            f"""
            SELECT a.id, a.ticket_id, t.number, t.title, t.urgency, t.emergency_type, a.role, a.status, u.name,
                   d.stage, d.started_at, d.due_at, d.provisional, ifnull(d.due_at, ?) AS due
            FROM ticket t JOIN assignment a ON a.ticket_id = t.id JOIN unit u ON u.id = a.unit_id
            LEFT JOIN deadline d ON d.id = (
                SELECT x.id FROM deadline x WHERE x.assignment_id = a.id AND x.met_at = '' ORDER BY x.due_at LIMIT 1)
            WHERE t.status IN ({",".join("?" * len(OPEN_STATUSES))}) AND a.status IN ({",".join("?" * len(live))})
              {unit_filter} AND (due, a.id) > (?, ?)
            ORDER BY due, a.id LIMIT ?
            """, params).fetchall()
    return [QueueRow("assignment", tid, number, title, urgency == Urgency.URGENT.value, _urgency(urgency, emergency),
                     AssignmentStatus.label_of(status), name, AssignmentRole.label_of(role),
                     due_mark(stage, started, due_at, provisional, now, conf) if due_at else None,
                     assignment_id=aid, sort_key=(due, aid))
            for aid, tid, number, title, urgency, emergency, role, status, name, stage, started, due_at, provisional, due
            in rows]


@dataclass(frozen=True)
class UnitCount:
    unit_id: int
    name: str
    count: int


def units_in_progress(actor: Actor) -> list[UnitCount]:
    """Units with live assignments, for the 办理中 filter."""
    with _reading(actor):
        rows = raw_connection().execute(
            f"""SELECT u.id, u.name, count(*) FROM assignment a JOIN unit u ON u.id = a.unit_id
                WHERE a.status IN ({",".join("?" * len(LIVE))}) GROUP BY u.id ORDER BY count(*) DESC, u.name""",
            LIVE).fetchall()
    return [UnitCount(*row) for row in rows]


_REVIEWS = """
    SELECT 'return' AS kind, a.id AS aid, NULL, a.ticket_id, t.number, t.title, t.urgency, t.emergency_type, u.name,
           a.role, a.updated_at AS at,
           (SELECT json_extract(e.data, '$.reason') FROM ticket_event e WHERE e.ticket_id = a.ticket_id
            AND e.kind = 'return_asked' AND json_valid(e.data) AND json_extract(e.data, '$.unit') = u.uid ORDER BY e.at DESC, e.id DESC LIMIT 1)
    FROM assignment a JOIN ticket t ON t.id = a.ticket_id JOIN unit u ON u.id = a.unit_id
    WHERE a.status = 'return_asked'
    UNION ALL
    SELECT 'feedback', a.id, NULL, a.ticket_id, t.number, t.title, t.urgency, t.emergency_type, u.name, a.role,
           a.feedback_at, a.feedback
    FROM assignment a JOIN ticket t ON t.id = a.ticket_id JOIN unit u ON u.id = a.unit_id
    WHERE a.status = 'feedback'
    UNION ALL
    SELECT 'extension', a.id, e.id, a.ticket_id, t.number, t.title, t.urgency, t.emergency_type, u.name, a.role,
           e.asked_at, e.requested_due || ' ' || e.reason
    FROM extension_request e JOIN assignment a ON a.id = e.assignment_id JOIN ticket t ON t.id = a.ticket_id
    JOIN unit u ON u.id = a.unit_id
    WHERE e.decision = ''
"""
_REVIEW_TASKS = {"return": "退单待审", "feedback": "反馈待审核", "extension": "延期待审批"}


def reviews_page(actor: Actor, after: tuple | None = None, limit: int = PAGE) -> list[QueueRow]:
    """待审核: returns and feedback for the dispatcher, extension requests for the manager, oldest first."""
    with _reading(actor):
        rows = raw_connection().execute(
            f"SELECT * FROM ({_REVIEWS}) WHERE (at, kind, aid) > (?, ?, ?) ORDER BY at, kind, aid LIMIT ?",
            (*(after or ("", "", 0)), limit)).fetchall()
    out = []
    for kind, aid, request_id, tid, number, title, urgency, emergency, unit, role, at, extra in rows:
        if kind == "feedback":
            result = tickets.stored_text(tickets.stored_object(extra).get("result"))
            note = f"办理结果：{FeedbackResult.label_of(result)}" if result else ""
        elif kind == "extension":
            until, _, reason = (extra or "").partition(" ")
            note = f"申请延期至 {until}：{reason}"
        else:
            note = f"退单理由：{extra}" if isinstance(extra, str) and extra else ""
        out.append(QueueRow(kind, tid, number, title, urgency == Urgency.URGENT.value, _urgency(urgency, emergency),
                            _REVIEW_TASKS[kind], unit, AssignmentRole.label_of(role), note=note, assignment_id=aid,
                            target_id=request_id, sort_key=(at, kind, aid)))
    return out


def reminder_page(actor: Actor, after: tuple | None = None, limit: int = PAGE, now: dt.datetime | None = None,
                  ) -> list[QueueRow]:
    """催办督办: reminders.scan(), the most urgent first, a page at a time."""
    now = clock.to_local(now or clock.now())
    with _reading(actor):
        found = reminders.scan(now)
    out = []
    for r in found:
        key = (-r.level, not r.urgent, r.due_at, r.deadline_id)
        if after is not None and key <= tuple(after):
            continue
        mark = DueMark(r.stage, r.due_at, r.level, r.provisional, r.minutes_left)
        out.append(QueueRow("reminder", r.ticket_id, r.number, r.title, r.urgent, "紧急" if r.urgent else "一般",
                            r.level_label, r.unit_name, due=mark, sort_key=key))
        if len(out) >= limit:
            break
    return out


@dataclass(frozen=True)
class TicketBrief:
    id: int
    number: str
    status: str
    title: str
    received_at: str


@dataclass(frozen=True)
class ConcentratedGroup:
    reason: str
    callers: int
    first_at: str
    last_at: str
    title: str
    tickets: list[TicketBrief]


def concentrated_groups(actor: Actor, now: dt.datetime | None = None, per_group: int = 50) -> list[ConcentratedGroup]:
    """集中反映 / 多次反映 (supervision.concentrated), each with its tickets' numbers."""
    with _reading(actor):
        groups = supervision.concentrated(now)
        conn = raw_connection()
        out = []
        for g in groups:
            ids = g.ticket_ids[:per_group]
            rows = conn.execute(
                f"SELECT id, number, status, title, received_at FROM ticket WHERE id IN ({','.join('?' * len(ids))})"
                " ORDER BY received_at", ids).fetchall()
            briefs = [TicketBrief(i, n, Status.label_of(s), t, clock.display(r)) for i, n, s, t, r in rows]
            out.append(ConcentratedGroup(g.reason, g.callers, clock.display(g.first_at), clock.display(g.last_at),
                                         g.sample_title, briefs))
    return out


# ---------------------------------------------------------------- one ticket's handling

@dataclass(frozen=True)
class ExtensionView:
    id: int
    reason: str
    until: str  # 2026-12-20
    asked_at: str  # for display
    decision: str  # '' waiting, approved, refused
    decided_at: str
    note: str

    @property
    def decision_label(self) -> str:
        return {"": "待审批", "approved": "已批准", "refused": "不批准"}.get(self.decision, self.decision)


@dataclass(frozen=True)
class AssignmentView:
    id: int
    unit_id: int
    unit: str
    role: str
    status: str
    dispatched_at: str  # for display, as every time below
    method: str
    opinion: str
    signed_at: str
    signed_by: str
    feedback_at: str
    feedback_result: str  # label
    feedback: list[tuple[str, str]]  # (element label, text), with 反馈方式 last
    sign_off: DueMark | None
    feedback_due: DueMark | None
    extensions: list[ExtensionView]
    actions: frozenset[str]  # what this user may do now: sign_off, return, decide_return, progress, …
    return_reason: str = ""  # the unit's latest 退单 reason

    @property
    def role_label(self) -> str:
        return AssignmentRole.label_of(self.role)

    @property
    def status_label(self) -> str:
        return AssignmentStatus.label_of(self.status)

    @property
    def waiting_extension(self) -> ExtensionView | None:
        return next((e for e in self.extensions if not e.decision), None)


@dataclass(frozen=True)
class Handling:
    ticket_id: int
    number: str
    status: str
    hotline: str
    category: str
    urgent: bool
    urgency: str  # 紧急·突发事件
    title: str
    content: str
    received_at: str
    topic: str
    caller: str  # masked when confidential and not allowed
    address: str
    clocks: list[DueMark]  # the center's own clocks (受理, 派单, 答复, 办结)
    assignments: list[AssignmentView]
    supervisions: list[supervision.SupervisionRow]
    timeline: list[tickets.TimelineEntry]
    actions: frozenset[str]  # ticket steps: accept, dispatch, supervise, answer_supervision
    masked: bool = False

    @property
    def status_label(self) -> str:
        return "待决定受理" if _needs_acceptance(self.hotline, self.category, self.status) else Status.label_of(self.status)

    def assignment(self, assignment_id: int | None) -> AssignmentView | None:
        return next((a for a in self.assignments if a.id == assignment_id), None)


# Who may take each step (the services check the same permissions).
ACTION_RIGHTS: dict[str, Permission] = {
    "accept": Permission.DISPATCH, "dispatch": Permission.DISPATCH, "sign_off": Permission.DISPATCH,
    "return": Permission.DISPATCH, "progress": Permission.DISPATCH, "extension": Permission.DISPATCH,
    "feedback": Permission.DISPATCH, "decide_return": Permission.DISPATCH, "review_feedback": Permission.DISPATCH,
    "decide_extension": Permission.EXTENSION_DECIDE, "supervise": Permission.SUPERVISE,
    "answer_supervision": Permission.SUPERVISE,
}


def _allowed(actor: Actor, steps: dict[str, bool]) -> frozenset[str]:
    return frozenset(name for name, ok in steps.items() if ok and actor.can(ACTION_RIGHTS[name]))


def assignment_actions(actor: Actor, status: str, waiting_extension: bool) -> frozenset[str]:
    """The steps core.dispatch.sending / core.dispatch.handling accept for an assignment in ``status``, for this user."""
    live = status in (AssignmentStatus.DISPATCHED.value, AssignmentStatus.SIGNED.value)
    return _allowed(actor, {
        "sign_off": status == AssignmentStatus.DISPATCHED.value,
        "return": live,
        "progress": live,
        "extension": live and not waiting_extension,
        "feedback": status == AssignmentStatus.SIGNED.value,
        "decide_return": status == AssignmentStatus.RETURN_ASKED.value,
        "review_feedback": status == AssignmentStatus.FEEDBACK.value,
        "decide_extension": waiting_extension,
    })


def ticket_actions(actor: Actor, hotline: str, category: str, status: str) -> frozenset[str]:
    accepting = _needs_acceptance(hotline, category, status)
    return _allowed(actor, {
        "accept": accepting,
        "dispatch": status in DISPATCHABLE and not accepting,
        "supervise": status not in supervision.CLOSED,
        "answer_supervision": True,  # on a supervision not answered yet
    })


def feedback_lines(raw: str) -> tuple[str, list[tuple[str, str]]]:
    content = tickets.stored_object(raw)
    result = tickets.stored_text(content.get("result"))
    labels = FEEDBACK_ELEMENTS.get(result, {})
    elements = content.get("elements")
    lines = [(labels.get(k, k), tickets.stored_text(v)) for k, v in (elements if isinstance(elements, dict) else {}).items()]
    if tickets.stored_text(content.get("received_via")):
        lines.append(("反馈方式", content["received_via"]))
    return (FeedbackResult.label_of(result) if result else ""), lines


def handling_of(actor: Actor, ticket_id: int, now: dt.datetime | None = None) -> Handling:
    """Everything the panel shows for one ticket; the caller masked as tickets.detail masks it."""
    now, conf = clock.to_local(now or clock.now()), reminders.settings()
    detail = tickets.detail(actor, ticket_id)  # rights, masking and the timeline
    fields = dict(detail.fields)
    with storage_errors():
        conn = raw_connection()
        t = conn.execute("SELECT hotline, category, status, urgency, emergency_type, title, received_at, topic_id "
                         "FROM ticket WHERE id = ?", (ticket_id,)).fetchone()
        if t is None:
            raise NotFound("工单不存在。")
        hotline, category, status, urgency, emergency, title, received_at, topic_id = t
        clocks: dict[int | None, dict[str, DueMark]] = {}
        for aid, stage, started, due_at, provisional, met_at, cancelled in conn.execute(
                "SELECT assignment_id, stage, started_at, due_at, provisional, met_at, cancelled FROM deadline "
                "WHERE ticket_id = ? ORDER BY id", (ticket_id,)):
            # The newest clock of a stage stands (a re-handling restarts it).
            clocks.setdefault(aid, {})[stage] = due_mark(stage, started, due_at, provisional, now, conf, met_at, cancelled)
        extensions: dict[int, list[ExtensionView]] = {}
        for row in conn.execute(
                "SELECT e.id, e.assignment_id, e.reason, e.requested_due, e.asked_at, e.decision, e.decided_at, "
                "e.decision_note FROM extension_request e JOIN assignment a ON a.id = e.assignment_id "
                "WHERE a.ticket_id = ? ORDER BY e.asked_at, e.id", (ticket_id,)):
            eid, aid, reason, until, asked, decision, decided, note = row
            extensions.setdefault(aid, []).append(
                ExtensionView(eid, reason, until, clock.display(asked), decision, clock.display(decided), note))
        reasons = dict(conn.execute(
            "SELECT json_extract(data, '$.unit'), json_extract(data, '$.reason') FROM ticket_event "
            "WHERE ticket_id = ? AND kind = 'return_asked' AND json_valid(data) ORDER BY at, id", (ticket_id,)).fetchall())
        views = []
        for row in conn.execute(
                "SELECT a.id, a.unit_id, u.name, a.role, a.status, a.dispatched_at, a.method, a.opinion, a.signed_at, "
                "a.signed_by, a.feedback_at, a.feedback, u.uid FROM assignment a JOIN unit u ON u.id = a.unit_id "
                "WHERE a.ticket_id = ? ORDER BY a.id", (ticket_id,)):
            aid, unit_id, unit, role, a_status, dispatched, method, opinion, signed, signed_by, fed_at, fed, uid = row
            result, lines = feedback_lines(fed) if fed_at else ("", [])
            own = extensions.get(aid, [])
            waiting = any(not e.decision for e in own)
            views.append(AssignmentView(
                aid, unit_id, unit, role, a_status, clock.display(dispatched), DispatchMethod.label_of(method), opinion,
                clock.display(signed), signed_by, clock.display(fed_at), result, lines,
                clocks.get(aid, {}).get(Stage.SIGN_OFF.value), clocks.get(aid, {}).get(Stage.FEEDBACK.value),
                own, assignment_actions(actor, a_status, waiting), tickets.stored_text(reasons.get(uid))))
        views.sort(key=lambda v: (v.role != AssignmentRole.LEAD.value, v.status == AssignmentStatus.WITHDRAWN.value))
        supervisions = supervision.supervisions_of(ticket_id)
        topic = topics.topic_path(topic_id)
    return Handling(
        ticket_id, detail.number, status, hotline, category, urgency == Urgency.URGENT.value,
        _urgency(urgency, emergency), title, detail.content, clock.display(received_at), topic,
        " ".join(x for x in (fields.get("来电人", ""), fields.get("来电号码", "")) if x), fields.get("发生地址", ""),
        [m for m in clocks.get(None, {}).values() if not m.met_at], views, supervisions, detail.timeline,
        ticket_actions(actor, hotline, category, status), detail.masked)


# ---------------------------------------------------------------- what a dispatch would start

@dataclass(frozen=True)
class UnitChoice:
    id: int
    label: str  # the name, or its path where two units share a name
    keys: str  # matters and keywords, so a picker finds 城管 by 占道经营


@dataclass(frozen=True)
class DispatchContext:
    ticket_id: int
    number: str
    title: str
    hotline: str
    category: str
    topic: str
    urgent: bool
    urgency: str
    asks_police: bool  # 12345 5.2.2.1.4: whether the police were told must be recorded
    asks_emergency_mgmt: bool
    complex: bool
    suggestions: list[units.Suggestion]
    units: list[UnitChoice]
    opinion: str  # 转办意见 to start from


def unit_choices() -> list[UnitChoice]:
    nodes = units.unit_tree()
    names = [n.name for n in nodes]
    return [UnitChoice(n.id, n.name if names.count(n.name) == 1 else n.path, " ".join(n.matters + n.keywords))
            for n in nodes]


def default_opinion(hotline: str, category: str, title: str) -> str:
    if category == Category.CONSULT.value:
        ask = "请核实后答复诉求人"
    elif category == Category.SUGGESTION.value:
        ask = "请研究办理，并告知诉求人已收到建议"
    else:
        ask = "请依职责核实处理，并将办理情况告知诉求人"
    title = title.strip().rstrip("。.！!？?…；;，,")
    return f"现将诉求人反映的“{title}”问题转你单位，{ask}，于反馈时限前将办理结果反馈{hotline}热线。"


def dispatch_context(actor: Actor, ticket_id: int) -> DispatchContext:
    """The ticket as the 派单 dialog needs it, with the units suggest_units proposes."""
    require(actor, Permission.DISPATCH)
    with storage_errors():
        t = existing(Ticket, ticket_id, "工单不存在。")
        topic = topics.topic_path(t.topic_id)
        suggestions = units.suggest_units(t.category, topic, f"{t.title}\n{t.content}\n{t.address}\n{t.reported_unit}")
        choices = unit_choices()
    return DispatchContext(
        t.id, t.number, t.title, t.hotline, t.category, topic, t.urgency == Urgency.URGENT.value,
        _urgency(t.urgency, t.emergency_type), t.emergency_type in POLICE_TYPES, t.emergency_type in EMERGENCY_MGMT_TYPES,
        bool(t.complex), suggestions, choices, default_opinion(t.hotline, t.category, t.title))


@dataclass(frozen=True)
class PreviewLine:
    stage: str
    due_at: str  # stored; '' when no rule times this stage
    provisional: bool
    rule: str  # how it was computed, with the clause

    @property
    def stage_label(self) -> str:
        return Stage.label_of(self.stage)


def preview_deadlines(ticket_id: int, at: dt.datetime, complex_matter: bool,
                      feedback_due: dt.date | None = None) -> list[PreviewLine]:
    """The sign-off and feedback deadlines a dispatch at ``at`` would start (core.deadlines.clocks.preview)."""
    with storage_errors():
        t = existing(Ticket, ticket_id, "工单不存在。")
        at = clock.to_local(at)
        facts = replace(deadlines.facts_of(t, at), complex=complex_matter)
        profile = deadlines.profile_for(t.hotline)
        out = []
        for stage in deadline_rules.UNIT_STAGES:
            if stage == Stage.FEEDBACK.value and feedback_due is not None:
                out.append(PreviewLine(stage, clock.stamp(deadlines.end_of(feedback_due)), False, "按指定的办理时限"))
                continue
            found = deadlines.preview(profile, stage, facts, at)
            if found is None:
                out.append(PreviewLine(stage, "", False, f"“{profile}”时限规则未规定此环节"))
            else:
                out.append(PreviewLine(stage, clock.stamp(found.due.at), found.due.provisional,
                                       f"{found.rule.span}，{found.rule.clause}"))
    return out
