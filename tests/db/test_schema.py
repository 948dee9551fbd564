"""db.schema: versions in PRAGMA user_version, ordered upgrades in one exclusive transaction,
and refusal of a database written by a newer program (DESIGN "Data"; STYLE "Do this" 6).
"""
from __future__ import annotations

from pathlib import Path

import apsw
import pytest

from tests.helpers import file_sha256

from core import store
from core.errors import NewerDatabaseError, StorageError
from db import connection, schema
from db.models import ALL_MODELS


pytestmark = pytest.mark.usefixtures("close_center_after")


def _snapshot(path: Path) -> tuple[int, list[tuple]]:
    """user_version and every schema object, read by a separate plain connection."""
    conn = apsw.Connection(str(path))
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        objects = list(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"))
    finally:
        conn.close()
    return version, objects


def _tables(path: Path) -> set[str]:
    return {name for kind, name, _, _ in _snapshot(path)[1] if kind == "table"}


def _made_by_program(path: Path) -> None:
    store.open_center(path)
    store.close_center()


# --- fresh file and up-to-date file -------------------------------------------------------


def test_fresh_file_reaches_schema_version(db_path):
    store.open_center(db_path)
    conn = connection.raw_connection()
    assert schema.schema_version(conn) == schema.SCHEMA_VERSION
    store.close_center()
    version, _ = _snapshot(db_path)
    assert version == schema.SCHEMA_VERSION == len(schema.UPGRADES)


def test_fresh_file_has_a_table_for_every_model(db_path):
    _made_by_program(db_path)
    tables = _tables(db_path)
    for model in ALL_MODELS:
        assert model._meta.table_name in tables, model.__name__


def test_upgrade_reports_the_version_found_before(db_path):
    conn = connection.connect(db_path)  # with the search tokenizer the index needs
    try:
        assert schema.upgrade(conn) == 0
        assert schema.schema_version(conn) == schema.SCHEMA_VERSION
        # Already current: nothing to do, the found version is the current one.
        assert schema.upgrade(conn) == schema.SCHEMA_VERSION
    finally:
        conn.close()


def test_reopening_an_up_to_date_file_changes_nothing(db_path):
    _made_by_program(db_path)
    before = _snapshot(db_path)
    digest = file_sha256(db_path)
    _made_by_program(db_path)
    assert _snapshot(db_path) == before
    assert file_sha256(db_path) == digest


def test_upgrade_runs_every_pending_step_in_order(db_path, monkeypatch):
    seen: list[int] = []

    def upgrade_2(conn: apsw.Connection) -> None:
        seen.append(schema.schema_version(conn))
        conn.execute("CREATE TABLE added_in_2 (x)")

    def upgrade_3(conn: apsw.Connection) -> None:
        seen.append(schema.schema_version(conn))
        conn.execute("ALTER TABLE added_in_2 ADD COLUMN y")

    current = schema.SCHEMA_VERSION
    monkeypatch.setattr(schema, "UPGRADES", schema.UPGRADES + [upgrade_2, upgrade_3])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", current + 2)
    store.open_center(db_path)
    store.close_center()
    version, _ = _snapshot(db_path)
    assert version == current + 2
    # Each step sees the version of the step before it.
    assert seen == [current, current + 1]
    assert "added_in_2" in _tables(db_path)


# --- one exclusive transaction ------------------------------------------------------------


def test_upgrade_holds_the_write_lock_for_the_whole_upgrade(db_path, monkeypatch):
    """While a step runs, the upgrade is inside a transaction and no one else can write."""
    _made_by_program(db_path)
    observed: dict[str, object] = {}

    def upgrade_2(conn: apsw.Connection) -> None:
        observed["in_transaction"] = conn.in_transaction
        other = apsw.Connection(str(db_path))
        other.setbusytimeout(0)
        try:
            other.execute("BEGIN IMMEDIATE")
        except apsw.BusyError:
            observed["other_writer"] = "blocked"
        else:
            other.execute("ROLLBACK")
            observed["other_writer"] = "allowed"
        finally:
            other.close()

    monkeypatch.setattr(schema, "UPGRADES", schema.UPGRADES + [upgrade_2])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", schema.SCHEMA_VERSION + 1)
    store.open_center(db_path)
    assert observed == {"in_transaction": True, "other_writer": "blocked"}


def test_a_failing_upgrade_step_leaves_the_file_exactly_as_it_was(db_path, monkeypatch):
    _made_by_program(db_path)
    before = _snapshot(db_path)
    digest = file_sha256(db_path)

    def upgrade_2(conn: apsw.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x)")
        conn.execute("INSERT INTO half_done VALUES (1)")
        raise RuntimeError("upgrade step failed half-way")

    monkeypatch.setattr(schema, "UPGRADES", schema.UPGRADES + [upgrade_2])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", schema.SCHEMA_VERSION + 1)
    with pytest.raises(RuntimeError, match="half-way"):
        store.open_center(db_path)
    # The failed open leaves nothing connected.
    assert connection.database.is_closed()
    version, objects = _snapshot(db_path)
    assert version == len(schema.UPGRADES) - 1
    assert (version, objects) == before
    assert "half_done" not in _tables(db_path)
    assert file_sha256(db_path) == digest


def test_a_failing_later_step_also_undoes_the_earlier_steps_of_the_same_run(db_path, monkeypatch):
    """All pending upgrades are one transaction: a fresh file stays at version 0 with no tables."""

    def upgrade_2(conn: apsw.Connection) -> None:
        raise RuntimeError("second step fails")

    monkeypatch.setattr(schema, "UPGRADES", schema.UPGRADES + [upgrade_2])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", schema.SCHEMA_VERSION + 1)
    with pytest.raises(RuntimeError):
        store.open_center(db_path)
    version, objects = _snapshot(db_path)
    assert version == 0
    assert objects == []


# --- a newer database is refused, untouched --------------------------------------------------


def _make_newer(path: Path) -> None:
    _made_by_program(path)
    conn = apsw.Connection(str(path))
    try:
        conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    finally:
        conn.close()


def test_schema_upgrade_raises_schema_too_new_and_writes_nothing(db_path):
    _make_newer(db_path)
    before = _snapshot(db_path)
    conn = apsw.Connection(str(db_path))
    try:
        with pytest.raises(schema.SchemaTooNew) as caught:
            schema.upgrade(conn)
        assert caught.value.found == schema.SCHEMA_VERSION + 1
        assert caught.value.supported == schema.SCHEMA_VERSION
        assert not conn.in_transaction
    finally:
        conn.close()
    assert _snapshot(db_path) == before


def test_newer_database_is_refused_with_a_chinese_message_and_not_touched(db_path):
    _make_newer(db_path)
    digest = file_sha256(db_path)
    with pytest.raises(NewerDatabaseError) as caught:
        store.open_center(db_path)
    assert isinstance(caught.value, StorageError)
    message = caught.value.message
    assert "更新版本" in message and "没有打开" in message
    assert str(schema.SCHEMA_VERSION + 1) in message
    assert connection.database.is_closed()
    assert file_sha256(db_path) == digest
    assert _snapshot(db_path)[0] == schema.SCHEMA_VERSION + 1
    # No leftover WAL or shared-memory files next to it either.
    assert sorted(p.name for p in db_path.parent.iterdir() if p.name.startswith(db_path.name)) == [db_path.name]


def test_newer_database_in_rollback_journal_mode_is_not_touched(db_path):
    """A newer program's backup made by VACUUM INTO is in rollback-journal mode; setting
    journal_mode=WAL before reading the version would rewrite its header ("never touched")."""
    source = db_path.with_name("newer-live.db")
    _make_newer(source)
    conn = apsw.Connection(str(source))
    try:
        conn.execute(f"VACUUM INTO '{db_path}'")
    finally:
        conn.close()
    assert db_path.read_bytes()[18:20] == b"\x01\x01"  # legacy (rollback-journal) file format
    digest = file_sha256(db_path)
    with pytest.raises(NewerDatabaseError):
        store.open_center(db_path)
    assert file_sha256(db_path) == digest
