"""Bulk writes of ready-made rows (demo fill, large imports): executemany in chunks.

Peewee builds a query object per row, which is fine for one ticket and far too
slow for a million. Here the caller hands over plain tuples in column order;
each chunk is one IMMEDIATE transaction, so an interrupted fill leaves every
finished chunk committed whole and nothing of the unfinished one.
"""
from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence

import apsw

from db.connection import database, raw_connection

log = logging.getLogger("hotline.db.bulk")

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")

# Page cache during a fill, twice the everyday one. Measured on a million-ticket
# fill: 73 s at 32 MB, 68 s at 64 MB, no better at 256 MB (the OS file cache
# serves the random-order uid index pages); so 64 MB, to keep memory modest.
BULK_CACHE_KB = 64_000


def _name(identifier: str) -> str:
    # Table and column names come from code, never from users; checked anyway
    # because they are spliced into SQL text.
    if not _IDENTIFIER.match(identifier):
        raise ValueError(f"not a plain SQL identifier: {identifier!r}")
    return identifier


@contextlib.contextmanager
def bulk_session(cache_kb: int = BULK_CACHE_KB) -> Iterator[apsw.Connection]:
    """This thread's connection with a larger page cache for a bulk fill; restored after.

    ``synchronous`` stays FULL. With one transaction per 20,000-row chunk the
    fsyncs are few: measured on 300,000 tickets, FULL 17.2 s, NORMAL 16.8 s,
    OFF 14.9 s. OFF's 13 % is not worth its risk: in WAL mode it can corrupt
    the file on a power cut, and the fill may run on a center's real database.
    """
    conn = raw_connection()
    cache_size = int(conn.execute("PRAGMA cache_size").fetchone()[0])
    conn.execute(f"PRAGMA cache_size = {-int(cache_kb)}")
    try:
        yield conn
    finally:
        conn.execute(f"PRAGMA cache_size = {cache_size}")
        # Fold the fill into the main file and shrink the WAL back. A reader
        # still on the WAL makes this wait at most the busy timeout, then the
        # WAL simply stays for the next automatic checkpoint.
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        except apsw.BusyError:
            log.info("checkpoint after bulk fill deferred: database busy")


@contextlib.contextmanager
def chunk_transaction() -> Iterator[apsw.Connection]:
    """One chunk: BEGIN IMMEDIATE (the single writer's lock) … COMMIT, or ROLLBACK on error."""
    with database.atomic("IMMEDIATE"):
        yield raw_connection()


def insert_rows(conn: apsw.Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """INSERT every row (a tuple in ``columns`` order); call inside ``chunk_transaction``."""
    names = ", ".join(_name(c) for c in columns)
    marks = ", ".join("?" * len(columns))
    conn.executemany(f"INSERT INTO {_name(table)} ({names}) VALUES ({marks})", rows)


def max_id(conn: apsw.Connection, table: str) -> int:
    """The highest rowid of ``table`` (0 when empty); read inside the write lock."""
    row = conn.execute(f"SELECT max(id) FROM {_name(table)}").fetchone()
    return int(row[0] or 0)


def last_ticket_sequence(conn: apsw.Connection, day: str, number_prefix: str) -> int:
    """The last ticket sequence used on ``day`` (YYYYMMDD), as registration would continue it.

    The counter row if there is one; otherwise the highest number with the
    prefix (tickets imported or synced in without a counter), else 0.
    """
    row = conn.execute("SELECT last FROM ticket_counter WHERE day = ?", (day,)).fetchone()
    counted = int(row[0]) if row else 0
    return max(counted, last_numbered(conn, number_prefix))


def last_numbered(conn: apsw.Connection, number_prefix: str) -> int:
    """The highest sequence of the tickets numbered ``number_prefix…`` (one center's day), else 0."""
    # Longest first: as text, "…-10000" sorts below "…-9999". The range keeps
    # the scan to one day's tickets on the index of number.
    top = conn.execute(
        "SELECT number FROM ticket WHERE number >= ? AND number < ? "
        "ORDER BY length(number) DESC, number DESC LIMIT 1",
        (number_prefix, number_prefix + "\uffff"),
    ).fetchone()
    if top is None:
        return 0
    tail = top[0][len(number_prefix):]
    return int(tail) if tail.isdigit() else 0


def raise_counters(conn: apsw.Connection, last_by_day: Mapping[str, int]) -> None:
    """Move each day's ticket counter up to at least the given sequence."""
    conn.executemany(
        "INSERT INTO ticket_counter (day, last) VALUES (?, ?) "
        "ON CONFLICT (day) DO UPDATE SET last = max(last, excluded.last)",
        sorted(last_by_day.items()),
    )


def database_size(conn: apsw.Connection) -> int:
    """Bytes in the main file (pages × page size), WAL not included."""
    pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
    size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    return pages * size
