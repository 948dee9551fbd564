"""督办 recorded on the ticket (12345 5.2.3 a–f; GB/T 33358 10.2.3 3 "在工单内对督办情况做好记录"),
and the matters raised many times or by many callers (多次反映、集中反映) that call for it.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from core import clock, limits
from core.dispatch.sending import unit_label
from core.errors import Conflict, ValidationError
from core.tickets.timeline import add_event, load_ticket, not_before, touch, when
from core.roles import Actor, Permission
from core.service import existing, local_origin, write
from core.vocab import EventKind, Status, SupervisionKind
from db.connection import raw_connection
from db.models import Assignment, Supervision

CLOSED = (Status.CLOSED.value, Status.NOT_ACCEPTED.value)


@dataclass
class SupervisionInput:
    ticket_id: int
    kind: str
    content: str  # what was done: the call, the document number, the meeting, the visit
    unit_id: int | None = None
    at: dt.datetime | None = None


@dataclass(frozen=True)
class SupervisionRow:
    id: int
    kind: str
    at: str
    by: str
    unit: str
    content: str
    answer: str
    answered_at: str

    @property
    def kind_label(self) -> str:
        return SupervisionKind.label_of(self.kind)


def supervise(actor: Actor, data: SupervisionInput) -> int:
    """Record one supervision action: who, when, which unit, what."""
    now = clock.now()
    problems = {}
    if data.kind not in SupervisionKind._value2member_map_:
        problems["kind"] = "请选择督办方式（系统、文件、会商、现场、联合、监察部门督办）。"
    if not data.content.strip():
        problems["content"] = "请写明督办内容：督办了谁、怎么督办、要求什么。"
    problems |= limits.too_long({"content": ("督办内容", data.content, limits.TEXT)})
    if problems:
        raise ValidationError(problems)
    with write(actor, Permission.SUPERVISE, "supervise", "ticket") as tx:
        ticket = load_ticket(data.ticket_id)
        if ticket.status in CLOSED:
            raise Conflict(f"工单 {ticket.number} 当前为“{Status.label_of(ticket.status)}”，无需督办。")
        if data.unit_id is not None and not Assignment.select().where(
                (Assignment.ticket == ticket.id) & (Assignment.unit == data.unit_id)).exists():
            raise ValidationError.single("unit_id", "所选单位没有承办这张工单，请选择它的承办单位。")
        stamp = when(data.at, "at", "督办时间", now)
        not_before(stamp, ticket.received_at, "at", "督办时间", "受理时间")
        row = Supervision.create(
            uid=str(uuid.uuid4()), origin=local_origin(), updated_at=clock.stamp(now), ticket=ticket.id,
            unit=data.unit_id, kind=data.kind, at=clock.stamp(stamp), by_user=actor.user_id, content=data.content.strip(),
        )
        target = f"（{unit_label(data.unit_id)}）" if data.unit_id else ""
        add_event(ticket.id, ticket.origin, EventKind.SUPERVISED, actor,
                  f"{SupervisionKind.label_of(data.kind)}{target}：{data.content.strip()}",
                  {"supervision": row.uid, "kind": data.kind}, at=clock.stamp(stamp))
        touch(ticket, now)
        tx.object_uid = row.uid
    return row.id


def record_answer(actor: Actor, supervision_id: int, answer: str, at: dt.datetime | None = None) -> None:
    """The unit's answer to a supervision."""
    now = clock.now()
    if not answer.strip():
        raise ValidationError.single("answer", "请填写承办单位对督办的答复。")
    limits.check({"answer": ("督办答复", answer, limits.TEXT)})
    with write(actor, Permission.SUPERVISE, "supervision_answer", "supervision") as tx:
        row = existing(Supervision, supervision_id, "这条督办记录不存在。")
        if row.answer:
            raise Conflict(f"这次督办已于 {clock.display(row.answered_at)} 登记过答复。")
        stamp = when(at, "answered_at", "答复时间", now)
        not_before(stamp, row.at, "answered_at", "答复时间", "督办时间")
        Supervision.update(answer=answer.strip(), answered_at=clock.stamp(stamp), rev=Supervision.rev + 1,
                           updated_at=clock.stamp(now)).where(Supervision.id == row.id).execute()
        add_event(row.ticket_id, row.origin, EventKind.SUPERVISION_ANSWERED, actor,
                  f"{SupervisionKind.label_of(row.kind)}的答复：{answer.strip()}", {"supervision": row.uid},
                  at=clock.stamp(stamp))
        tx.object_uid = row.uid


def supervisions_of(ticket_id: int) -> list[SupervisionRow]:
    rows = raw_connection().execute(
        """
        SELECT s.id, s.kind, s.at, u.display_name, ifnull(n.name, ''), s.content, s.answer, s.answered_at
        FROM supervision s JOIN user u ON u.id = s.by_user LEFT JOIN unit n ON n.id = s.unit_id
        WHERE s.ticket_id = ? ORDER BY s.at, s.id
        """, (ticket_id,))
    return [SupervisionRow(*row) for row in rows]


@dataclass(frozen=True)
class Concentrated:
    """A matter raised many times (多次反映) or by many callers (集中反映)."""

    reason: str
    ticket_ids: list[int]
    callers: int
    first_at: str
    last_at: str
    sample_title: str


def concentrated(now: dt.datetime | None = None, days: int = 30, min_callers: int = 5, min_repeats: int = 3) -> list[Concentrated]:
    """What 12345 5.2.3 lists for supervision besides lateness, found in the last ``days``:

    - one caller's matter registered again and again (repeat tickets pointing at it);
    - many callers on the same subject at the same place: same 问题分类 and the
      same reported business or the same address (its first 12 characters, which
      hold the road and number in Chinese addresses).
    """
    since = clock.stamp((now or clock.now()) - dt.timedelta(days=days))
    conn = raw_connection()
    found: list[Concentrated] = []
    for root, ids, callers, first, last, title in conn.execute(
        """
        SELECT o.id, group_concat(r.id), count(DISTINCT r.caller_phone) , min(r.received_at), max(r.received_at), o.title
        FROM ticket r JOIN ticket o ON o.id = r.repeat_of_id
        WHERE r.received_at >= ?
        GROUP BY o.id HAVING count(*) >= ?
        """, (since, min_repeats)):
        found.append(Concentrated(f"多次反映：同一诉求重复来电 {len(ids.split(','))} 次",
                                  [root, *map(int, ids.split(","))], callers, first, last, title))
    for place, ids, callers, first, last, title in conn.execute(
        """
        SELECT CASE WHEN reported_unit <> '' THEN reported_unit ELSE substr(address, 1, 12) END AS place,
               group_concat(id), count(DISTINCT caller_phone), min(received_at), max(received_at), max(title)
        FROM ticket
        WHERE received_at >= ? AND topic_id IS NOT NULL AND (reported_unit <> '' OR address <> '')
          AND status NOT IN ('not_accepted')
        GROUP BY topic_id, place HAVING count(DISTINCT caller_phone) >= ?
        ORDER BY count(DISTINCT caller_phone) DESC
        """, (since, min_callers)):
        found.append(Concentrated(f"集中反映：{callers} 位来电人反映“{place}”的同类问题",
                                  list(map(int, ids.split(","))), callers, first, last, title))
    return found
