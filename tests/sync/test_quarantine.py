"""The quarantine of rejected files is bounded (issue 15 §5): a flood of bad files keeps the newest
copies within the file and byte limits, drops the oldest, and each report says what it dropped."""
from __future__ import annotations

from pathlib import Path

import pytest

from db.models import SyncImport
from sync import importer, quarantine
from tests.sync.exchange import at, fast_hashing, make_pair


@pytest.fixture
def province(tmp_path, monkeypatch) -> Path:
    fast_hashing(monkeypatch)
    return make_pair(tmp_path / "pair", 0).province


def _offer(province: Path, folder: Path, n: int, size: int = 100) -> importer.ImportReport:
    bad = folder / f"坏文件{n:02d}.hdsync"
    bad.write_bytes(f"{n:02d}".encode() * (size // 2))  # not a batch at all: rejected whole, copied aside
    with at(province) as actor:
        return importer.import_batch(actor, bad)


def _kept(province: Path) -> list[str]:
    return sorted(p.name for p in (province.parent / quarantine.FOLDER).iterdir())


def test_a_flood_of_bad_files_keeps_only_the_newest(province, tmp_path, monkeypatch):
    monkeypatch.setattr(quarantine, "KEEP_FILES", 5)
    reports = [_offer(province, tmp_path, n) for n in range(12)]
    assert all(r.status == "rejected" and r.quarantine for r in reports)
    kept = _kept(province)
    assert [name.split("_", 2)[2] for name in kept] == [f"坏文件{n:02d}.hdsync" for n in range(7, 12)]
    assert [len(r.quarantine_dropped) for r in reports] == [0] * 5 + [1] * 7
    assert "坏文件00.hdsync" in reports[5].quarantine_dropped[0]
    last = reports[-1]
    assert "已删除最早的 1 个副本" in last.summary() and "坏文件06" in last.summary()
    assert Path(last.quarantine).exists() and Path(last.quarantine).name in kept
    with at(province):
        stored = SyncImport.get_by_id(last.import_id)
        assert "隔离区只保留最近 5 个文件" in stored.alarm and stored.quarantine == last.quarantine
        assert SyncImport.select().count() == 12  # every file offered is still in the history


def test_the_byte_limit_drops_the_oldest_and_never_the_newest(province, tmp_path, monkeypatch):
    monkeypatch.setattr(quarantine, "KEEP_BYTES", 1000)
    for n in range(3):
        assert _offer(province, tmp_path, n, size=300).quarantine_dropped == []
    fourth = _offer(province, tmp_path, 3, size=300)  # 1,200 bytes: the first copy goes
    assert [name.split("_", 2)[2] for name in fourth.quarantine_dropped] == ["坏文件00.hdsync"]
    assert len(_kept(province)) == 3
    big = _offer(province, tmp_path, 9, size=5000)  # alone over the limit: kept, everything older goes
    assert len(big.quarantine_dropped) == 3 and _kept(province) == [Path(big.quarantine).name]
    assert "3 个副本" in big.summary()


def test_copies_kept_before_the_numbering_count_as_the_oldest(province, tmp_path, monkeypatch):
    monkeypatch.setattr(quarantine, "KEEP_FILES", 2)
    folder = province.parent / quarantine.FOLDER
    folder.mkdir()
    (folder / "20261101-090000_旧的.hdsync").write_bytes(b"old")
    first = _offer(province, tmp_path, 1)
    assert first.quarantine_dropped == []
    second = _offer(province, tmp_path, 2)
    assert second.quarantine_dropped == ["20261101-090000_旧的.hdsync"]
    assert _kept(province) == sorted([Path(first.quarantine).name, Path(second.quarantine).name])
