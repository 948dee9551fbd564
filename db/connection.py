"""The one SQLite file of a center, opened through APSW (calibre/db/backend.py style)."""
from __future__ import annotations

import logging
import os
from pathlib import Path

import apsw
from playhouse.apsw_ext import APSWDatabase

from db import search

log = logging.getLogger("hotline.db")

class CenterDatabase(APSWDatabase):
    """peewee's APSW database, with the Chinese search tokenizer on every connection.

    Triggers keep the search index current on every write, so any connection
    that writes tickets must know the tokenizer, whichever thread opened it.
    """

    def _add_conn_hooks(self, conn: apsw.Connection) -> None:
        super()._add_conn_hooks(conn)
        search.register(conn)


# Late-initialised (peewee's documented pattern): models bind to this object and
# ``open_database`` points it at a file.
database = CenterDatabase(None)

BUSY_TIMEOUT_SECONDS = 5.0

# journal_mode=WAL lets the list read while the single writer writes.
# synchronous=FULL: in WAL mode NORMAL may lose the last committed transactions
# on a power cut (the WAL is not fsynced at each commit); FULL syncs the WAL on
# every commit, so a ticket the operator saw saved is still there after the
# power comes back. Registration is a handful of writes a minute, so the extra
# fsync costs nothing a person can notice (see bench/ for the figure).
# journal_size_limit: after a checkpoint has copied the log back, the next write cuts the
# file down to this size; without it the -wal file stays as large as the largest transaction
# ever written (a province's import) and every later read and write pays for its index.
WAL_LIMIT_BYTES = 64 * 1024 * 1024
PRAGMAS = (
    ("journal_mode", "wal"),
    ("synchronous", "full"),
    ("foreign_keys", 1),
    ("cache_size", -32_000),  # 32 MB page cache per connection
    ("temp_store", "memory"),
    ("journal_size_limit", WAL_LIMIT_BYTES),
)


def open_database(path: str | os.PathLike[str]) -> APSWDatabase:
    """Point the shared database at ``path`` (created if missing) and connect."""
    if not database.is_closed():
        database.close()
    target = Path(path)
    if str(target) != ":memory:":
        target.parent.mkdir(parents=True, exist_ok=True)
    database.init(str(target), pragmas=list(PRAGMAS), timeout=BUSY_TIMEOUT_SECONDS)
    database.connect(reuse_if_open=True)
    log.info("opened database")
    return database


def checkpoint(truncate: bool = True) -> bool:
    """Copy the write-ahead log back into the database file; with ``truncate`` (nobody else
    reading: the end of a command, of the program) also empty the -wal file. True when the
    whole log was copied; False when a reader still holds part of it (it is copied later)."""
    if database.database is None or database.is_closed():
        return True
    mode = "TRUNCATE" if truncate else "PASSIVE"
    busy, log_frames, copied = database.connection().execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
    if busy or copied < log_frames:
        log.info("checkpoint %s incomplete: %d of %d frames", mode, copied, log_frames)
        return False
    return True


def close_database(checkpoint_first: bool = True) -> None:
    """Checkpoint and close this thread's connection: a command or the program that ends
    leaves the database in one file, its log emptied (an unclosed connection left a province's
    -wal file at 10 GB after ten imports). A file found damaged is closed as it is
    (``checkpoint_first`` False): copying its log into it could spread the damage, and the
    log is part of what whoever repairs it needs. SQLite's own checkpoint on the last close is
    turned off as well then."""
    if database.database is None or database.is_closed():
        return
    if checkpoint_first:
        try:
            checkpoint(truncate=True)
        except apsw.Error as exc:  # a read-only file: closing must still happen
            log.warning("checkpoint at close failed: %s", exc)
    else:
        try:
            database.connection().config(apsw.SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1)
        except apsw.Error as exc:
            log.warning("could not turn off the checkpoint on close: %s", exc)
    database.close()


def close_thread_connection() -> None:
    """Close the calling thread's connection, no checkpoint: a helper thread that is done."""
    if database.database is not None and not database.is_closed():
        database.close()


def connect(path: str | os.PathLike[str], **kwargs: object) -> apsw.Connection:
    """A plain APSW connection outside peewee (tools, tests) that can use the search index."""
    conn = apsw.Connection(str(path), **kwargs)  # type: ignore[arg-type]
    search.register(conn)
    return conn


def raw_connection() -> apsw.Connection:
    """The APSW connection of this thread, for bulk work peewee would slow down."""
    return database.connection()
