"""What each document says, read from the database: one context per kind, with
exactly the names of ``forms.catalog`` and nothing left as ``None``.

Masking (12345 5.1.4.1 是否保密): a confidential caller's name, numbers and
address are masked on every paper that leaves the center (dispatch and
supervision notices go to units) and on internal papers for users without the
right to see them. Mediation parties are the people the letter is issued to;
only mediators, who may see identities, issue those letters.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from core import clock
from core.deadlines import clocks as deadlines
from core.mediation import cases as mediation
from core.center.profile import current_center
from core.errors import ValidationError
from core.deadlines.rules import Rule
from core.dispatch.reads import feedback_lines
from core.tickets.reads import stored_object, stored_text
from core.tickets.privacy import mask_name, mask_phone, mask_text
from core.roles import Actor, Permission
from core.service import existing
from core.vocab import (AssignmentRole, AssignmentStatus, Category, Channel, DispatchMethod, EmergencyType,
                        EventKind, MediationOutcome, NotAcceptedReason, PartyKind, RepresentativeRole, Stage,
                        Status, SupervisionKind, Urgency)
from db.models import (Assignment, Deadline, ExtensionRequest, IssuedDocument, Supervision, Ticket, TicketEvent,
                       Topic, Unit, User)
from forms.catalog import SPECS, DocumentKind


class MissingData(ValidationError):
    """The ticket lacks what the form needs; the message says what."""

    title = "缺少出具文书所需的信息"


@dataclass(frozen=True)
class Built:
    context: dict[str, Any]
    masked: bool


def chinese_date(value: dt.date | str) -> str:
    day = clock.parse_stamp(value).date() if isinstance(value, str) else value
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def _user(user_id: int | None) -> str:
    if user_id is None:
        return ""
    user = User.get_or_none(User.id == user_id)
    return user.display_name if user else ""


def _events(ticket_id: int, *kinds: EventKind) -> list[TicketEvent]:
    return list(TicketEvent.select().where((TicketEvent.ticket == ticket_id)
                                           & TicketEvent.kind.in_([k.value for k in kinds]))
                .order_by(TicketEvent.at, TicketEvent.id))


def _missing(kind: DocumentKind, ticket: Ticket, what: str) -> MissingData:
    return MissingData({"ticket": f"工单 {ticket.number} 不能出具{kind.label}：{what}"})


class _Caller:
    """The caller's identity as this paper may show it."""

    def __init__(self, ticket: Ticket, masked: bool) -> None:
        self.masked = masked
        t = ticket
        self.name = mask_name(t.caller_name) if masked else t.caller_name
        self.phone = mask_phone(t.caller_phone) if masked else t.caller_phone
        self.contact = mask_phone(t.caller_contact) if masked else t.caller_contact
        self.address = mask_text(t.caller_address) if masked else t.caller_address
        self.org = mask_text(t.caller_org) if masked else t.caller_org


def _redacted(value: Any, pairs: list[tuple[str, str]]) -> Any:
    """Free text (feedback, event summaries, the content) quoting a masked caller: masked too."""
    if isinstance(value, str):
        for plain, masked in pairs:
            value = value.replace(plain, masked)
        return value
    if isinstance(value, dict):
        return {k: _redacted(v, pairs) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v, pairs) for v in value]
    return value


def _identity_pairs(ticket: Ticket) -> list[tuple[str, str]]:
    """(what the caller is, how a masked paper shows it), longest first so a name inside an
    address is not masked twice; one-character values are too common to replace."""
    t = ticket
    pairs = [(t.caller_name.strip(), mask_name(t.caller_name)), (t.caller_phone.strip(), mask_phone(t.caller_phone)),
             (t.caller_contact.strip(), mask_phone(t.caller_contact)), (t.caller_address.strip(), "（保密）"),
             (t.caller_org.strip(), "（保密）")]
    return sorted({p for p in pairs if len(p[0]) >= 2}, key=lambda p: -len(p[0]))


def _masked(ticket: Ticket, actor: Actor, leaves_center: bool) -> bool:
    return bool(ticket.confidential) and (leaves_center or not actor.can(Permission.TICKET_VIEW_CONFIDENTIAL))


def _common(ticket: Ticket, issued_on: dt.date) -> dict[str, Any]:
    center = current_center()
    return {"center_name": center.name if center else "", "hotline": ticket.hotline, "doc_number": "",
            "issued_on": chinese_date(issued_on), "ticket_number": ticket.number}


def _assignments(ticket_id: int) -> list[Assignment]:
    return list(Assignment.select(Assignment, Unit).join(Unit).where(Assignment.ticket == ticket_id)
                .order_by(Assignment.dispatched_at, Assignment.role.desc(), Assignment.id))


def _units_text(rows: list[Assignment]) -> str:
    live = [a for a in rows if a.status != AssignmentStatus.WITHDRAWN.value]
    return "、".join(f"{a.unit.name}（{AssignmentRole.label_of(a.role)}）" for a in live)


def _transfer_text(rows: list[Assignment]) -> str:
    """移送/转发情况: when and to whom, returns included, one line per dispatch."""
    lines = []
    for a in rows:
        line = f"{clock.display(a.dispatched_at)} {DispatchMethod.label_of(a.method)}派至{a.unit.name}" \
               f"（{AssignmentRole.label_of(a.role)}）"
        if a.signed_at:
            line += f"，{clock.display(a.signed_at)} 签收"
        if a.status == AssignmentStatus.WITHDRAWN.value:
            line += "，已退单"
        lines.append(line)
    return "\n".join(lines)


def _lead_feedback(rows: list[Assignment]) -> str:
    for a in reversed(rows):
        if a.role == AssignmentRole.LEAD.value and a.feedback_at:
            result, lines = feedback_lines(a.feedback)
            body = "；".join(f"{label}：{text}" for label, text in lines)
            return f"{a.unit.name}于 {clock.display(a.feedback_at)} 反馈（{result}）：{body}"
    return ""


def _finish(ticket: Ticket) -> TicketEvent | None:
    """The event that answered the caller: a direct answer, a refusal, or 办结."""
    done = _events(ticket.id, EventKind.DIRECT_ANSWERED, EventKind.NOT_ACCEPTED, EventKind.CLOSED)
    return done[-1] if done else None


def _accepted(ticket: Ticket) -> str:
    if ticket.status == Status.NOT_ACCEPTED.value:
        reason = NotAcceptedReason.label_of(ticket.not_accepted_reason)
        return f"不予受理（{reason}）" if reason else "不予受理"
    return "受理"


def _handling(ticket: Ticket, rows: list[Assignment]) -> str:
    if ticket.status == Status.NOT_ACCEPTED.value:
        return f"已告知：{ticket.referral}" if ticket.referral else ""
    return _lead_feedback(rows) or ticket.reply


def _archive(kind: DocumentKind, ticket: Ticket, actor: Actor, on: dt.date) -> Built:
    expected = {DocumentKind.ARCHIVE_CONSULT: Category.CONSULT, DocumentKind.ARCHIVE_COMPLAINT: Category.COMPLAINT,
                DocumentKind.ARCHIVE_REPORT: Category.REPORT}[kind]
    if ticket.category != expected.value:
        raise _missing(kind, ticket, f"它是“{Category.label_of(ticket.category)}”，不是{expected.label}。")
    finish = _finish(ticket)
    if finish is None or ticket.status not in (Status.CLOSED.value, Status.NOT_ACCEPTED.value):
        raise _missing(kind, ticket, f"工单当前为“{Status.label_of(ticket.status)}”，尚未办结，没有答复时间和答复人员"
                                     f"（12365：审核结案后归档）。")
    masked = _masked(ticket, actor, leaves_center=False)
    caller, rows = _Caller(ticket, masked), _assignments(ticket.id)
    ctx = _common(ticket, on) | {
        "received_at": clock.display(ticket.received_at), "caller_name": caller.name, "caller_org": caller.org,
        "caller_contact": caller.phone if not caller.contact else f"{caller.phone} {caller.contact}".strip(),
        "receiver": _user(ticket.created_by_id), "content": ticket.content, "accepted": _accepted(ticket),
        "replied_at": clock.display(finish.at), "replier": _user(finish.actor_id),
    }
    transfer = _transfer_text(rows) or ("当场答复，未转办" if ticket.status != Status.NOT_ACCEPTED.value else "未转办")
    if kind == DocumentKind.ARCHIVE_CONSULT:
        ctx |= {"forwarding": transfer, "handling": _handling(ticket, rows)}
    elif kind == DocumentKind.ARCHIVE_REPORT:
        ctx |= {"transfer": transfer, "result": _handling(ticket, rows)}
    else:
        ctx |= {"transfer": transfer} | _mediation_summary(ticket) | {"approval": _approval(ticket, finish)}
    return Built(ctx, masked)


def _approval(ticket: Ticket, finish: TicketEvent) -> str:
    """审批情况: who approved the close, when, with what note (12365 6.3.5.2.3)."""
    reviews = _events(ticket.id, EventKind.FEEDBACK_REVIEWED)
    lines = [f"{clock.display(e.at)} {_user(e.actor_id)}：{e.summary}" for e in reviews]
    if finish.kind == EventKind.CLOSED.value:
        lines.append(f"{clock.display(finish.at)} {_user(finish.actor_id)}：{finish.summary}")
    return "\n".join(dict.fromkeys(lines))


def _mediation_summary(ticket: Ticket) -> dict[str, str]:
    cases = [c for c in mediation.cases_of(ticket.id) if not c.is_open]
    if not cases:
        return {"mediated": "否", "mediation": "", "letter_issued": "否"}
    lines = []
    for case in reversed(cases):
        for s in case.sessions:
            lines.append(f"{clock.display(s.at)} 在{s.place}调解（{s.mediators}）：{s.record}")
        outcome = MediationOutcome.label_of(case.outcome)
        lines.append(f"{outcome}：{case.agreement or case.termination_reason}")
    letters = (IssuedDocument.select(IssuedDocument.kind, IssuedDocument.number)
               .where((IssuedDocument.ticket == ticket.id) & IssuedDocument.kind.in_(
                   [DocumentKind.MEDIATION_LETTER.value, DocumentKind.TERMINATION_LETTER.value]))
               .order_by(IssuedDocument.id))
    issued = "、".join(f"{DocumentKind.label_of(d.kind)}（{d.number}）" for d in letters)
    return {"mediated": "是", "mediation": "\n".join(lines), "letter_issued": f"是：{issued}" if issued else "否"}


def _dispatch_event(assignment: Assignment) -> dict[str, Any]:
    """The dispatch event's facts (12345 5.2.2.1.3 办理时限, 5.2.2.1.4 phone and police)."""
    for e in reversed(_events(assignment.ticket_id, EventKind.DISPATCHED)):
        if e.at == assignment.dispatched_at:
            return stored_object(e.data)
    return {}


def _clock(ticket_id: int, stage: Stage, assignment_id: int | None = None, at: str = "") -> Deadline | None:
    """The stage's latest clock, or the latest started by ``at`` (a later restart is not that day's)."""
    query = Deadline.select().where((Deadline.ticket == ticket_id) & (Deadline.stage == stage.value))
    if assignment_id is not None:
        query = query.where(Deadline.assignment == assignment_id)
    if at:
        query = query.where(Deadline.started_at <= at)
    return query.order_by(Deadline.started_at.desc(), Deadline.id.desc()).first()


def _day(value: Any) -> dt.date | None:
    """A date taken out of an event's data; None for anything that is not one."""
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _time(value: Any) -> str:
    """A time taken out of an event's data as people read it; blank for anything that is not one."""
    try:
        return clock.display(value) if isinstance(value, str) else ""
    except (ValueError, OverflowError):
        return ""


def _time_limit(deadline: Deadline | None, facts: dict[str, Any]) -> str:
    """办理时限 as a span, the rule's own words (``7 天``, ``24 小时``, ``15 个工作日``; 12345
    5.2.2.1.3); the due date itself is 截止时间. A limit the center set at dispatch counts
    the days to its date; an approved extension is said."""
    if deadline is None:
        return ""
    start, due = clock.parse_stamp(deadline.started_at), clock.parse_stamp(deadline.due_at)
    rule = _rule_of(deadline)
    given = _day(facts.get("feedback_due"))
    if given is not None:
        span = f"{(given - start.date()).days} 天（中心指定）"
    elif rule is not None:
        span = rule.span
    else:  # a rule no longer in the stored versions: the span the clock was given
        hours = (due - start).total_seconds() / 3600
        span = f"{hours:.0f} 小时" if hours < 48 else f"{(due.date() - start.date()).days} 天"
    if deadline.assignment_id is not None and ExtensionRequest.select().where(
            (ExtensionRequest.assignment == deadline.assignment_id)
            & (ExtensionRequest.decision == "approved")).exists():
        span += "，已批准延期"
    return span + ("（暂定）" if deadline.provisional else "")


def _rule_of(deadline: Deadline) -> Rule | None:
    """The rule the clock was computed with, from the rule set version it keeps."""
    try:
        rules = deadlines.rule_set(deadline.profile, deadline.rules_version).rules
    except ValidationError:
        return None
    return next((r for r in rules if r.key == deadline.rule_key), None)


def _work_order(ticket: Ticket, actor: Actor, on: dt.date) -> Built:
    masked = _masked(ticket, actor, leaves_center=False)
    caller, rows = _Caller(ticket, masked), _assignments(ticket.id)
    first = rows[0] if rows else None
    topic = Topic.get_or_none(Topic.id == ticket.topic_id) if ticket.topic_id else None
    lead = next((a for a in reversed(rows) if a.role == AssignmentRole.LEAD.value
                 and a.status != AssignmentStatus.WITHDRAWN.value), None)
    due = _clock(ticket.id, Stage.FEEDBACK, lead.id) if lead else None
    facts = _dispatch_event(lead) if lead else {}
    progress = _events(ticket.id, EventKind.SIGNED, EventKind.PROGRESS, EventKind.FEEDBACK,
                       EventKind.FEEDBACK_REVIEWED, EventKind.SUPERVISED, EventKind.DIRECT_ANSWERED, EventKind.CLOSED)
    who = _event_units(progress)
    handling_rows = [{"at": clock.display(e.at), "unit": who[e.id], "text": e.summary} for e in progress]
    common = _common(ticket, on)
    ctx = common | {
        "received_at": clock.display(ticket.received_at), "channel": Channel.label_of(ticket.channel),
        "accepting_unit": common["center_name"], "caller_name": caller.name,
        "caller_phone": caller.phone, "caller_contact": caller.contact, "caller_address": caller.address,
        "confidential": "是" if ticket.confidential else "否", "occurred_at": ticket.occurred_at,
        "topic": topic.name if topic else "", "category": Category.label_of(ticket.category),
        "address": ticket.address, "reported_unit": ticket.reported_unit, "title": ticket.title,
        "content": ticket.content, "status": Status.label_of(ticket.status), "urgency": Urgency.label_of(ticket.urgency),
        "dispatcher": _user(first.dispatched_by_id) if first else "",
        "dispatched_at": clock.display(first.dispatched_at) if first else "",
        "dispatch_opinion": first.opinion if first else "",
        "due_at": clock.display(due.due_at) if due else "", "time_limit": _time_limit(due, facts),
        "units": _units_text(rows), "handling": _handling(ticket, rows), "handling_rows": handling_rows,
    }
    return Built(ctx, masked)


def _event_units(events: list[TicketEvent]) -> dict[int, str]:
    """Each event's unit (the staff member for the center's own steps), in two queries, not one an event."""
    uids = {e.id: stored_text(stored_object(e.data).get("unit")) for e in events}
    units = {(u.origin, u.uid): u.name for u in Unit.select(Unit.origin, Unit.uid, Unit.name)
             .where(Unit.uid.in_([u for u in uids.values() if u]))}  # only the event's own center's
    staff = {u.id: u.display_name for u in User.select(User.id, User.display_name)
             .where(User.id.in_({e.actor_id for e in events if e.actor_id}))}
    return {e.id: units.get((e.origin, uids[e.id]), "") if uids[e.id] else staff.get(e.actor_id, "") for e in events}


def _dispatch_notice(ticket: Ticket, assignment_id: int | None, on: dt.date) -> Built:
    rows = _assignments(ticket.id)
    live = [a for a in rows if a.status != AssignmentStatus.WITHDRAWN.value]
    if assignment_id is None:
        lead = next((a for a in reversed(live) if a.role == AssignmentRole.LEAD.value), None)
    else:
        lead = next((a for a in rows if a.id == assignment_id), None)
    if lead is None:
        raise _missing(DocumentKind.DISPATCH_NOTICE, ticket, "工单尚未派单，或承办单位都已退单，没有可通知的承办单位。")
    same = [a for a in live if a.dispatched_at == lead.dispatched_at and a.id != lead.id]
    facts = _dispatch_event(lead)
    due = _clock(ticket.id, Stage.FEEDBACK, lead.id)
    masked = bool(ticket.confidential)  # the notice leaves the center
    caller = _Caller(ticket, masked)
    alerts = []
    if stored_text(facts.get("phoned_person")):
        when = _time(facts.get("phoned_at"))
        alerts.append(f"已于 {when} 电话联系{facts['phoned_person']}" if when else f"已电话联系{facts['phoned_person']}")
    if isinstance(facts.get("police_told"), bool):  # absent or null: not said, so nothing is printed
        alerts.append("已报公安部门" if facts["police_told"] else "未报公安部门")
    if isinstance(facts.get("emergency_told"), bool):
        alerts.append("已通报应急管理部门" if facts["emergency_told"] else "未通报应急管理部门")
    ctx = _common(ticket, on) | {
        "unit": lead.unit.name, "co_units": "、".join(a.unit.name for a in same),
        "received_at": clock.display(ticket.received_at), "channel": Channel.label_of(ticket.channel),
        "category": Category.label_of(ticket.category), "urgency": Urgency.label_of(ticket.urgency),
        "emergency_type": EmergencyType.label_of(ticket.emergency_type), "caller_name": caller.name,
        "caller_phone": caller.phone, "caller_address": caller.address, "address": ticket.address,
        "title": ticket.title, "content": ticket.content, "dispatch_opinion": lead.opinion,
        "method": DispatchMethod.label_of(lead.method), "time_limit": _time_limit(due, facts),
        "due_at": clock.display(due.due_at) if due else "", "dispatcher": _user(lead.dispatched_by_id),
        "dispatched_at": clock.display(lead.dispatched_at), "alerts": "；".join(alerts),
    }
    return Built(ctx, masked)


def _supervision_notice(ticket: Ticket, supervision_id: int | None, on: dt.date) -> Built:
    rows = list(Supervision.select().where(Supervision.ticket == ticket.id).order_by(Supervision.at, Supervision.id))
    chosen = rows[-1] if supervision_id is None and rows else next((s for s in rows if s.id == supervision_id), None)
    if chosen is None:
        raise _missing(DocumentKind.SUPERVISION_NOTICE, ticket, "还没有督办记录，请先在派单督办中登记督办。")
    unit = Unit.get_or_none(Unit.id == chosen.unit_id) if chosen.unit_id else None
    assignment = (Assignment.select().where((Assignment.ticket == ticket.id) & (Assignment.unit == unit.id))
                  .order_by(Assignment.id.desc()).first()) if unit else None
    due = _clock(ticket.id, Stage.FEEDBACK, assignment.id if assignment else None, at=chosen.at)
    overdue = ""
    if due is not None:
        at = clock.parse_stamp(chosen.at)
        end = clock.parse_stamp(due.met_at) if due.met_at else at
        late = min(end, at) - clock.parse_stamp(due.due_at)
        if late.total_seconds() > 0:
            overdue = f"截至督办时已超期 {late.days} 天 {late.seconds // 3600} 小时"
        else:
            overdue = "督办时尚未超期"
    earlier = [{"at": clock.display(s.at), "kind": SupervisionKind.label_of(s.kind), "content": s.content}
               for s in rows if s.at < chosen.at or (s.at == chosen.at and s.id < chosen.id)]
    ctx = _common(ticket, on) | {
        "unit": unit.name if unit else "", "title": ticket.title, "content": ticket.content,
        "dispatched_at": clock.display(assignment.dispatched_at) if assignment else "",
        "due_at": clock.display(due.due_at) if due else "", "overdue": overdue,
        "supervision_kind": SupervisionKind.label_of(chosen.kind), "supervision_content": chosen.content,
        "supervisor": _user(chosen.by_user_id), "supervised_at": clock.display(chosen.at), "earlier": earlier,
    }
    return Built(ctx, False)  # the notice names no caller


def _party(p: mediation.Party) -> dict[str, str]:
    return {"kind": PartyKind.label_of(p.kind), "name": p.name, "gender": p.gender, "id_number": p.id_number,
            "phone": p.phone, "address": p.address, "representative": p.representative,
            "representative_role": RepresentativeRole.label_of(p.representative_role)}


def _mediation_letter(kind: DocumentKind, ticket: Ticket, case_id: int | None, on: dt.date) -> Built:
    cases = mediation.cases_of(ticket.id)
    case = next((c for c in cases if c.id == case_id), None) if case_id else (cases[0] if cases else None)
    if case is None:
        raise _missing(kind, ticket, "还没有调解记录。")
    if case.is_open:
        raise _missing(kind, ticket, "调解尚未结束，请先登记调解结果。")
    success = case.outcome == MediationOutcome.SUCCESS.value
    if kind == DocumentKind.MEDIATION_LETTER and not success:
        raise _missing(kind, ticket, f"调解结果是“{MediationOutcome.label_of(case.outcome)}”，应出具终止调解书。")
    if kind == DocumentKind.TERMINATION_LETTER and success:
        raise _missing(kind, ticket, "调解已成功，应出具调解书。")
    ctx = _common(ticket, on) | {
        "complainants": [_party(p) for p in case.complainants], "respondents": [_party(p) for p in case.respondents],
        "facts": case.facts, "request": case.request,
        "sessions": [{"at": clock.display(s.at), "place": s.place, "mediators": s.mediators, "record": s.record}
                     for s in case.sessions],
        "mediators": "、".join(dict.fromkeys(n for s in case.sessions for n in _names(s.mediators))) or case.mediator,
        "concluded_on": chinese_date(case.concluded_at),
        "agreement": case.agreement, "termination_reason": case.termination_reason,
    }
    return Built(ctx, False)


def _names(text: str) -> list[str]:
    return [n for n in text.replace("，", "、").replace(",", "、").replace(" ", "、").split("、") if n]


def build(kind: DocumentKind, ticket_id: int, actor: Actor, *, on: dt.date | None = None, case_id: int | None = None,
          assignment_id: int | None = None, supervision_id: int | None = None) -> Built:
    """The context for ``kind`` of a ticket; MissingData names what the ticket lacks."""
    ticket = existing(Ticket, ticket_id, "工单不存在。")
    on = on or clock.now().date()
    if kind in (DocumentKind.ARCHIVE_CONSULT, DocumentKind.ARCHIVE_COMPLAINT, DocumentKind.ARCHIVE_REPORT):
        built = _archive(kind, ticket, actor, on)
    elif kind == DocumentKind.WORK_ORDER:
        built = _work_order(ticket, actor, on)
    elif kind == DocumentKind.DISPATCH_NOTICE:
        built = _dispatch_notice(ticket, assignment_id, on)
    elif kind == DocumentKind.SUPERVISION_NOTICE:
        built = _supervision_notice(ticket, supervision_id, on)
    else:
        built = _mediation_letter(kind, ticket, case_id, on)
    names = SPECS[kind].names
    context = {name: built.context.get(name, "") for name in names}  # exactly the catalog, nothing undefined
    leaves_center = kind in (DocumentKind.DISPATCH_NOTICE, DocumentKind.SUPERVISION_NOTICE)
    if ticket.confidential and (built.masked or leaves_center):
        context = _redacted(context, _identity_pairs(ticket))
        return Built(context, True)
    return Built(context, built.masked)
