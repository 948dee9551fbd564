"""The province's write-ahead log holds no more than the file being imported (issue 15 §2:
ten imports left a 10.3 GB -wal beside an 8.4 GB database, +45 % import CPU, +36–41 % reads)."""
from __future__ import annotations

import pytest

from db import connection
from sync import export, importer
from tests.sync.exchange import at, fast_hashing, make_pair


def _log_size(db) -> int:
    wal = db.with_name(db.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


@pytest.fixture
def pair(tmp_path, monkeypatch):
    fast_hashing(monkeypatch)
    return make_pair(tmp_path / "pair", 150)


def test_each_import_leaves_the_log_empty_while_the_database_stays_open(pair):
    with at(pair.district) as actor:
        first = export.export_batch(actor, pair.folder)
    with at(pair.province) as actor:
        assert importer.import_batch(actor, first.path).status == "imported"
        assert not connection.database.is_closed()  # a window that goes on importing
        assert _log_size(pair.province) == 0
        assert importer.import_batch(actor, first.path).status == "repeat"


def test_the_log_is_cut_back_to_its_limit_after_a_checkpoint(pair, monkeypatch):
    """Without a checkpoint of its own, SQLite's automatic one leaves the -wal file at its
    largest: journal_size_limit (every connection's) cuts it back at the next write."""
    monkeypatch.setattr(importer, "_empty_the_log", lambda: None)
    with at(pair.district) as actor:
        made = export.export_batch(actor, pair.folder)
    with at(pair.province) as actor:
        conn = connection.raw_connection()
        assert conn.execute("PRAGMA journal_size_limit").fetchone()[0] == connection.WAL_LIMIT_BYTES
        conn.execute("PRAGMA journal_size_limit = 4096")  # this file's log is smaller than 64 MB
        importer.import_batch(actor, made.path)
        grown = _log_size(pair.province)
        connection.checkpoint(truncate=False)  # what the automatic checkpoint does
        importer.import_batch(actor, made.path)  # the next write (a repeat is stored too)
        assert grown > 100_000 and _log_size(pair.province) <= grown // 4
