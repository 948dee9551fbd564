"""派单: sending a ticket to its handling units, and the units' first answers.

Units do not use the program (DESIGN "Who uses it"): the dispatcher records the
dispatch, the unit's sign-off (签收) and its return (退单), and reviews a return.
Every step checks the order of events (no sign-off before the dispatch, no
second sign-off) and writes the ticket, its clocks and the event in one
transaction.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from core import clock, limits
from core.deadlines import clocks as deadlines
from core.errors import Conflict, ValidationError
from core.tickets.timeline import add_event, load_ticket, not_before, touch, when
from core.roles import Actor, Permission
from core.service import existing, local_origin, write
from core.vocab import (
    AssignmentRole,
    AssignmentStatus,
    Category,
    DispatchMethod,
    EmergencyType,
    EventKind,
    Stage,
    StartEvent,
    Status,
    Urgency,
)
from db.models import Assignment, ExtensionRequest, Ticket, Unit


# 12345 5.2.2.1.4: who must be told, by emergency type.
POLICE_TYPES = (EmergencyType.INSTABILITY.value,)
EMERGENCY_MGMT_TYPES = (EmergencyType.INCIDENT.value, EmergencyType.UTILITIES.value, EmergencyType.EXTREME_WEATHER.value)
# 12365 complaints and reports are accepted (决定受理) before they are transferred.
NEEDS_ACCEPTANCE = (Category.COMPLAINT.value, Category.REPORT.value)
DISPATCHABLE = (Status.PENDING.value, Status.ACCEPTED.value)
LIVE = (AssignmentStatus.DISPATCHED.value, AssignmentStatus.SIGNED.value, AssignmentStatus.RETURN_ASKED.value,
        AssignmentStatus.FEEDBACK.value)


@dataclass
class DispatchInput:
    ticket_id: int
    lead_unit_id: int | None
    co_unit_ids: list[int] = field(default_factory=list)
    opinion: str = ""  # 转办意见 (GB/T 33358 10.2.2 2)
    method: str = DispatchMethod.NOTICE.value
    dispatched_at: dt.datetime | None = None  # None: now
    complex: bool = False  # 复杂疑难 → 15-day feedback (12345 5.2.2.3.2)
    feedback_due: dt.date | None = None  # 办理时限 set by the center instead of the rule (5.2.2.1.3 note)
    phoned_person: str = ""  # 12345 5.2.2.1.4: urgent tickets are phoned through as well
    phoned_at: dt.datetime | None = None
    police_told: bool | None = None
    emergency_told: bool | None = None


@dataclass(frozen=True)
class Dispatched:
    ticket_id: int
    assignment_ids: list[int]


def load_assignment(assignment_id: int) -> Assignment:
    row = existing(Assignment, assignment_id, "这条派单记录不存在。")
    return row


def unit_label(unit_id: int) -> str:
    unit = Unit.get_or_none(Unit.id == unit_id)
    return unit.name if unit else "（单位不存在）"


def _check(data: DispatchInput, ticket: Ticket, now: dt.datetime) -> dt.datetime:
    problems: dict[str, str] = {}
    if data.lead_unit_id is None:
        problems["lead_unit_id"] = "请选择牵头承办单位：派单至少要有一个承办单位（12345 5.2.2.1.3）。"
    elif data.lead_unit_id in data.co_unit_ids:
        problems["co_unit_ids"] = f"“{unit_label(data.lead_unit_id)}”已是牵头单位，不能同时作为协办单位。"
    if len(set(data.co_unit_ids)) != len(data.co_unit_ids):
        problems["co_unit_ids"] = "协办单位有重复，请检查。"
    if not data.opinion.strip():
        problems["opinion"] = "请填写派单意见（转办意见，GB/T 33358 10.2.2）。"
    problems = limits.too_long({"opinion": ("派单意见", data.opinion, limits.NOTE),
                                "phoned_person": ("电话联系的人", data.phoned_person, limits.NAME)}) | problems
    if data.method not in DispatchMethod._value2member_map_:
        problems["method"] = "请选择派单方式。"
    urgent = ticket.urgency == Urgency.URGENT.value
    if urgent and not data.phoned_person.strip():
        problems["phoned_person"] = "紧急诉求派单时应同时电话联系承办单位（12345 5.2.2.1.4），请填写接电话的人。"
    if ticket.emergency_type in POLICE_TYPES and data.police_told is None:
        problems["police_told"] = "不稳定因素的诉求，请注明是否已报公安部门（12345 5.2.2.1.4）。"
    if ticket.emergency_type in EMERGENCY_MGMT_TYPES and data.emergency_told is None:
        problems["emergency_told"] = "该类紧急诉求，请注明是否已报应急管理部门（12345 5.2.2.1.4）。"
    if problems:
        raise ValidationError(problems)
    at = when(data.dispatched_at, "dispatched_at", "派单时间", now)
    not_before(at, ticket.received_at, "dispatched_at", "派单时间", "登记时间")
    # A re-dispatch or a 12365 transfer counts from the return decision or the acceptance.
    current = deadlines.open_clock(ticket.id, Stage.DISPATCH.value)
    if current is not None:
        not_before(at, current.started_at, "dispatched_at", "派单时间", "本次派单时限的起算时间（决定受理或同意退单）")
    if urgent:
        phoned = when(data.phoned_at, "phoned_at", "电话联系时间", now)
        not_before(phoned, ticket.received_at, "phoned_at", "电话联系时间", "登记时间")
    if data.feedback_due is not None and data.feedback_due < at.date():
        raise ValidationError.single(
            "feedback_due", f"办理时限（{data.feedback_due:%Y-%m-%d}）早于派单时间（{at:%Y-%m-%d %H:%M}），请重新选择。")
    return at


def dispatch(actor: Actor, data: DispatchInput) -> Dispatched:
    """派单: a lead unit and any co-handling units, each with its own clocks (12345 5.2.2.1)."""
    now = clock.now()
    with write(actor, Permission.DISPATCH, "dispatch", "ticket") as tx:
        ticket = load_ticket(data.ticket_id)
        if ticket.hotline == "12365" and ticket.category in NEEDS_ACCEPTANCE and ticket.status == Status.PENDING.value:
            raise Conflict(f"工单 {ticket.number} 尚未决定受理：12365 投诉、举报应先决定受理，再移送（6.3.3、6.4.4）。")
        if ticket.status not in DISPATCHABLE:
            raise Conflict(f"工单 {ticket.number} 当前为“{Status.label_of(ticket.status)}”，不能派单。")
        at = _check(data, ticket, now)
        unit_ids = [data.lead_unit_id, *data.co_unit_ids]
        units = {u.id: u for u in Unit.select().where(Unit.id.in_(unit_ids))}
        for unit_id in unit_ids:
            unit = units.get(unit_id)
            if unit is None:
                raise ValidationError.single("lead_unit_id", "所选承办单位不存在，请重新选择。")
            if not unit.active:
                raise ValidationError.single("lead_unit_id", f"“{unit.name}”已停用，不能派单，请选择其他单位。")
        busy = {a.unit_id: a for a in Assignment.select().where(
            (Assignment.ticket == ticket.id) & Assignment.status.in_(LIVE))}
        for unit_id in data.co_unit_ids:
            if unit_id in busy:
                raise Conflict(f"“{units[unit_id].name}”正在办理这张工单，不能重复派单。")
        promoted = busy.get(data.lead_unit_id)
        if promoted is not None and promoted.role == AssignmentRole.LEAD.value:
            raise Conflict(f"“{units[data.lead_unit_id].name}”已是这张工单的牵头单位。")
        origin = local_origin()
        deadlines.meet(ticket.id, (Stage.DISPATCH.value,), at)
        touch(ticket, now, status=Status.DISPATCHED.value, complex=data.complex)
        ticket = load_ticket(ticket.id)
        ids = []
        sent = [(AssignmentRole.LEAD, data.lead_unit_id)] + [(AssignmentRole.CO, u) for u in data.co_unit_ids]
        if promoted is not None:
            # A co-handling unit already at work becomes the lead (12345 5.2.2.2.3); its clocks run on.
            touch(promoted, now, role=AssignmentRole.LEAD.value)
            ids.append(promoted.id)
            sent = sent[1:]
        for role, unit_id in sent:
            row = Assignment.create(
                uid=str(uuid.uuid4()), origin=origin, rev=1, updated_at=clock.stamp(now),
                ticket=ticket.id, unit=unit_id, role=role.value, status=AssignmentStatus.DISPATCHED.value,
                dispatched_at=clock.stamp(at), dispatched_by=actor.user_id, method=data.method,
                opinion=data.opinion.strip(),
            )
            ids.append(row.id)
            deadlines.start_clocks(ticket, StartEvent.DISPATCHED, at, row.id)
            if data.feedback_due is not None:
                deadlines.set_by_center(ticket, Stage.FEEDBACK.value, at, data.feedback_due, row.id)
        names = f"牵头：{units[data.lead_unit_id].name}"
        if data.co_unit_ids:
            names += "；协办：" + "、".join(units[u].name for u in data.co_unit_ids)
        facts = {
            "units": [{"uid": units[u].uid, "name": units[u].name, "role": r}
                      for r, u in [("lead", data.lead_unit_id)] + [("co", u) for u in data.co_unit_ids]],
            "method": data.method, "opinion": data.opinion.strip(), "complex": data.complex,
        }
        summary = f"{names}（{DispatchMethod.label_of(data.method)}）。{data.opinion.strip()}"
        if data.feedback_due is not None:  # 12345 5.2.2.1.3: the dispatch names its 办理时限
            facts["feedback_due"] = data.feedback_due.isoformat()
            summary += f" 办理时限：{data.feedback_due:%Y-%m-%d}。"
        if ticket.urgency == Urgency.URGENT.value:
            phoned = when(data.phoned_at, "phoned_at", "电话联系时间", now)
            facts |= {"phoned_person": data.phoned_person.strip(), "phoned_at": clock.stamp(phoned)}
            summary += f" 已于 {phoned:%H:%M} 电话告知 {data.phoned_person.strip()}。"
        if data.police_told is not None:
            facts["police_told"] = data.police_told
            summary += " 已报公安部门。" if data.police_told else " 未报公安部门。"
        if data.emergency_told is not None:
            facts["emergency_told"] = data.emergency_told
            summary += " 已报应急管理部门。" if data.emergency_told else " 未报应急管理部门。"
        add_event(ticket.id, origin, EventKind.DISPATCHED, actor, summary, facts, at=clock.stamp(at))
        tx.object_uid = ticket.uid
        tx.detail = {"number": ticket.number, "units": len(unit_ids)}
    return Dispatched(ticket.id, ids)


def accept(actor: Actor, ticket_id: int, at: dt.datetime | None = None, note: str = "") -> None:
    """12365 决定受理 (6.3.2.2, 6.4.2.2): starts the transfer and completion clocks."""
    now = clock.now()
    limits.check({"note": ("受理意见", note, limits.NOTE)})
    with write(actor, Permission.DISPATCH, "accept", "ticket") as tx:
        ticket = load_ticket(ticket_id)
        if ticket.hotline != "12365" or ticket.category not in NEEDS_ACCEPTANCE:
            raise Conflict("只有 12365 的投诉、举报需要“决定受理”；其他工单可直接派单。")
        if ticket.status != Status.PENDING.value:
            raise Conflict(f"工单 {ticket.number} 当前为“{Status.label_of(ticket.status)}”，不能再决定受理。")
        stamp = when(at, "accepted_at", "决定受理时间", now)
        not_before(stamp, ticket.received_at, "accepted_at", "决定受理时间", "登记时间")
        deadlines.meet(ticket.id, (Stage.ACCEPT.value,), stamp)
        touch(ticket, now, status=Status.ACCEPTED.value)
        deadlines.start_clocks(load_ticket(ticket.id), StartEvent.ACCEPTED, stamp)
        add_event(ticket.id, ticket.origin, EventKind.ACCEPTED, actor, note.strip() or "决定受理", at=clock.stamp(stamp))
        tx.object_uid = ticket.uid


def sign_off(actor: Actor, assignment_id: int, person: str, at: dt.datetime | None = None) -> None:
    """签收 with the time and the person at the unit (12345 5.2.2.2.1)."""
    now = clock.now()
    if not person.strip():
        raise ValidationError.single("person", "请填写承办单位签收人。")
    limits.check({"person": ("签收人", person, limits.NAME)})
    with write(actor, Permission.DISPATCH, "sign_off", "assignment") as tx:
        row = load_assignment(assignment_id)
        name = unit_label(row.unit_id)
        if row.signed_at:
            raise Conflict(f"“{name}”已于 {clock.display(row.signed_at)} 由 {row.signed_by} 签收，不能重复签收。")
        if row.status != AssignmentStatus.DISPATCHED.value:
            raise Conflict(f"“{name}”的派单当前为“{AssignmentStatus.label_of(row.status)}”，不能签收。")
        stamp = when(at, "signed_at", "签收时间", now)
        not_before(stamp, row.dispatched_at, "signed_at", "签收时间", "派单时间")
        deadlines.meet(row.ticket_id, (Stage.SIGN_OFF.value,), stamp, row.id)
        touch(row, now, status=AssignmentStatus.SIGNED.value, signed_at=clock.stamp(stamp), signed_by=person.strip())
        add_event(row.ticket_id, row.origin, EventKind.SIGNED, actor, f"{name}签收，签收人：{person.strip()}",
                  {"unit": row.unit.uid, "person": person.strip()}, at=clock.stamp(stamp))
        tx.object_uid = row.uid


def ask_return(actor: Actor, assignment_id: int, reason: str, at: dt.datetime | None = None) -> None:
    """退单: the unit says the ticket is not theirs; the dispatcher decides (``decide_return``)."""
    now = clock.now()
    if not reason.strip():
        raise ValidationError.single("reason", "请填写退单理由。")
    limits.check({"reason": ("退单理由", reason, limits.NOTE)})
    with write(actor, Permission.DISPATCH, "ask_return", "assignment") as tx:
        row = load_assignment(assignment_id)
        name = unit_label(row.unit_id)
        if row.status not in (AssignmentStatus.DISPATCHED.value, AssignmentStatus.SIGNED.value):
            raise Conflict(f"“{name}”的派单当前为“{AssignmentStatus.label_of(row.status)}”，不能登记退单。")
        stamp = when(at, "returned_at", "退单时间", now)
        not_before(stamp, row.signed_at or row.dispatched_at, "returned_at", "退单时间",
                   "签收时间" if row.signed_at else "派单时间")
        touch(row, now, status=AssignmentStatus.RETURN_ASKED.value)
        if row.role == AssignmentRole.LEAD.value:
            touch(load_ticket(row.ticket_id), now, status=Status.RETURNED.value)
        add_event(row.ticket_id, row.origin, EventKind.RETURN_ASKED, actor, f"{name}申请退单：{reason.strip()}",
                  {"unit": row.unit.uid, "reason": reason.strip(), "before": row.status}, at=clock.stamp(stamp))
        tx.object_uid = row.uid


def decide_return(actor: Actor, assignment_id: int, accept_it: bool, note: str = "") -> None:
    """Accepted: the unit is out and the ticket waits to be dispatched again, on a fresh
    dispatch clock. Refused: the unit keeps it; its clocks never stopped."""
    now = clock.now()
    if not accept_it and not note.strip():
        raise ValidationError.single("note", "不同意退单时，请写明理由，以便告知承办单位。")
    limits.check({"note": ("审核意见", note, limits.NOTE)})
    with write(actor, Permission.DISPATCH, "decide_return", "assignment") as tx:
        row = load_assignment(assignment_id)
        name = unit_label(row.unit_id)
        if row.status != AssignmentStatus.RETURN_ASKED.value:
            raise Conflict(f"“{name}”没有待审核的退单。")
        ticket = load_ticket(row.ticket_id)
        lead = row.role == AssignmentRole.LEAD.value
        if accept_it:
            deadlines.cancel(ticket.id, None, now, row.id)
            touch(row, now, status=AssignmentStatus.WITHDRAWN.value, closed_at=clock.stamp(now))
            lapse_extensions(row.id, now)
            if lead:
                # Back to where dispatch starts: 12365 complaints and reports stay accepted.
                accepted = ticket.hotline == "12365" and ticket.category in NEEDS_ACCEPTANCE
                touch(ticket, now, status=(Status.ACCEPTED if accepted else Status.PENDING).value)
                deadlines.restart(load_ticket(ticket.id), Stage.DISPATCH.value, now)
            summary = f"同意{name}退单" + ("，待重新派单" if lead else "，其余单位继续办理") + (
                f"：{note.strip()}" if note.strip() else "")
        else:
            before = _status_before_return(row)
            touch(row, now, status=before)
            if lead:
                touch(ticket, now, status=Status.DISPATCHED.value)
            summary = f"不同意{name}退单，仍由其办理：{note.strip()}"
        add_event(ticket.id, row.origin, EventKind.RETURN_DECIDED, actor, summary,
                  {"unit": row.unit.uid, "accepted": accept_it, "note": note.strip()})
        tx.object_uid = row.uid


def lapse_extensions(assignment_id: int, now: dt.datetime) -> None:
    """A request still undecided when the unit is out of it or has answered: nothing left to decide."""
    ExtensionRequest.update(decision="lapsed", decided_at=clock.stamp(now), rev=ExtensionRequest.rev + 1,
                            updated_at=clock.stamp(now)).where(
        (ExtensionRequest.assignment == assignment_id) & (ExtensionRequest.decision == "")).execute()


def _status_before_return(row: Assignment) -> str:
    return AssignmentStatus.SIGNED.value if row.signed_at else AssignmentStatus.DISPATCHED.value
