"""Figures across districts, for the provincial center (12345 6.4.1.2 a 诉求总量, d 区域分布;
6.4.1.3 b 不同区域数据进行对比分析).

Counted from the consolidated tickets and their deadlines as the districts'
batches brought them; "now" for overdue is this PC's clock, but the deadlines
themselves were set by each district on its working-day calendar.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from core import clock
from core.center import districts
from core.errors import ValidationError
from core.roles import Actor, Permission
from core.service import require
from core.store import storage_errors
from core.vocab import Category, Status
from db.connection import raw_connection

_FINISHED = (Status.CLOSED.value, Status.NOT_ACCEPTED.value)


@dataclass
class DistrictFigures:
    code: str
    name: str
    received: int = 0
    by_category: dict[str, int] = field(default_factory=lambda: {c.value: 0 for c in Category})
    open: int = 0
    closed: int = 0
    not_accepted: int = 0
    overdue_open: int = 0   # still open with a step past its deadline
    handled_late: int = 0   # a step done after its deadline (a stopped clock is not late: core.deadlines.clocks.cancel)

    @property
    def closed_rate(self) -> float | None:
        return self.closed / self.received if self.received else None

    def add(self, other: DistrictFigures) -> None:
        for name in ("received", "open", "closed", "not_accepted", "overdue_open", "handled_late"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for key, n in other.by_category.items():
            self.by_category[key] = self.by_category.get(key, 0) + n


def by_district(actor: Actor, date_from: dt.date | None = None,
                date_to: dt.date | None = None) -> tuple[list[DistrictFigures], DistrictFigures]:
    """Each district's figures for tickets received in the days given (inclusive), and the total."""
    require(actor, Permission.TICKET_VIEW)
    if date_from and date_to and date_from > date_to:
        raise ValidationError.single("date_to", "受理日期的起始日晚于结束日，请调整。")
    clauses, params = [], []
    if date_from:
        clauses.append("t.received_at >= ?")
        params.append(clock.day_start(date_from))
    if date_to:
        clauses.append("t.received_at < ?")
        params.append(clock.day_end_exclusive(date_to))
    where = " AND ".join(clauses) or "1"
    with storage_errors():
        conn = raw_connection()
        names = districts.names()
        own = conn.execute("SELECT code, name FROM center WHERE id = 1").fetchone()
        if own:
            names.setdefault(own[0], own[1])
        rows: dict[str, DistrictFigures] = {}

        def row(code: str) -> DistrictFigures:
            if code not in rows:
                rows[code] = DistrictFigures(code, names.get(code, code))
            return rows[code]

        for origin, category, status, n in conn.execute(
                f"SELECT t.origin, t.category, t.status, count(*) FROM ticket t WHERE {where} "
                "GROUP BY t.origin, t.category, t.status", params):
            figures = row(origin)
            figures.received += n
            figures.by_category[category] = figures.by_category.get(category, 0) + n
            if status == Status.CLOSED.value:
                figures.closed += n
            elif status == Status.NOT_ACCEPTED.value:
                figures.not_accepted += n
            else:
                figures.open += n
        unfinished = ", ".join(f"'{s}'" for s in _FINISHED)
        for origin, n in conn.execute(
                f"SELECT t.origin, count(DISTINCT t.id) FROM ticket t JOIN deadline d ON d.ticket_id = t.id "
                f"WHERE {where} AND t.status NOT IN ({unfinished}) AND d.met_at = '' AND NOT d.cancelled "
                "AND d.due_at < ? GROUP BY t.origin", [*params, clock.stamp()]):
            row(origin).overdue_open = n
        for origin, n in conn.execute(
                f"SELECT t.origin, count(DISTINCT t.id) FROM ticket t JOIN deadline d ON d.ticket_id = t.id "
                f"WHERE {where} AND d.met_at <> '' AND NOT d.cancelled AND d.met_at > d.due_at GROUP BY t.origin", params):
            row(origin).handled_late = n
    ordered = sorted(rows.values(), key=lambda f: f.code)
    total = DistrictFigures("", "合计")
    for figures in ordered:
        total.add(figures)
    return ordered, total
