"""SQL for the ticket list, phone look-up and detail: pages, never everything.

Paging is by keyset: ``(sort column, id)`` after the last row seen, so page
1,000 costs what page 1 does. Every sortable column has an index ending in
the rowid (see ``db.schema``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from db import search
from db.connection import raw_connection
from db.schema import FORMER_NUMBER

_NUMBERISH = re.compile(r"[0-9A-Z][0-9A-Z\-]{3,}")

# Sortable columns the list offers; each is indexed.
SORT_COLUMNS = ("received_at", "number", "status", "category")

LIST_COLUMNS = (
    "id, number, received_at, hotline, channel, status, category, urgency, emergency_type, "
    "caller_name, caller_phone, confidential, title, region_code, repeat_of_id, origin, number_clash"
)


@dataclass
class TicketQuery:
    """Filters as SQL-ready values; None means "any"."""

    received_from: str | None = None  # stored stamp, inclusive
    received_to: str | None = None  # stored stamp, exclusive
    status: str | None = None
    category: str | None = None
    urgency: str | None = None
    channel: str | None = None
    phone_prefix: str | None = None
    text: str | None = None
    origin: str | None = None  # one district's tickets, at the province
    sort: str = "received_at"
    descending: bool = True


# Below this many text matches, the list is read from the search index and
# sorted (a few ms); above it, in the list's order with a membership test, which
# stops after one page. Measured on 1,000,000 tickets (bench/bench_storage.py).
FEW_TEXT_MATCHES = 3_000


def _few(sql: str, params: list[Any]) -> bool:
    capped = f"SELECT count(*) FROM (SELECT 1 FROM {sql} LIMIT ?)"
    return int(raw_connection().execute(capped, [*params, FEW_TEXT_MATCHES]).fetchone()[0]) < FEW_TEXT_MATCHES


def _where(query: TicketQuery, paging: bool = False) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if query.received_from:
        clauses.append("received_at >= ?")
        params.append(query.received_from)
    if query.received_to:
        clauses.append("received_at < ?")
        params.append(query.received_to)
    for column in ("status", "category", "urgency", "channel", "origin"):
        value = getattr(query, column)
        if value:
            clauses.append(f"{column} = ?")
            params.append(value)
    if query.phone_prefix:
        # A range, not LIKE, so the phone index is used.
        clauses.append("caller_phone >= ? AND caller_phone < ?")
        params += [query.phone_prefix, query.phone_prefix + "\uffff"]
    if query.text:
        # Title, content, event address and reported unit through the search
        # index (db.search); a ticket number, whole or its start, through its index.
        number = query.text.strip().upper()
        numberish = bool(_NUMBERISH.fullmatch(number))
        # A ticket number (it has a dash: 320102-20261122-0001) is looked up as a
        # number only; searching the text for its digits would find nothing else.
        match = None if numberish and "-" in number else search.match_all(query.text)
        options: list[str] = []
        if match:
            # SQLite's planner would always look the matches up by rowid and sort
            # them all; "+id" keeps it on the list's order index when matches are many.
            column = "+id" if paging and not _few("ticket_fts WHERE ticket_fts MATCH ?", [match]) else "id"
            options.append(f"{column} IN (SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH ?)")
            params.append(match)
        if numberish:
            bounds = [number, number + "\uffff"]
            column = "+number" if paging and not _few("ticket WHERE number >= ? AND number < ?", bounds) else "number"
            options.append(f"({column} >= ? AND {column} < ?)")
            params += bounds
            # A number a ticket carried before it was renumbered (core.tickets.renumbering): the caller
            # was given that one. Looked up first (a partial index of a few rows), so that the
            # list's own query is the same as ever when, as nearly always, there is none.
            former = [row[0] for row in raw_connection().execute(
                f"SELECT DISTINCT ticket_id FROM ticket_event WHERE kind = 'renumbered'"
                f" AND {FORMER_NUMBER} >= ? AND {FORMER_NUMBER} < ? LIMIT 1000", bounds)]
            if former:
                options.append(f"id IN ({', '.join('?' * len(former))})")
                params += former
        clauses.append("(" + " OR ".join(options) + ")" if options else "0")
    return clauses, params


def page(query: TicketQuery, after: tuple[Any, int] | None, limit: int) -> list[tuple]:
    """One page of list rows, ordered by (sort column, id), after the keyset ``after``."""
    if query.sort not in SORT_COLUMNS:
        raise ValueError(f"unsortable column {query.sort!r}")
    clauses, params = _where(query, paging=True)
    direction = "DESC" if query.descending else "ASC"
    if after is not None:
        op = "<" if query.descending else ">"
        clauses.append(f"({query.sort}, id) {op} (?, ?)")
        params += [after[0], after[1]]
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    sql = (
        f"SELECT {LIST_COLUMNS} FROM ticket {where} "
        f"ORDER BY {query.sort} {direction}, id {direction} LIMIT ?"
    )
    return list(raw_connection().execute(sql, params + [limit]))


def count(query: TicketQuery, cap: int) -> int:
    """How many match, counting at most ``cap`` (a full count of a million rows is slow)."""
    clauses, params = _where(query)
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    sql = f"SELECT count(*) FROM (SELECT 1 FROM ticket {where} LIMIT ?)"
    return int(raw_connection().execute(sql, params + [cap]).fetchone()[0])


def by_phone(phone: str, limit: int) -> list[tuple]:
    """A caller's tickets, open ones first, then newest (repeat-caller panel)."""
    sql = (
        f"SELECT {LIST_COLUMNS} FROM ticket WHERE caller_phone = ? "
        "ORDER BY (status IN ('closed', 'not_accepted')), received_at DESC LIMIT ?"
    )
    return list(raw_connection().execute(sql, (phone, limit)))
