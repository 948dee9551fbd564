"""What travels: every column of a travelling table is carried or knowingly kept local; schema 7's upgrade."""
from __future__ import annotations

from db import schema
from db.connection import raw_connection
from sync import records


def _columns(table: str) -> set[str]:
    return {row[1] for row in raw_connection().execute(f'PRAGMA table_info("{table}")')}


def test_every_column_is_carried_or_listed_as_local(center_db):
    for kind in records.KINDS:
        carried = set(kind.columns) | set(kind.refs) | records.LOCAL.get(kind.table, set()) | {"id"}
        if kind.owned_via_ticket:
            carried.add("origin")  # none: the ticket's
        assert _columns(kind.table) | ({"origin"} if kind.owned_via_ticket else set()) == carried, kind.name
        for child in kind.children:
            assert _columns(child.table) == set(child.columns) | set(child.refs) | {"id", child.parent_column}


def test_references_point_at_tables_that_travel_before_them(center_db):
    order = [k.table for k in records.KINDS]
    for position, kind in enumerate(records.KINDS):
        for target in kind.refs.values():
            assert target in order[:position + 1], (kind.name, target)


def test_upgrading_to_7_gives_deadlines_uids_and_users_their_center(db_path, monkeypatch):
    from core import store

    with monkeypatch.context() as older:
        older.setattr(schema, "UPGRADES", schema.UPGRADES[:6])
        older.setattr(schema, "SCHEMA_VERSION", 6)
        store.open_center(db_path)
        conn = raw_connection()
        conn.execute("INSERT INTO center (id, code, name, kind, created_at) VALUES (1, '320102', '玄武区', '12345', 'x')")
        conn.execute("INSERT INTO user (uid, username, display_name, password_hash, created_at, updated_at)"
                     " VALUES ('u', 'admin', '管理员', '!', 'x', 'x')")
        conn.execute("INSERT INTO ticket (uid, origin, updated_at, number, channel, status, received_at, title, content,"
                     " category) VALUES ('t', '320102', 'x', '320102-1', 'phone', 'pending', 'x', '标题', '内容', 'consult')")
        for stage in ("accept", "dispatch"):
            conn.execute("INSERT INTO deadline (ticket_id, stage, started_at, due_at, profile, rules_version, rule_key)"
                         " VALUES (1, ?, 'x', 'y', '12345', 1, 'k')", (stage,))
        store.close_center()
    store.open_center(db_path)
    conn = raw_connection()
    uids = [u for (u,) in conn.execute("SELECT uid FROM deadline")]
    assert len(set(uids)) == 2 and all(len(u) == 36 and u[14] == "4" for u in uids)
    assert conn.execute("SELECT origin, rev FROM user").fetchone() == ("320102", 1)
    assert conn.execute("SELECT role FROM center").fetchone() == ("district",)
    conn.execute("UPDATE ticket SET title = '新标题'")
    conn.execute("UPDATE deadline SET notified_level = 2")  # a reminder's level stays local: no new rev
    assert conn.execute("SELECT rev FROM ticket").fetchone() == (2,)
    assert {r for (r,) in conn.execute("SELECT rev FROM deadline")} == {1}
    store.close_center()


def test_the_rev_trigger_leaves_other_centers_rows_alone(center_db):
    """At a province, a district's rows keep the district's rev; the province's own rows get new revs."""
    conn = raw_connection()
    conn.execute("UPDATE topic SET name = name || '（改）' WHERE id = 1")
    assert conn.execute("SELECT rev FROM topic WHERE id = 1").fetchone() == (2,)
    conn.execute("UPDATE center SET role = 'province', code = '320000'")  # the topics are now another center's
    conn.execute("UPDATE topic SET name = name || '（再改）' WHERE id = 1")
    assert conn.execute("SELECT rev FROM topic WHERE id = 1").fetchone() == (2,)
