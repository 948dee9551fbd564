"""办理: what a unit did after signing, as staff record it, and the center's review.

Progress notes, extension requests (decided by the manager; an approval moves
the feedback deadline), feedback with the elements its result requires
(12345 5.2.2.3.3–5.2.2.3.7) and the review (审核) that closes the ticket or
sends it back for re-handling.
"""
from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field

from core import clock, limits
from core.deadlines import clocks as deadlines
from core.dispatch.sending import lapse_extensions, load_assignment, unit_label
from core.errors import Conflict, ValidationError
from core.tickets.timeline import add_event, load_ticket, not_before, touch, when
from core.roles import Actor, Permission
from core.service import existing, local_origin, write
from core.vocab import AssignmentRole, AssignmentStatus, EventKind, FeedbackResult, Stage, StartEvent, Status
from db.models import Assignment, Deadline, ExtensionRequest

# The elements each result must carry, with the standard's words. 5.2.2.3.3 asks
# every feedback for 主责单位 (the assignment's unit), 办理时间, 办理情况, 反馈情况.
FEEDBACK_ELEMENTS: dict[str, dict[str, str]] = {
    FeedbackResult.RESOLVED.value: {  # 5.2.2.3.7 已解决
        "measures": "主要措施", "caller_told": "反馈情况（如何告知诉求人）"},
    FeedbackResult.UNRESOLVED.value: {  # 5.2.2.3.7 未解决
        "reason": "未解决原因", "next_steps": "下一步工作措施", "planned_on": "落实时间",
        "caller_told": "反馈情况（如何告知诉求人）"},
    FeedbackResult.CANNOT_RESOLVE.value: {  # 5.2.2.3.7 不能解决
        "reason": "不能解决原因或困难", "measures": "有无研究工作措施", "caller_told": "反馈情况（如何告知诉求人）"},
    FeedbackResult.CONSULT_ANSWERED.value: {  # 5.2.2.3.5
        "answer": "答复内容"},
    FeedbackResult.SUGGESTION_FORWARDED.value: {  # 5.2.2.3.6
        "forwarded_to": "转交部门", "caller_told": "反馈情况（已告知诉求人收到建议）"},
    FeedbackResult.UNREASONABLE.value: {  # 5.2.2.3.4
        "reason": "诉求不合理的具体依据", "legal_basis": "相关法律、法规、规章和政策规定",
        "caller_told": "反馈情况（如何告知诉求人）"},
}


@dataclass
class FeedbackInput:
    assignment_id: int
    result: str
    elements: dict[str, str] = field(default_factory=dict)
    handled_at: dt.datetime | None = None  # 办理时间 / 答复时间: when the unit did it
    received_via: str = ""  # how the feedback reached the center (phone, paper, e-mail)


def feedback_problems(data: FeedbackInput) -> dict[str, str]:
    if data.result not in FEEDBACK_ELEMENTS:
        return {"result": "请选择办理结果。"}
    labels = FEEDBACK_ELEMENTS[data.result]
    missing = {key: f"“{FeedbackResult.label_of(data.result)}”的反馈应写明{label}（12345 5.2.2.3）。"
               for key, label in labels.items() if not data.elements.get(key, "").strip()}
    too_long = limits.too_long({key: (labels[key], value, limits.TEXT) for key, value in data.elements.items()
                                if key in labels} | {"received_via": ("反馈方式", data.received_via, limits.LINE)})
    return too_long | missing


def add_progress(actor: Actor, assignment_id: int, note: str, at: dt.datetime | None = None) -> None:
    """办理进展 the unit reported (12345 5.2.2.2.4)."""
    now = clock.now()
    if not note.strip():
        raise ValidationError.single("note", "请填写办理进展。")
    limits.check({"note": ("办理进展", note, limits.TEXT)})
    with write(actor, Permission.DISPATCH, "progress", "assignment") as tx:
        row = _live(assignment_id, "登记进展")
        stamp = when(at, "at", "进展时间", now)
        not_before(stamp, row.dispatched_at, "at", "进展时间", "派单时间")
        add_event(row.ticket_id, row.origin, EventKind.PROGRESS, actor, f"{unit_label(row.unit_id)}：{note.strip()}",
                  {"unit": row.unit.uid}, at=clock.stamp(stamp))
        tx.object_uid = row.uid


def _live(assignment_id: int, doing: str) -> Assignment:
    row = load_assignment(assignment_id)
    if row.status not in (AssignmentStatus.DISPATCHED.value, AssignmentStatus.SIGNED.value):
        raise Conflict(f"“{unit_label(row.unit_id)}”的派单当前为“{AssignmentStatus.label_of(row.status)}”，不能{doing}。")
    return row


def feedback_clock(assignment_id: int) -> Deadline | None:
    return (Deadline.select().where((Deadline.assignment == assignment_id) & (Deadline.stage == Stage.FEEDBACK.value)
                                    & (Deadline.met_at == "")).order_by(Deadline.id.desc()).first())


def ask_extension(actor: Actor, assignment_id: int, reason: str, until: dt.date, at: dt.datetime | None = None) -> int:
    """延期申请 recorded for the manager's decision; returns its id."""
    now = clock.now()
    problems = {}
    if not reason.strip():
        problems["reason"] = "请填写延期理由。"
    problems |= limits.too_long({"reason": ("延期理由", reason, limits.NOTE)})
    if until <= now.date():
        problems["until"] = f"申请延期至 {until:%Y-%m-%d}，不晚于今天，请选择今后的日期。"
    if problems:
        raise ValidationError(problems)
    with write(actor, Permission.DISPATCH, "ask_extension", "assignment") as tx:
        row = _live(assignment_id, "申请延期")
        if ExtensionRequest.select().where((ExtensionRequest.assignment == row.id) & (ExtensionRequest.decision == "")).exists():
            raise Conflict(f"“{unit_label(row.unit_id)}”已有一份延期申请等待审批。")
        current = feedback_clock(row.id)
        if current is not None and deadlines.end_of(until) <= clock.parse_stamp(current.due_at):
            raise ValidationError.single("until", f"申请延期至 {until:%Y-%m-%d}，不晚于现在的反馈时限（{clock.display(current.due_at)}），无需延期。")
        stamp = when(at, "at", "申请时间", now)
        not_before(stamp, row.dispatched_at, "at", "申请时间", "派单时间")
        request = ExtensionRequest.create(
            uid=str(uuid.uuid4()), origin=local_origin(), updated_at=clock.stamp(now), assignment=row.id,
            reason=reason.strip(), requested_due=until.isoformat(), asked_at=clock.stamp(stamp), recorded_by=actor.user_id,
        )
        add_event(row.ticket_id, row.origin, EventKind.EXTENSION_ASKED, actor,
                  f"{unit_label(row.unit_id)}申请延期至 {until:%Y-%m-%d}：{reason.strip()}",
                  {"unit": row.unit.uid, "until": until.isoformat()}, at=clock.stamp(stamp))
        tx.object_uid = request.uid
    return request.id


def decide_extension(actor: Actor, request_id: int, approve: bool, note: str = "") -> None:
    """The manager's decision; an approval moves the unit's feedback deadline."""
    now = clock.now()
    if not approve and not note.strip():
        raise ValidationError.single("note", "不批准延期时，请写明理由。")
    limits.check({"note": ("审批意见", note, limits.NOTE)})
    with write(actor, Permission.EXTENSION_DECIDE, "decide_extension", "extension_request") as tx:
        request = existing(ExtensionRequest, request_id, "这份延期申请不存在。")
        if request.decision:
            raise Conflict("这份延期申请已经审批过了。")
        until = dt.date.fromisoformat(request.requested_due)
        row = request.assignment
        if approve:
            if row.status not in (AssignmentStatus.DISPATCHED.value, AssignmentStatus.SIGNED.value):
                raise Conflict(f"“{unit_label(row.unit_id)}”的派单当前为“{AssignmentStatus.label_of(row.status)}”，无需再批准延期。")
            if until < now.date():
                raise ValidationError.single("until", f"申请延期至 {until:%Y-%m-%d}，这一天已经过去，不能批准；请让承办单位重新申请。")
            current = feedback_clock(row.id)
            if current is not None and deadlines.end_of(until) <= clock.parse_stamp(current.due_at):
                raise ValidationError.single("until", f"申请延期至 {until:%Y-%m-%d}，不晚于现在的反馈时限（{clock.display(current.due_at)}），批准不会延长时限。")
        ExtensionRequest.update(
            decision="approved" if approve else "refused", decided_at=clock.stamp(now), decided_by=actor.user_id,
            decision_note=note.strip(), rev=ExtensionRequest.rev + 1, updated_at=clock.stamp(now),
        ).where(ExtensionRequest.id == request.id).execute()
        if approve:
            current = feedback_clock(row.id)
            if current is not None:
                deadlines.extend(current, deadlines.end_of(until))
            else:  # a profile without a feedback rule: the approved date becomes the clock
                deadlines.set_by_center(row.ticket, Stage.FEEDBACK.value, now, until, row.id)
        verdict = f"批准延期至 {until:%Y-%m-%d}" if approve else "不批准延期"
        add_event(row.ticket_id, row.origin, EventKind.EXTENSION_DECIDED, actor,
                  f"{unit_label(row.unit_id)}：{verdict}" + (f"。{note.strip()}" if note.strip() else ""),
                  {"unit": row.unit.uid, "approved": approve, "until": request.requested_due})
        tx.object_uid = request.uid


def record_feedback(actor: Actor, data: FeedbackInput) -> None:
    """反馈 with the elements its result requires; the lead's feedback puts the ticket up for 审核."""
    now = clock.now()
    problems = feedback_problems(data)
    if problems:
        raise ValidationError(problems)
    with write(actor, Permission.DISPATCH, "feedback", "assignment") as tx:
        row = load_assignment(data.assignment_id)
        name = unit_label(row.unit_id)
        if row.status in (AssignmentStatus.RETURN_ASKED.value, AssignmentStatus.WITHDRAWN.value):
            raise Conflict(f"“{name}”已退单，不能登记它的反馈。")
        if row.status == AssignmentStatus.DISPATCHED.value:
            raise Conflict(f"“{name}”尚未签收，请先登记签收，再登记反馈。")
        if row.status != AssignmentStatus.SIGNED.value:
            raise Conflict(f"“{name}”的派单当前为“{AssignmentStatus.label_of(row.status)}”，不能登记反馈。")
        stamp = when(data.handled_at, "handled_at", "办理时间", now)
        not_before(stamp, row.signed_at, "handled_at", "办理时间", "签收时间")
        rehandling = feedback_clock(row.id)
        if rehandling is not None:
            not_before(stamp, rehandling.started_at, "handled_at", "办理时间", "退回重办的时间")
        elements = {k: v.strip() for k, v in data.elements.items() if k in FEEDBACK_ELEMENTS[data.result] and v.strip()}
        content = {"result": data.result, "elements": elements, "received_via": data.received_via.strip()}
        touch(row, now, status=AssignmentStatus.FEEDBACK.value, feedback=json.dumps(content, ensure_ascii=False),
              feedback_at=clock.stamp(stamp))
        lapse_extensions(row.id, now)
        deadlines.meet(row.ticket_id, (Stage.FEEDBACK.value,), stamp, row.id)
        ticket = load_ticket(row.ticket_id)
        if row.role == AssignmentRole.LEAD.value:
            touch(ticket, now, status=Status.FEEDBACK.value)
            # 12365 6.2.3.2: the center answers the caller within 2 working days of the department's reply.
            deadlines.start_clocks(ticket, StartEvent.UNIT_REPLIED, stamp)
        labels = FEEDBACK_ELEMENTS[data.result]
        text = "；".join(f"{labels[k]}：{v}" for k, v in elements.items())
        add_event(row.ticket_id, row.origin, EventKind.FEEDBACK, actor,
                  f"{name}反馈（{FeedbackResult.label_of(data.result)}）：{text}", {"unit": row.unit.uid, **content},
                  at=clock.stamp(stamp))
        tx.object_uid = row.uid


def review_feedback(actor: Actor, assignment_id: int, approve: bool, note: str = "") -> None:
    """审核: approving the lead's feedback closes the ticket (办结); sending it back
    restarts the unit's feedback clock for re-handling."""
    now = clock.now()
    if not approve and not note.strip():
        raise ValidationError.single("note", "退回重办时，请写明需要补充或重新办理的内容。")
    limits.check({"note": ("审核意见", note, limits.NOTE)})
    with write(actor, Permission.DISPATCH, "review_feedback", "assignment") as tx:
        row = load_assignment(assignment_id)
        name = unit_label(row.unit_id)
        if row.status != AssignmentStatus.FEEDBACK.value:
            raise Conflict(f"“{name}”没有待审核的反馈。")
        ticket = load_ticket(row.ticket_id)
        lead = row.role == AssignmentRole.LEAD.value
        if approve:
            touch(row, now, status=AssignmentStatus.CLOSED.value, closed_at=clock.stamp(now))
            add_event(ticket.id, row.origin, EventKind.FEEDBACK_REVIEWED, actor,
                      f"{name}的反馈审核通过" + (f"：{note.strip()}" if note.strip() else ""), {"unit": row.unit.uid, "approved": True})
            if lead:
                _close(actor, ticket, now)
        else:
            touch(row, now, status=AssignmentStatus.SIGNED.value, feedback_at="", feedback="{}")  # kept in the event
            deadlines.restart(ticket, Stage.FEEDBACK.value, now, row.id)
            if lead:
                deadlines.cancel(ticket.id, (Stage.REPLY.value,), now)
                touch(ticket, now, status=Status.DISPATCHED.value)
            add_event(ticket.id, row.origin, EventKind.FEEDBACK_REVIEWED, actor, f"{name}的反馈退回重办：{note.strip()}",
                      {"unit": row.unit.uid, "approved": False, "note": note.strip()})
        tx.object_uid = row.uid


def _close(actor: Actor, ticket, now: dt.datetime) -> None:
    """办结 (GB/T 33358 10.3): the ticket's clocks are met; co-handling units that never
    fed back are released without being counted on time."""
    others = Assignment.select().where((Assignment.ticket == ticket.id) & Assignment.status.in_(
        (AssignmentStatus.DISPATCHED.value, AssignmentStatus.SIGNED.value, AssignmentStatus.FEEDBACK.value,
         AssignmentStatus.RETURN_ASKED.value)))
    for other in others:
        deadlines.cancel(ticket.id, None, now, other.id)
        lapse_extensions(other.id, now)
        touch(other, now, status=AssignmentStatus.CLOSED.value, closed_at=clock.stamp(now))
    deadlines.meet(ticket.id, None, now)
    touch(ticket, now, status=Status.CLOSED.value)
    add_event(ticket.id, ticket.origin, EventKind.CLOSED, actor, "牵头单位反馈审核通过，办结")
