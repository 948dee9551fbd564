"""Opening a center's database: connect, upgrade the schema, translate failures."""
from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import apsw
import peewee

from core.errors import NewerDatabaseError, StorageError
from db import connection, schema
from db.errors import CORRUPT_WAY_OUT, storage_message

log = logging.getLogger("hotline.store")


@contextlib.contextmanager
def storage_errors() -> Iterator[None]:
    """Turn APSW environment failures into StorageError with a Chinese message."""
    try:
        yield
    except (apsw.Error, peewee.PeeweeException) as exc:
        # peewee re-raises APSW failures as its own types; the APSW one is the context.
        original = exc if isinstance(exc, apsw.Error) else exc.__context__
        message = storage_message(original) if isinstance(original, apsw.Error) else None
        if message is None:
            raise
        raise StorageError(message) from exc


def open_center(path: str | os.PathLike[str]) -> Path:
    """Open (creating if needed) and upgrade the center's database at ``path``.

    For setup, the demo and the program's first launch: a missing or empty file becomes a new
    database. A database written by a newer program is refused untouched (DESIGN "Data"), and
    so is an SQLite file of another program.
    """
    return _open(Path(path).expanduser(), create=True)


def open_existing(path: str | os.PathLike[str]) -> Path:
    """Open a center's database that must already exist: every command but ``setup`` and
    ``demo``. A missing, empty or foreign file is refused before anything touches it (a typo in
    ``--db`` must not leave a new empty database behind)."""
    return _open(Path(path).expanduser(), create=False)


def _open(target: Path, create: bool) -> Path:
    if target.is_dir():
        raise StorageError(f"“{target}”是一个文件夹，请指定数据库文件的路径。")
    found = _probe(target)
    if found is None and not create:
        what = "不存在" if not target.exists() else "是空文件"
        raise StorageError(f"“{target}”{what}，不是热线工作台的数据库，程序没有改动它。"
                           "请检查路径；新的中心请用 setup（或 demo）命令创建。")
    with storage_errors():
        connection.open_database(target)
        conn = connection.raw_connection()
        try:
            # Reading the version touches the file: a corrupt or foreign file fails here.
            schema.upgrade(conn)
        except schema.SchemaTooNew as exc:  # upgraded by a newer program since the probe
            connection.close_database(checkpoint_first=False)
            raise _newer(exc.found) from exc
        except schema.UpgradeFailed as exc:
            connection.close_database(checkpoint_first=False)
            raise StorageError(f"{exc.message}请把这个文件交给技术支持检查。") from exc
        except BaseException:
            connection.close_database(checkpoint_first=False)
            raise
    return target


def _probe(target: Path) -> int | None:
    """The schema version of an existing database, read read-only before any pragma can touch
    the file (even ``journal_mode=WAL`` rewrites the header); None for a file that is missing,
    empty, or an SQLite database with nothing in it yet. A newer or a foreign database is
    refused here (DESIGN "Data": never touched)."""
    if not target.exists() or target.stat().st_size == 0:
        return None
    with open(target, "rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise StorageError(f"“{target.name}”不是热线工作台的数据库文件（文件头不对），程序没有改动它。")
    with storage_errors():
        probe = apsw.Connection(str(target), flags=apsw.SQLITE_OPEN_READONLY)
        try:
            found = schema.schema_version(probe)
            tables = probe.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0] if found == 0 else 0
        finally:
            probe.close()
    if found > schema.SCHEMA_VERSION:
        raise _newer(found)
    if found == 0 and tables:
        raise StorageError(f"“{target.name}”是别的程序的 SQLite 数据库，不是热线工作台的数据库，程序没有改动它。")
    return found or None


def _newer(found: int) -> NewerDatabaseError:
    return NewerDatabaseError(
        f"这个数据库由更新版本的热线工作台创建（数据结构版本 {found}，本程序支持到 {schema.SCHEMA_VERSION}）。"
        "为避免损坏数据，程序没有打开它。请安装新版本后再打开。"
    )


def close_center() -> None:
    """Checkpointed and closed; a file found damaged (writes refused) is closed as it is."""
    connection.close_database(checkpoint_first=not _refusal)


_refusal = ""  # set when damage is found after the main window opened: nothing more is written


def refuse_writes(message: str) -> None:
    """From now on every write (core.service.write) is refused with ``message``, so a file
    found damaged while people work is not made worse; "" lets writes through again."""
    global _refusal
    _refusal = message


def writes_refused() -> str:
    return _refusal


def damage(on_own_thread: bool = False) -> str:
    """What ``PRAGMA quick_check`` finds wrong with the open database, as a message with the way
    out; empty when sound (or when stopped by ``stop_damage_check``). Run at start so the main
    window never opens on a damaged file. ``on_own_thread``: the check runs on a thread of its
    own, whose connection it then closes."""
    global _checking
    conn = connection.raw_connection()
    _checking = conn
    try:
        with storage_errors():
            found = [row[0] for row in conn.execute("PRAGMA quick_check(5)") if row[0] != "ok"]
    except apsw.InterruptError:  # the program is closing: no verdict
        return ""
    except StorageError as exc:  # so damaged that the check itself cannot read it
        return exc.message
    finally:
        _checking = None
        if on_own_thread:
            connection.close_thread_connection()
    if not found:
        return ""
    return f"数据库文件已损坏（{'；'.join(found)[:300]}）。{CORRUPT_WAY_OUT}"


_checking: apsw.Connection | None = None


def stop_damage_check() -> None:
    """Stop a check still reading a large file (the program closes): its connection must not
    hold the log open while the closing checkpoint waits for readers."""
    conn = _checking
    if conn is not None:
        conn.interrupt()


def integrity_problems() -> list[str]:
    """What ``PRAGMA integrity_check`` and ``foreign_key_check`` report; empty when sound."""
    conn = connection.raw_connection()
    problems = [row[0] for row in _rows(conn, "PRAGMA integrity_check") if row[0] != "ok"]
    if problems:  # a damaged file: reading every row for its references would only fail again
        return problems
    for table, rowid, parent, _ in _rows(conn, "PRAGMA foreign_key_check"):
        problems.append(f"表 {table} 第 {rowid} 行引用了不存在的 {parent} 记录")
    with storage_errors():
        version = schema.schema_version(conn)
    if version != schema.SCHEMA_VERSION:
        problems.append(f"数据结构版本为 {version}，应为 {schema.SCHEMA_VERSION}")
    return problems


def _rows(conn: apsw.Connection, sql: str) -> list[tuple]:
    """The rows of a check; one that cannot even be read is a problem to report, not a crash."""
    try:
        return list(conn.execute(sql))
    except apsw.CorruptError as exc:
        log.warning("check stopped on a damaged page: %s", exc)
        return [("数据库文件已损坏，检查读到损坏处无法继续",)]
