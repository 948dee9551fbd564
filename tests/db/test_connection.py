"""db.connection: the one SQLite file of a center, opened through APSW with its pragmas.

DESIGN "Data": WAL, foreign keys, a busy timeout, and a ``synchronous`` level chosen
so that a committed ticket survives a power cut (in WAL mode that is FULL, not NORMAL).
"""
from __future__ import annotations

import apsw
import pytest

from db import connection


@pytest.fixture
def opened(db_path):
    connection.open_database(db_path)
    yield connection.raw_connection()
    connection.close_database()


def _pragma(conn: apsw.Connection, name: str):
    return conn.execute(f"PRAGMA {name}").fetchone()[0]


def test_open_database_creates_the_file_and_missing_parent_folders(tmp_path):
    target = tmp_path / "new" / "deeper" / "center.db"
    try:
        connection.open_database(target)
        assert not connection.database.is_closed()
        assert target.exists()
    finally:
        connection.close_database()


def test_journal_mode_is_wal(opened):
    assert _pragma(opened, "journal_mode") == "wal"


def test_foreign_keys_are_enforced(opened):
    assert _pragma(opened, "foreign_keys") == 1
    opened.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    opened.execute("CREATE TABLE child (parent_id INTEGER REFERENCES parent(id))")
    with pytest.raises(apsw.ConstraintError):
        opened.execute("INSERT INTO child VALUES (42)")


def test_synchronous_is_full_so_a_commit_survives_a_power_cut(opened):
    # 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA. NORMAL in WAL mode may lose the last commits.
    assert _pragma(opened, "synchronous") == 2


def test_busy_timeout_is_the_configured_one(opened):
    assert _pragma(opened, "busy_timeout") == int(connection.BUSY_TIMEOUT_SECONDS * 1000)
    assert _pragma(opened, "busy_timeout") > 0


def test_busy_timeout_is_read_when_opening(db_path, monkeypatch):
    monkeypatch.setattr(connection, "BUSY_TIMEOUT_SECONDS", 0.25)
    connection.open_database(db_path)
    try:
        assert _pragma(connection.raw_connection(), "busy_timeout") == 250
    finally:
        connection.close_database()


def test_reopening_switches_to_the_new_file(tmp_path):
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    try:
        connection.open_database(first)
        connection.raw_connection().execute("CREATE TABLE only_in_a (x)")
        connection.open_database(second)
        tables = {r[0] for r in connection.raw_connection().execute("SELECT name FROM sqlite_master")}
        assert "only_in_a" not in tables
        assert connection.database.database == str(second)
    finally:
        connection.close_database()


def test_close_database_is_idempotent(db_path):
    connection.open_database(db_path)
    connection.close_database()
    assert connection.database.is_closed()
    connection.close_database()  # a second close is harmless
    assert connection.database.is_closed()


def test_a_write_is_visible_to_another_connection_after_commit(opened, db_path):
    opened.execute("CREATE TABLE t (x)")
    opened.execute("INSERT INTO t VALUES (1)")
    other = apsw.Connection(str(db_path))
    try:
        assert other.execute("SELECT x FROM t").fetchall() == [(1,)]
    finally:
        other.close()
