"""Schema 8: the ticket table rebuilt so that numbers are unique per center (issue 15 §2).

SQLite cannot drop an inline UNIQUE; the table is rebuilt inside the upgrade's one exclusive
transaction with foreign keys off around it. Everything that hangs on a ticket must be as it
was: rows and ids, the references to them, the search index and its triggers, the rev
triggers (the ticket's own, and the deadline's, which reads the ticket).
"""
from __future__ import annotations

import apsw
import pytest

from core import store
from db import connection, schema
from core.errors import StorageError
from db.connection import raw_connection
from tests.helpers import file_sha256

pytestmark = pytest.mark.usefixtures("close_center_after")

TICKET = ("INSERT INTO ticket (uid, origin, updated_at, number, channel, status, received_at, title, content, category,"
          " topic_id, created_by) VALUES (?, ?, 'x', ?, 'phone', 'pending', '2026-11-22T09:00:00+08:00', ?, ?, 'consult',"
          " 1, 1)")


def _version_7(path, monkeypatch) -> list[tuple]:
    """A schema-7 center with tickets, events, clocks and a repeat link; returns its ticket rows."""
    with monkeypatch.context() as older:
        older.setattr(schema, "UPGRADES", schema.UPGRADES[:7])
        older.setattr(schema, "SCHEMA_VERSION", 7)
        store.open_center(path)
        conn = raw_connection()
        conn.execute("INSERT INTO center (id, code, name, kind, created_at) VALUES (1, '320102', '玄武区', '12345', 'x')")
        conn.execute("INSERT INTO user (uid, username, display_name, password_hash, created_at, updated_at, origin)"
                     " VALUES ('u', 'admin', '管理员', '!', 'x', 'x', '320102')")
        conn.execute("INSERT INTO topic (uid, name, origin, updated_at) VALUES ('p', '市政', '320102', 'x')")
        for n, title in enumerate(("燃气泄漏", "路灯不亮", "噪声扰民"), 1):
            conn.execute(TICKET, (f"t{n}", "320102", f"320102-20261122-000{n}", title, f"{title}，请尽快处理"))
            conn.execute("INSERT INTO ticket_event (uid, origin, ticket_id, kind, at) VALUES (?, '320102', ?,"
                         " 'registered', 'x')", (f"e{n}", n))
            conn.execute("INSERT INTO deadline (uid, ticket_id, stage, started_at, due_at, profile, rules_version,"
                         " rule_key) VALUES (?, ?, 'dispatch', 'x', 'y', '12345', 0, 'k')", (f"d{n}", n))
        conn.execute("UPDATE ticket SET repeat_of_id = 1 WHERE id = 3")
        rows = list(conn.execute("SELECT * FROM ticket ORDER BY id"))
        store.close_center()
    return rows


def test_rows_references_search_and_triggers_survive_the_rebuild(db_path, monkeypatch):
    before = _version_7(db_path, monkeypatch)
    store.open_center(db_path)
    conn = raw_connection()
    assert schema.schema_version(conn) == schema.SCHEMA_VERSION  # 8, and what came after
    assert [row[:-1] for row in conn.execute("SELECT * FROM ticket ORDER BY id")] == before
    assert {row[-1] for row in conn.execute("SELECT number_clash FROM ticket")} == {0}
    assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
    assert conn.execute("PRAGMA legacy_alter_table").fetchone() == (0,)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("SELECT ticket_id FROM ticket_event WHERE uid = 'e2'").fetchone() == (2,)
    # the search index is the same, and its triggers are back
    found = "SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH ?"
    assert conn.execute(found, ('"路灯"',)).fetchall() == [(2,)]
    conn.execute("UPDATE ticket SET title = '井盖松动', content = '人行道井盖松动' WHERE id = 2")
    assert conn.execute(found, ('"井盖"',)).fetchall() == [(2,)] and conn.execute(found, ('"路灯"',)).fetchall() == []
    # the rev triggers: the ticket's own, and the deadline's that reads the ticket
    assert conn.execute("SELECT rev FROM ticket WHERE id = 2").fetchone() == (2,)
    conn.execute("UPDATE deadline SET due_at = 'z' WHERE uid = 'd1'")
    assert conn.execute("SELECT rev FROM deadline WHERE uid = 'd1'").fetchone() == (2,)
    # references to tickets are enforced again
    with pytest.raises(apsw.ConstraintError):
        conn.execute("INSERT INTO ticket_event (uid, origin, ticket_id, kind, at) VALUES ('bad', '320102', 99, 'x', 'x')")


def test_numbers_are_unique_per_center_and_a_kept_clash_is_allowed(db_path, monkeypatch):
    _version_7(db_path, monkeypatch)
    store.open_center(db_path)
    conn = raw_connection()
    # another center's ticket may carry any number: its own never collide with ours
    conn.execute(TICKET, ("o1", "320104", "320102-20261122-0001", "别处", "别处"))
    with pytest.raises(apsw.ConstraintError, match="origin, ticket.number"):
        conn.execute(TICKET, ("t9", "320102", "320102-20261122-0001", "重号", "重号"))
    conn.execute(TICKET.replace("created_by)", "created_by, number_clash)").replace("1, 1)", "1, 1, 1)"),
                 ("t9", "320102", "320102-20261122-0001", "重号", "重号"))
    assert conn.execute("SELECT count(*) FROM ticket WHERE number = '320102-20261122-0001'").fetchone() == (3,)
    # the number index serves the list's search and each day's last number
    plan = " ".join(r[3] for r in conn.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM ticket WHERE number >= '320102-2026' AND number < '320102-2027'"))
    assert "ticket_number" in plan


def test_a_failure_after_the_rebuild_leaves_the_version_7_file_as_it_was(db_path, monkeypatch):
    _version_7(db_path, monkeypatch)
    connection.close_database()
    digest = file_sha256(db_path)

    def upgrade_9(conn: apsw.Connection) -> None:
        raise RuntimeError("a later step fails")

    monkeypatch.setattr(schema, "UPGRADES", schema.UPGRADES[:8] + [upgrade_9])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 9)
    with pytest.raises(RuntimeError, match="later step"):
        store.open_center(db_path)
    assert file_sha256(db_path) == digest
    conn = apsw.Connection(str(db_path))
    try:
        assert conn.execute("PRAGMA user_version").fetchone() == (7,)
        assert "number TEXT NOT NULL UNIQUE" in conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'ticket'").fetchone()[0]
    finally:
        conn.close()


def test_a_ticket_whose_reference_dangles_stops_the_rebuild_in_chinese_and_changes_nothing(db_path, monkeypatch):
    """The rebuild checks what it wrote (the ticket table's own references, its row count), not
    every row of the file: a province's tens of millions would be read at open for nothing."""
    _version_7(db_path, monkeypatch)
    conn = apsw.Connection(str(db_path))
    conn.execute("PRAGMA foreign_keys = OFF; UPDATE ticket SET topic_id = 99 WHERE id = 2")  # left by hand
    conn.close()
    before = file_sha256(db_path)
    with pytest.raises(StorageError, match="升级到第 8 版时发现问题：工单表第 2 行引用了不存在的 topic 记录") as refused:
        store.open_center(db_path)
    assert "数据库没有改动" in refused.value.message and "技术支持" in refused.value.message
    conn = apsw.Connection(str(db_path))
    try:
        assert conn.execute("PRAGMA user_version").fetchone() == (7,)
        assert conn.execute("SELECT count(*) FROM ticket").fetchone() == (3,)
    finally:
        conn.close()
    assert file_sha256(db_path) == before
