"""工单改号: a district restored from a backup has reissued ticket numbers the province holds.

After a restore the day's counter is back where the backup left it, so new tickets take
numbers the lost ones had already carried to the province. The province keeps such a
ticket (never refuses it: it is a real call), marks its number as clashing and names it in
its receipt, with the highest sequence it holds for that district on that day. Here the
district moves that day's counter past both its own last number and the province's, gives
each clashing ticket it still holds the next number of its day, raises its rev and puts
the change on the ticket's timeline; the next batch carries the new number, and the
province clears the mark.

When the lost batch reaches the province after the restored one's, the genuine lost ticket
is the one flagged and named; the district no longer holds it, so it renumbers its own
ticket that has the number instead, and the province clears the lost ticket's mark once it
alone holds the number (sync.importer). Every clash ends, whichever ticket was flagged.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from core import clock
from core.center.profile import current_center
from core.errors import Conflict
from core.tickets.registration import next_number
from core.tickets.timeline import add_event, touch
from core.roles import Actor, Permission
from core.service import write
from core.vocab import EventKind
from db import bulk
from db.connection import raw_connection
from db.models import Ticket


@dataclass(frozen=True)
class Clash:
    """What a receipt says of one ticket: its uid, the number found taken, the province's last sequence that day."""

    uid: str
    number: str
    highest: int

    @property
    def day(self) -> str:
        return self.number.split("-")[1]


# A ticket number's sequence has 4 to 7 digits (the province's check, sync.field_checks.ticket_number):
# a renumbering past MAX_SEQUENCE would make a number the province refuses for good. A receipt's
# ``highest`` above MAX_HIGHEST — a thousand times any district's busiest day — cannot be a day's
# real count; trusted, it would raise the day's counter to the top of the range and push the next
# numbers to 8 digits. It is ignored, with a warning, and the district's own counter is used.
MAX_SEQUENCE = 9_999_999
MAX_HIGHEST = 999_999


@dataclass(frozen=True)
class Renumbered:
    number: str
    new_number: str


@dataclass
class Renumbering:
    done: list[Renumbered] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _holder(clash: Clash, origin: str) -> Ticket | None:
    """The ticket of this center to renumber for ``clash``: the one named, if it still has that number;
    if this center does not hold the ticket named at all, its own ticket that has the number.

    The second is the lost batch arriving at the province after the restored one's: the genuine
    lost ticket is the one flagged there, this center no longer has it, and only moving its own
    ticket off the number (the province then clears the lost one's mark) ends the clash.
    """
    named = Ticket.get_or_none((Ticket.uid == clash.uid) & (Ticket.origin == origin))
    if named is not None:
        return named if named.number == clash.number else None  # renumbered already: left alone
    return Ticket.get_or_none((Ticket.number == clash.number) & (Ticket.origin == origin))


def renumber(actor: Actor, clashes: list[Clash], permission: Permission = Permission.SYNC_EXPORT) -> Renumbering:
    """Give every clashing ticket this center holds under the number named a new one; one write, audited.

    A ticket already renumbered (a receipt seen again, or a later one naming it once more) is
    left alone: its number is no longer the one named.
    """
    out = Renumbering()
    done = out.done
    if not clashes:
        return out
    now = clock.now()
    with write(actor, permission, "ticket_renumber", "ticket") as tx:
        center = current_center()
        if center is None or center.is_province:
            raise Conflict("只有区县中心为自己的工单改号。")
        held = [(clash, ticket) for clash in clashes if (ticket := _holder(clash, center.code)) is not None]
        held = list({ticket.id: (clash, ticket) for clash, ticket in held}.values())  # once, if named twice
        conn = raw_connection()
        highest: dict[str, int] = {}
        for clash, _ticket in held:
            top = clash.highest
            if top > MAX_HIGHEST:
                out.warnings.append(f"回执所记省级中心 {clash.day} 当天的最大序号 {top:,} 不合理（超过 {MAX_HIGHEST:,}），"
                                    f"已忽略，工单 {clash.number} 按本中心自己的编号改号")
                top = 0
            highest[clash.day] = max(highest.get(clash.day, 0), top)
        bulk.raise_counters(conn, {day: max(top, bulk.last_ticket_sequence(conn, day, f"{center.code}-{day}-"))
                                   for day, top in highest.items()})
        for clash, ticket in held:
            if bulk.last_ticket_sequence(conn, clash.day, f"{center.code}-{clash.day}-") >= MAX_SEQUENCE:
                out.warnings.append(f"工单 {clash.number} 未改号：{clash.day} 当天的编号已用到 {MAX_SEQUENCE:,}，"
                                    "再改号会超出工单编号的格式（序号最多 7 位），请与省级中心联系")
                continue
            new = next_number(center.code, dt.datetime.strptime(clash.day, "%Y%m%d").date())
            touch(ticket, now, number=new)
            add_event(ticket.id, center.code, EventKind.RENUMBERED, actor,
                      f"工单改号：{clash.number} → {new}。省级中心发现原编号已被本中心的另一张工单使用"
                      "（本中心可能从备份恢复后重复使用了编号）", {"old": clash.number, "new": new}, at=clock.stamp(now))
            done.append(Renumbered(clash.number, new))
        tx.detail = {"renumbered": [[r.number, r.new_number] for r in done], "warnings": out.warnings}
    return out
