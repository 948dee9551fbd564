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

_NUMBERISH = re.compile(r"[0-9A-Z][0-9A-Z\-]{3,}")

# Sortable columns the list offers; each is indexed.
SORT_COLUMNS = ("received_at", "number", "status", "category")

LIST_COLUMNS = (
    "id, number, received_at, hotline, channel, status, category, urgency, emergency_type, "
    "caller_name, caller_phone, confidential, title, region_code, repeat_of_id"
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
    sort: str = "received_at"
    descending: bool = True


def _where(query: TicketQuery) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if query.received_from:
        clauses.append("received_at >= ?")
        params.append(query.received_from)
    if query.received_to:
        clauses.append("received_at < ?")
        params.append(query.received_to)
    for column in ("status", "category", "urgency", "channel"):
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
        match = search.match_all(query.text)
        number = query.text.strip().upper()
        options: list[str] = []
        if match:
            options.append("id IN (SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH ?)")
            params.append(match)
        if _NUMBERISH.fullmatch(number):
            options.append("(number >= ? AND number < ?)")
            params += [number, number + "\uffff"]
        clauses.append("(" + " OR ".join(options) + ")" if options else "0")
    return clauses, params


def page(query: TicketQuery, after: tuple[Any, int] | None, limit: int) -> list[tuple]:
    """One page of list rows, ordered by (sort column, id), after the keyset ``after``."""
    if query.sort not in SORT_COLUMNS:
        raise ValueError(f"unsortable column {query.sort!r}")
    clauses, params = _where(query)
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
