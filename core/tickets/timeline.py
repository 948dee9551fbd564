"""The ticket's timeline, which every feature writes on: its events, and changes to travelling records.

Registration, dispatch, handling, supervision, mediation, documents and renumbering all append
events and raise a record's rev the same way, so these live here, below them all (issue 16).
"""
from __future__ import annotations

import datetime as dt
import json
import uuid

from core import clock
from core.errors import Conflict, ValidationError
from core.roles import Actor
from core.service import existing, local_origin, note_ticket
from core.vocab import EventKind
from db.models import Assignment, Ticket, TicketEvent

CLOCK_SKEW = dt.timedelta(minutes=5)  # a time typed "now" on a PC whose clock runs a little fast


def when(value: dt.datetime | None, field_name: str, label: str, now: dt.datetime) -> dt.datetime:
    """A time recorded after the fact: never in the future."""
    if value is None:
        return now
    value = clock.to_local(value).replace(microsecond=0)
    if value > now + CLOCK_SKEW:
        raise ValidationError.single(field_name, f"{label}（{value:%Y-%m-%d %H:%M}）晚于现在，请检查日期和时间。")
    return value


def not_before(value: dt.datetime, earlier: str, field_name: str, label: str, earlier_label: str) -> None:
    if earlier and value < clock.parse_stamp(earlier):
        raise ValidationError.single(
            field_name, f"{label}（{value:%Y-%m-%d %H:%M}）早于{earlier_label}（{clock.display(earlier)}），请检查。")


def load_ticket(ticket_id: int) -> Ticket:
    ticket = existing(Ticket, ticket_id, "工单不存在，可能已被删除或作废。")
    return ticket


def touch(row: Ticket | Assignment, now: dt.datetime, **changes: object) -> None:
    """Change a travelling record: its rev rises so the province takes the new state (DESIGN "Data").

    Only the owning center changes a record: at a province, a district's tickets are read-only
    (its copy would drift from the district's, and the next batch would overwrite it anyway).
    """
    if row.origin != local_origin():
        raise Conflict(f"这张工单属于中心 {row.origin}，由该中心办理；本中心只能查看。")
    model = type(row)
    model.update(rev=model.rev + 1, updated_at=clock.stamp(now), **changes).where(model.id == row.id).execute()
    note_ticket(row.id if isinstance(row, Ticket) else row.ticket_id)


def add_event(
    ticket_id: int, origin: str, kind: EventKind, actor: Actor | None, summary: str, data: dict | None = None, at: str = ""
) -> None:
    """Append an event; callers are inside a write transaction."""
    note_ticket(ticket_id)
    TicketEvent.create(
        uid=str(uuid.uuid4()),
        origin=origin,
        ticket=ticket_id,
        kind=kind.value,
        at=at or clock.stamp(),
        actor=actor.user_id if actor else None,
        summary=summary,
        data=json.dumps(data or {}, ensure_ascii=False),
    )
