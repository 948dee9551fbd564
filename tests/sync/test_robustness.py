"""A process killed, or a disk filling, during export or import: no file under its final name, the
database unchanged or fully imported, and doing it again is safe (issue 6, "Bad input")."""
from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import apsw
import pytest

from core.errors import StorageError
from db.connection import raw_connection
from db.models import SyncBatchOut, SyncImport
from sync import envelope, export, importer
from tests.sync.exchange import at, dump, fast_hashing, make_exported_pair, row_counts

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pair_template(tmp_path_factory):
    return make_exported_pair(tmp_path_factory.mktemp("pair"), 1500)


@pytest.fixture
def pair(pair_template, tmp_path, monkeypatch):
    fast_hashing(monkeypatch)
    return pair_template.copy(tmp_path / "pair")


def _import_process(province: Path, batch: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), "import-batch", "--db", str(province), str(batch)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)


def test_an_importer_killed_at_random_points_leaves_nothing_or_everything(pair):
    import shutil

    fresh_province = pair.folder / "fresh.db"
    shutil.copy(pair.province, fresh_province)
    with at(pair.province):
        empty = row_counts()
    start = time.perf_counter()
    assert _import_process(pair.province, pair.batch).wait(120) == 0
    whole = time.perf_counter() - start
    with at(pair.province):
        full, full_dump = row_counts(), dump()
    rng = random.Random(6)
    outcomes = set()
    for attempt in range(6):
        fresh = pair.folder / f"p{attempt}.db"
        shutil.copy(fresh_province, fresh)
        process = _import_process(fresh, pair.batch)
        time.sleep(rng.uniform(0.3, 0.98) * whole)
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        with at(fresh) as actor:
            conn = raw_connection()
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
            counts = row_counts()
            assert counts in (empty, full), counts
            imported = SyncImport.select().where(SyncImport.status == "imported").count()
            assert imported == (counts == full)
            outcomes.add(counts == full)
            again = importer.import_batch(actor, pair.batch)
            assert again.status == ("repeat" if counts == full else "imported")
            assert row_counts() == full and dump() == full_dump
    assert False in outcomes  # at least one kill landed before the commit


def test_a_full_disk_during_import_changes_nothing_and_importing_again_works(pair, monkeypatch):
    real = importer._Applier.chunk
    calls = []

    def filling(self, rows):
        calls.append(1)
        if len(calls) == 3:
            raise apsw.FullError("database or disk is full")
        return real(self, rows)
    monkeypatch.setattr(importer._Applier, "chunk", filling)
    with at(pair.province) as actor:
        before = row_counts()
        with pytest.raises(StorageError, match="磁盘"):
            importer.import_batch(actor, pair.batch)
        assert row_counts() == before and SyncImport.select().count() == 0
        monkeypatch.setattr(importer._Applier, "chunk", real)
        assert importer.import_batch(actor, pair.batch).status == "imported"


def test_a_full_disk_during_export_leaves_no_file_and_frees_the_number(pair, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(envelope, "seal", full)
    out = pair.folder / "usb"
    out.mkdir()
    with at(pair.district) as actor:
        with pytest.raises(StorageError, match="磁盘空间不足"):
            export.export_batch(actor, out)
        assert list(out.iterdir()) == []
        monkeypatch.undo()
        fast_hashing(monkeypatch)
        made = export.export_batch(actor, out)
    assert made.sequence == 2  # the fixture's batch was 1; the failed one gave its number back
    assert [p.name for p in out.iterdir()] == [made.path.name]


def test_an_export_killed_after_its_rename_is_adopted_and_its_number_never_reused(pair, monkeypatch):
    def killed(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(export, "_mark", killed)
    with at(pair.district) as actor:
        with pytest.raises(KeyboardInterrupt):
            export.export_batch(actor, pair.folder)
        assert SyncBatchOut.get_by_id(2).status == "writing"
        monkeypatch.undo()
        fast_hashing(monkeypatch)
        made = export.export_batch(actor, pair.folder)
        second = SyncBatchOut.get_by_id(2)
        assert made.sequence == 3 and made.adopted == [2] and second.status == "exported"
        assert SyncBatchOut.get_by_id(3).previous_hash == second.sha256 == envelope.file_sha256(Path(second.file_name))


def test_an_export_to_a_missing_folder_says_so(pair):
    with at(pair.district) as actor, pytest.raises(StorageError, match="不存在"):
        export.export_batch(actor, pair.folder / "拔出的U盘")


def test_a_stick_pulled_out_during_import_is_a_rejection_that_changes_nothing(pair, monkeypatch):
    real = importer.record_lines
    calls = []

    def pulled(path, checked):
        calls.append(1)
        for n, line in enumerate(real(path, checked)):
            if len(calls) == 2 and n == 7000:
                raise OSError(errno.EIO, os.strerror(errno.EIO))
            yield line
    monkeypatch.setattr(importer, "record_lines", pulled)
    with at(pair.province) as actor:
        before = row_counts()
        report = importer.import_batch(actor, pair.batch)
        assert report.status == "rejected" and report.reason == "unreadable" and "U 盘" in report.message
        assert row_counts() == before
        assert [r.status for r in SyncImport.select()] == ["rejected"]
