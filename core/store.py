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
from db.errors import storage_message

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

    A database written by a newer program is refused untouched (DESIGN "Data").
    """
    target = Path(path).expanduser()
    if target.is_dir():
        raise StorageError(f"“{target}”是一个文件夹，请指定数据库文件的路径。")
    if target.exists() and target.stat().st_size > 0:
        with open(target, "rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                raise StorageError(f"“{target.name}”不是热线工作台的数据库文件（文件头不对），程序没有改动它。")
        _refuse_if_newer(target)
    with storage_errors():
        connection.open_database(target)
        conn = connection.raw_connection()
        try:
            # Reading the version touches the file: a corrupt or foreign file fails here.
            schema.upgrade(conn)
        except schema.SchemaTooNew as exc:  # upgraded by a newer program since the probe
            connection.close_database()
            raise _newer(exc.found) from exc
        except BaseException:
            connection.close_database()
            raise
    return target


def _refuse_if_newer(target: Path) -> None:
    """Read the schema version read-only, before any pragma can touch the file.

    Even ``journal_mode=WAL`` rewrites the header, so a newer database must be
    refused before the ordinary connection is made (DESIGN "Data": never touched).
    """
    with storage_errors():
        probe = apsw.Connection(str(target), flags=apsw.SQLITE_OPEN_READONLY)
        try:
            found = schema.schema_version(probe)
        finally:
            probe.close()
    if found > schema.SCHEMA_VERSION:
        raise _newer(found)


def _newer(found: int) -> NewerDatabaseError:
    return NewerDatabaseError(
        f"这个数据库由更新版本的热线工作台创建（数据结构版本 {found}，本程序支持到 {schema.SCHEMA_VERSION}）。"
        "为避免损坏数据，程序没有打开它。请安装新版本后再打开。"
    )


def close_center() -> None:
    connection.close_database()


def integrity_problems() -> list[str]:
    """What ``PRAGMA integrity_check`` and ``foreign_key_check`` report; empty when sound."""
    with storage_errors():
        conn = connection.raw_connection()
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check") if row[0] != "ok"]
        for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check"):
            problems.append(f"表 {table} 第 {rowid} 行引用了不存在的 {parent} 记录")
        version = schema.schema_version(conn)
        if version != schema.SCHEMA_VERSION:
            problems.append(f"数据结构版本为 {version}，应为 {schema.SCHEMA_VERSION}")
    return problems
