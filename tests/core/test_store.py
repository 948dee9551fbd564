"""core.store: opening a center's database, and environment failures as StorageError.

DESIGN "Layers": an environment failure (disk full, database locked, file corrupt) is a
storage error with a Chinese message a person can act on; a traceback never reaches a user.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import apsw
import pytest

from tests.helpers import file_sha256

from core import store
from core.center import profile as center
from core.tickets import registration
from core.center import users
from core.errors import HotlineError, StorageError
from core.roles import Role
from db import connection
from db.models import Ticket


pytestmark = pytest.mark.usefixtures("cheap_password_hashing", "close_center_after")


def _siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name))


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _consult(content: str = "请问社保卡补办需要什么材料？") -> registration.TicketInput:
    return registration.TicketInput(category="consult", content=content, caller_phone="13812345678")


def _set_up_center_with_operator(path: Path) -> None:
    store.open_center(path)
    center.setup_center("12345", "320102", "南京市玄武区12345热线", "admin", "管理员", "admin-pass-1")
    admin = users.authenticate("admin", "admin-pass-1")
    users.create_user(admin, "op1", "王小丽", "operator-pass", {Role.OPERATOR})
    store.close_center()


# --- files that are not a database ------------------------------------------------------------


def test_text_file_is_refused_with_a_chinese_message_and_left_unchanged(db_path):
    db_path.write_text("工单编号,来电号码\n320102-20261122-0001,13812345678\n", encoding="utf-8")
    digest = file_sha256(db_path)
    with pytest.raises(StorageError) as caught:
        store.open_center(db_path)
    assert _has_chinese(caught.value.message)
    assert db_path.name in caught.value.message
    assert file_sha256(db_path) == digest
    assert _siblings(db_path) == [db_path.name]
    assert connection.database.is_closed()


def test_renamed_docx_is_refused_and_left_unchanged(tmp_path):
    path = tmp_path / "派单通知单.db"
    with zipfile.ZipFile(path, "w") as docx:
        docx.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        docx.writestr("word/document.xml", "<w:document/>")
    digest = file_sha256(path)
    with pytest.raises(StorageError) as caught:
        store.open_center(path)
    assert _has_chinese(caught.value.message)
    assert file_sha256(path) == digest
    assert _siblings(path) == [path.name]


def test_corrupt_file_with_a_sqlite_header_is_a_storage_error(db_path):
    db_path.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 20)
    digest = file_sha256(db_path)
    try:
        with pytest.raises(StorageError) as caught:
            store.open_center(db_path)
        assert _has_chinese(caught.value.message)
    finally:
        assert file_sha256(db_path) == digest


def test_a_folder_is_refused(tmp_path):
    folder = tmp_path / "center.db"
    folder.mkdir()
    with pytest.raises(StorageError) as caught:
        store.open_center(folder)
    assert "文件夹" in caught.value.message
    assert list(folder.iterdir()) == []


def test_an_empty_file_becomes_a_new_database(db_path):
    db_path.touch()
    store.open_center(db_path)
    assert store.integrity_problems() == []


# --- read-only --------------------------------------------------------------------------------


def _make_read_only_by_chmod(targets: list[Path]) -> None:
    for target in targets:
        target.chmod(0o555 if target.is_dir() else 0o444)
    try:
        with open(targets[0], "r+b"):
            pass
    except PermissionError:
        return
    _undo_chmod(targets)
    pytest.skip("running as root (CAP_DAC_OVERRIDE): chmod 0o444 does not stop writes here")


def _undo_chmod(targets: list[Path]) -> None:
    for target in targets:
        target.chmod(0o755 if target.is_dir() else 0o644)


def _make_read_only_by_immutable_flag(targets: list[Path]) -> None:
    """chattr +i stops even root; needs Linux, root and a file system that supports it."""
    if shutil.which("chattr") is None or os.geteuid() != 0:
        pytest.skip("needs chattr and root to make a file read-only for root")
    for target in targets:
        result = subprocess.run(["chattr", "+i", str(target)], capture_output=True)
        if result.returncode != 0:
            _undo_immutable(targets)
            pytest.skip("cannot set the immutable flag here (file system or missing CAP_LINUX_IMMUTABLE)")


def _undo_immutable(targets: list[Path]) -> None:
    for target in targets:
        subprocess.run(["chattr", "-i", str(target)], capture_output=True)


READ_ONLY_WAYS = [
    pytest.param(_make_read_only_by_chmod, _undo_chmod, id="chmod-0444"),
    pytest.param(_make_read_only_by_immutable_flag, _undo_immutable, id="immutable-flag"),
]


@pytest.fixture
def read_only_setup(tmp_path) -> Path:
    """A set-up center in a folder of its own (so the folder can be made read-only too)."""
    folder = tmp_path / "readonly"
    folder.mkdir()
    db = folder / "center.db"
    _set_up_center_with_operator(db)
    return db


@pytest.mark.parametrize("make_read_only, undo", READ_ONLY_WAYS)
def test_read_only_database_and_folder_give_a_storage_error_and_stay_unchanged(read_only_setup, make_read_only, undo):
    db = read_only_setup
    targets = [db, db.parent]
    digest = file_sha256(db)
    make_read_only(targets)
    try:
        with pytest.raises(StorageError) as caught:
            store.open_center(db)
            operator = users.authenticate("op1", "operator-pass")
            registration.register(operator, _consult())
        assert _has_chinese(caught.value.message)
    finally:
        store.close_center()
        undo(targets)
    assert file_sha256(db) == digest


@pytest.mark.parametrize("make_read_only, undo", READ_ONLY_WAYS)
def test_read_only_file_in_a_writable_folder_refuses_to_register_with_a_storage_error(
    read_only_setup, make_read_only, undo
):
    """The file opens (the folder takes the WAL files) but cannot be written: say so in Chinese."""
    db = read_only_setup
    digest = file_sha256(db)
    make_read_only([db])
    try:
        store.open_center(db)
        operator = users.authenticate("op1", "operator-pass")
        with pytest.raises(StorageError) as caught:
            registration.register(operator, _consult())
        assert "只读" in caught.value.message
    finally:
        store.close_center()
        undo([db])
    assert file_sha256(db) == digest


# --- locked -----------------------------------------------------------------------------------


@pytest.fixture
def short_busy_timeout(monkeypatch):
    monkeypatch.setattr(connection, "BUSY_TIMEOUT_SECONDS", 0.1)


def test_register_on_a_locked_database_is_a_storage_error_saying_it_is_in_use(
    center_db, operator, db_path, short_busy_timeout
):
    store.close_center()
    store.open_center(db_path)  # reopened with the short busy timeout
    other = apsw.Connection(str(db_path))
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StorageError) as caught:
            registration.register(operator, _consult())
        assert "占用" in caught.value.message
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert Ticket.select().count() == 0


def test_opening_while_another_program_holds_the_write_lock_is_a_storage_error(db_path, short_busy_timeout):
    """The schema upgrade waits for the lock, then gives up with the 占用 message; nothing written."""
    other = apsw.Connection(str(db_path))
    other.execute("PRAGMA journal_mode = wal")
    other.execute("BEGIN EXCLUSIVE")
    other.execute("CREATE TABLE held (x)")
    try:
        with pytest.raises(StorageError) as caught:
            store.open_center(db_path)
        assert "占用" in caught.value.message
        assert connection.database.is_closed()
    finally:
        other.execute("ROLLBACK")
    try:
        assert other.execute("PRAGMA user_version").fetchone()[0] == 0
        assert other.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
    finally:
        other.close()


def test_storage_errors_translates_apsw_environment_failures():
    with pytest.raises(StorageError) as caught:
        with store.storage_errors():
            raise apsw.FullError("database or disk is full")
    assert "磁盘空间已满" in caught.value.message
    assert isinstance(caught.value.__cause__, apsw.FullError)


def test_storage_errors_lets_bugs_through_untranslated():
    # A SQL mistake is a bug, not an environment failure: it must reach the crash handler.
    with pytest.raises(apsw.SQLError):
        with store.storage_errors():
            raise apsw.SQLError("no such table: tickte")
    with pytest.raises(ValueError):
        with store.storage_errors():
            raise ValueError("not storage")


def test_storage_error_is_a_hotline_error_with_a_title():
    assert issubclass(StorageError, HotlineError)
    assert StorageError.title == "数据库错误"


# --- integrity check --------------------------------------------------------------------------


def test_integrity_problems_is_empty_on_a_good_database(center_db, operator):
    registration.register(operator, _consult())
    assert store.integrity_problems() == []


def test_integrity_problems_reports_a_dangling_reference(center_db):
    conn = connection.raw_connection()
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute(
        "INSERT INTO ticket_event (uid, origin, ticket_id, kind, at) "
        "VALUES ('e-1', '320102', 999, 'registered', '2026-11-22T09:00:00+08:00')"
    )
    problems = store.integrity_problems()
    assert any("ticket_event" in p and "ticket" in p for p in problems), problems


def test_integrity_problems_reports_a_wrong_schema_version(center_db):
    connection.raw_connection().execute("PRAGMA user_version = 0")
    problems = store.integrity_problems()
    assert any("数据结构版本为 0" in p for p in problems), problems
