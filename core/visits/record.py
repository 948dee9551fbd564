"""Recording return visits (回访): a call that reached nobody, a refusal, what the caller said; a
manager's correction of a saved score; the dispatcher's decision to have the unit handle it again.

A ticket is due for a visit once its feedback review has closed it (办结, GB/T 33358 10.4.2 "办结后
应及时进行回访"), if the caller agreed to be called back (12345 5.4.2) — core.visits.queue lists them.
Each visit is a *round*: the first after the ticket closes, another after each re-handling (二次办理),
once the unit has answered again and its feedback is reviewed. A round ends as 已回访, 无法联系
(after ``VisitSettings.attempts`` calls that reached nobody) or 拒绝回访.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from core import clock, limits
from core.deadlines import clocks as deadlines
from core.errors import Conflict, ValidationError
from core.roles import Actor, Permission
from core.service import existing, local_origin, write
from core.tickets.timeline import add_event, load_ticket, touch, when
from core.vocab import (AssignmentRole, AssignmentStatus, DissatisfiedWith, EventKind, Satisfaction, Solved,
                        Stage, Status, UnitContacted, VisitStatus)
from db.models import Assignment, ReturnVisit, Setting, Ticket

MAX_ATTEMPTS_KEPT = 20  # failed calls a round keeps (the settings allow at most 10)
DISSATISFIED = ("dissatisfied", "very_dissatisfied")  # 不满意, 非常不满意 (12345 B.4.5: ask about what)


@dataclass(frozen=True)
class VisitSettings:
    """What a manager sets: how soon, how many tries, and which share of tickets is visited."""

    within_days: int = 2  # working days after the ticket closes (the visit's own clock, on the 工作台)
    attempts: int = 3  # calls that reach nobody before the round ends as 无法联系
    share_percent: int = 100  # of the first round of consults, help and suggestions; complaints, reports
    # and re-handled tickets are always visited (12345 5.4.1 "全部或抽样")
    window_days: int = 30  # a ticket closed longer ago leaves the queue unvisited: a visit is 及时 or
    # pointless (GB/T 33358 10.4.2 "回访及时"), and a center upgrading is not handed two years of them

    LABELS = {"within_days": "办结后几个工作日内回访", "attempts": "联系不上几次后记为无法联系",
              "share_percent": "咨询、求助、建议类工单的抽样回访比例（%）",
              "window_days": "办结超过多少天的工单不再列入回访"}
    LIMITS = {"within_days": (1, 30), "attempts": (1, 10), "share_percent": (0, 100), "window_days": (1, 365)}


def settings() -> VisitSettings:
    values = {}
    for name in VisitSettings.LABELS:
        row = Setting.get_or_none(Setting.key == f"visit.{name}")
        if row is not None and row.value.isdigit():
            values[name] = int(row.value)
    return VisitSettings(**values)


def save_settings(actor: Actor, new: VisitSettings) -> None:
    problems = {}
    for name, (low, high) in VisitSettings.LIMITS.items():
        value = getattr(new, name)
        if not isinstance(value, int) or not low <= value <= high:
            problems[name] = f"{VisitSettings.LABELS[name]}应在 {low} 到 {high} 之间，现为“{value}”。"
    if problems:
        raise ValidationError(problems)
    with write(actor, Permission.VISIT_MANAGE, "visit_settings", "setting") as tx:
        for name in VisitSettings.LABELS:
            Setting.replace(key=f"visit.{name}", value=str(getattr(new, name))).execute()
        tx.detail = {n: getattr(new, n) for n in VisitSettings.LABELS}


@dataclass
class VisitInput:
    """What the caller said (12345 5.4.3, B.4.2–B.4.5)."""

    unit_contacted: str = ""  # UnitContacted
    solved: str = ""  # Solved
    satisfaction: str = ""  # Satisfaction
    dissatisfied_with: list[str] = field(default_factory=list)  # DissatisfiedWith, when dissatisfied
    comment: str = ""  # their opinions and suggestions, and "other" dissatisfaction in their words
    at: dt.datetime | None = None


def validate(data: VisitInput) -> None:
    errors: dict[str, str] = {}
    if data.unit_contacted not in UnitContacted._value2member_map_:
        errors["unit_contacted"] = "请选择承办单位是否联系或尝试联系了诉求人。"
    if data.solved not in Solved._value2member_map_:
        errors["solved"] = "请选择问题是否得到解决（解决、部分解决、未解决）。"
    if data.satisfaction not in Satisfaction._value2member_map_:
        errors["satisfaction"] = "请选择满意度（非常满意、满意、基本满意、不满意、非常不满意）。"
    unknown = [d for d in data.dissatisfied_with if d not in DissatisfiedWith._value2member_map_]
    if unknown:
        errors["dissatisfied_with"] = f"不满意的方面“{unknown[0]}”不在可选项中。"
    elif data.satisfaction in DISSATISFIED and not data.dissatisfied_with and not data.comment.strip():
        errors["dissatisfied_with"] = "诉求人不满意时，请勾选对哪方面不满意（办理效率、服务态度、办理结果），或在意见中写明。"
    elif data.satisfaction not in DISSATISFIED and data.dissatisfied_with:
        errors["dissatisfied_with"] = "只有不满意或非常不满意时才记录不满意的方面。"
    if errors:
        raise ValidationError(errors)
    limits.check({"comment": ("回访意见", data.comment, limits.NOTE)})


def current_round(ticket_id: int) -> int:
    """1, plus one for each re-handling decided on an earlier visit."""
    return 1 + ReturnVisit.select().where((ReturnVisit.ticket == ticket_id) & ReturnVisit.rehandled).count()


def _lead(ticket_id: int) -> Assignment | None:
    """The ticket's lead unit now: the latest lead assignment (an earlier one may have been returned)."""
    return (Assignment.select().where((Assignment.ticket == ticket_id) & (Assignment.role == AssignmentRole.LEAD.value))
            .order_by(Assignment.id.desc()).first())


def _visitable(ticket: Ticket) -> None:
    """Refused with the reason unless the ticket may be visited now (see the module's doc)."""
    lead = _lead(ticket.id)
    if ticket.status != Status.CLOSED.value or lead is None or lead.status != AssignmentStatus.CLOSED.value:
        raise Conflict(f"工单 {ticket.number} 还没有办结（承办单位的反馈审核通过后才能回访），当前为“{Status.label_of(ticket.status)}”。")
    if not ticket.visit_consent:
        raise Conflict(f"工单 {ticket.number} 的诉求人登记时不同意回访（12345 5.4.2），不进行回访。")
    if not (ticket.caller_phone or ticket.caller_contact):
        raise Conflict(f"工单 {ticket.number} 没有诉求人的联系电话，无法回访。")


def _open_round(ticket: Ticket, now: dt.datetime) -> ReturnVisit:
    """This round's visit row, made on the first thing recorded about it."""
    round_ = current_round(ticket.id)
    row = ReturnVisit.get_or_none((ReturnVisit.ticket == ticket.id) & (ReturnVisit.round == round_))
    if row is not None:
        if row.status != VisitStatus.DUE.value:
            raise Conflict(f"工单 {ticket.number} 第 {round_} 次回访已结束（{VisitStatus.label_of(row.status)}）。")
        return row
    visit_id = ReturnVisit.insert(uid=str(uuid.uuid4()), origin=local_origin(), updated_at=clock.stamp(now),
                                  ticket=ticket.id, round=round_, status=VisitStatus.DUE.value).execute()
    return ReturnVisit.get_by_id(visit_id)


def _round_text(row: ReturnVisit) -> str:
    return "回访" if row.round == 1 else f"第 {row.round} 次回访（二次办理后）"


@contextlib.contextmanager
def _visit_write(actor: Actor, ticket_id: int, action: str, at: dt.datetime | None,
                 now: dt.datetime) -> Iterator[tuple[Ticket, ReturnVisit, str]]:
    """The write frame of one step of this round: the ticket checked, its round's row, the time."""
    with write(actor, Permission.VISIT, action, "return_visit") as tx:
        ticket = load_ticket(ticket_id)
        _visitable(ticket)
        row = _open_round(ticket, now)
        yield ticket, row, clock.stamp(when(at, "at", "回访时间", now))
        tx.object_uid = row.uid


def record_attempt(actor: Actor, ticket_id: int, note: str = "", at: dt.datetime | None = None) -> str:
    """A call that reached nobody (12345 5.4.1); after ``settings().attempts`` of them the round
    ends as 无法联系. Returns the round's status."""
    now = clock.now()
    limits.check({"note": ("说明", note, limits.NOTE)})
    with _visit_write(actor, ticket_id, "visit.attempt", at, now) as (ticket, row, stamp):
        tries = json.loads(row.attempts) + [{"at": stamp, "note": note.strip()}]
        status = VisitStatus.UNREACHABLE.value if len(tries) >= settings().attempts else VisitStatus.DUE.value
        touch(row, now, attempts=json.dumps(tries[-MAX_ATTEMPTS_KEPT:], ensure_ascii=False), status=status,
              visited_by=actor.user_id)
        ended = "，多次联系不上，记为无法联系" if status == VisitStatus.UNREACHABLE.value else ""
        add_event(ticket.id, ticket.origin, EventKind.VISIT_ATTEMPTED, actor,
                  f"{_round_text(row)}未联系上（第 {len(tries)} 次）{ended}" + (f"：{note.strip()}" if note.strip() else ""),
                  {"round": row.round, "attempt": len(tries), "status": status}, at=stamp)
    return status


def record_refusal(actor: Actor, ticket_id: int, note: str = "", at: dt.datetime | None = None) -> None:
    """The caller declined the visit on the phone (12345 5.4.2): the round ends, nothing is asked."""
    now = clock.now()
    limits.check({"note": ("说明", note, limits.NOTE)})
    with _visit_write(actor, ticket_id, "visit.refused", at, now) as (ticket, row, stamp):
        touch(row, now, status=VisitStatus.REFUSED.value, visited_at=stamp, visited_by=actor.user_id,
              comment=note.strip())
        add_event(ticket.id, ticket.origin, EventKind.VISITED, actor, f"{_round_text(row)}：诉求人不接受回访",
                  {"round": row.round, "status": VisitStatus.REFUSED.value}, at=stamp)


def record_visit(actor: Actor, ticket_id: int, data: VisitInput) -> int:
    """What the caller said; the round ends as 已回访. Returns the visit's id."""
    validate(data)
    now = clock.now()
    with _visit_write(actor, ticket_id, "visit.done", data.at, now) as (ticket, row, stamp):
        touch(row, now, status=VisitStatus.DONE.value, visited_at=stamp, visited_by=actor.user_id,
              unit_contacted=data.unit_contacted, solved=data.solved, satisfaction=data.satisfaction,
              dissatisfied_with=json.dumps(sorted(set(data.dissatisfied_with))), comment=data.comment.strip())
        about = "、".join(DissatisfiedWith.label_of(d) for d in sorted(set(data.dissatisfied_with)))
        summary = (f"{_round_text(row)}：{Satisfaction.label_of(data.satisfaction)}，{Solved.label_of(data.solved)}，"
                   f"承办单位{UnitContacted.label_of(data.unit_contacted)}" + (f"；不满意：{about}" if about else "")
                   + (f"；意见：{data.comment.strip()}" if data.comment.strip() else ""))
        add_event(ticket.id, ticket.origin, EventKind.VISITED, actor, summary[:limits.COMPOSED],
                  {"round": row.round, "status": VisitStatus.DONE.value, "satisfaction": data.satisfaction,
                   "solved": data.solved}, at=stamp)
    return row.id


def correct_score(actor: Actor, visit_id: int, satisfaction: str, reason: str) -> None:
    """A manager changes a saved score, with the reason (the first score stays in ``corrected_from``
    and the timeline keeps both)."""
    if satisfaction not in Satisfaction._value2member_map_:
        raise ValidationError.single("satisfaction", "请选择新的满意度。")
    if not reason.strip():
        raise ValidationError.single("reason", "修改回访评价必须写明理由。")
    limits.check({"reason": ("理由", reason, limits.NOTE)})
    now = clock.now()
    with write(actor, Permission.VISIT_CORRECT, "visit.correct", "return_visit") as tx:
        row = existing(ReturnVisit, visit_id, "这条回访记录不存在。")
        if row.status != VisitStatus.DONE.value:
            raise Conflict("只有已完成的回访才有满意度可改。")
        if satisfaction == row.satisfaction:
            raise Conflict(f"满意度已经是“{Satisfaction.label_of(satisfaction)}”。")
        touch(row, now, satisfaction=satisfaction, corrected_from=row.corrected_from or row.satisfaction,
              correction_reason=reason.strip(), corrected_by=actor.user_id)
        ticket = Ticket.get_by_id(row.ticket_id)
        add_event(ticket.id, ticket.origin, EventKind.VISIT_CORRECTED, actor,
                  f"回访满意度由“{Satisfaction.label_of(row.satisfaction)}”改为“{Satisfaction.label_of(satisfaction)}”："
                  f"{reason.strip()}", {"round": row.round, "from": row.satisfaction, "to": satisfaction})
        tx.object_uid = row.uid


def needs_rehandling(row: ReturnVisit) -> bool:
    """Dissatisfied or unsolved: the dispatcher decides whether the unit handles it again (10.4.2)."""
    return row.status == VisitStatus.DONE.value and not row.rehandled and (
        row.satisfaction in DISSATISFIED or row.solved == Solved.UNSOLVED.value)


def decide_rehandling(actor: Actor, visit_id: int, note: str) -> int:
    """二次办理 (GB/T 33358 10.4.2): back to the lead unit on a fresh feedback clock; the next review
    that closes the ticket brings it back to the visit queue for a second visit. Returns the
    ticket's re-handling count."""
    if not note.strip():
        raise ValidationError.single("note", "请写明需要承办单位重新办理的内容。")
    limits.check({"note": ("二次办理意见", note, limits.NOTE)})
    now = clock.now()
    with write(actor, Permission.DISPATCH, "visit.rehandle", "return_visit") as tx:
        row = existing(ReturnVisit, visit_id, "这条回访记录不存在。")
        if not needs_rehandling(row):
            raise Conflict("只有回访不满意或问题未解决、且尚未安排二次办理的工单才能二次办理。")
        ticket = load_ticket(row.ticket_id)
        lead = _lead(ticket.id)
        if ticket.status != Status.CLOSED.value or lead is None:
            raise Conflict(f"工单 {ticket.number} 当前为“{Status.label_of(ticket.status)}”，不能二次办理。")
        touch(row, now, rehandled=True)
        touch(lead, now, status=AssignmentStatus.SIGNED.value, closed_at="", feedback_at="", feedback="{}")
        touch(ticket, now, status=Status.DISPATCHED.value)
        deadlines.restart(ticket, Stage.FEEDBACK.value, now, lead.id)
        count = current_round(ticket.id) - 1
        add_event(ticket.id, ticket.origin, EventKind.REHANDLING, actor,
                  f"回访{'不满意' if row.satisfaction in DISSATISFIED else '问题未解决'}，第 {count} 次二次办理：{note.strip()}",
                  {"round": row.round, "count": count, "note": note.strip(), "unit": lead.unit.uid})
        tx.object_uid = row.uid
        return count
