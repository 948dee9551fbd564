"""The quarantine of rejected files is bounded (issue 15 §5): a flood of bad files keeps the newest
copies within the file and byte limits, drops the oldest, and each report says what it dropped."""
from __future__ import annotations

import collections
import hashlib
import shutil
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


def test_the_byte_limit_drops_the_oldest_to_make_room(province, tmp_path, monkeypatch):
    monkeypatch.setattr(quarantine, "KEEP_BYTES", 1000)
    for n in range(3):
        assert _offer(province, tmp_path, n, size=300).quarantine_dropped == []
    fourth = _offer(province, tmp_path, 3, size=300)  # 1,200 bytes: the first copy goes
    assert [name.split("_", 2)[2] for name in fourth.quarantine_dropped] == ["坏文件00.hdsync"]
    assert len(_kept(province)) == 3
    fifth = _offer(province, tmp_path, 4, size=700)  # room for 700 more: the two oldest go
    assert len(fifth.quarantine_dropped) == 2 and "2 个副本" in fifth.summary()
    assert [name.split("_", 2)[2] for name in _kept(province)] == ["坏文件03.hdsync", "坏文件04.hdsync"]


def test_a_file_larger_than_the_quarantine_is_not_copied_and_its_row_keeps_its_hash_and_size(
        province, tmp_path, monkeypatch):
    monkeypatch.setattr(quarantine, "KEEP_BYTES", 1000)
    before = [_offer(province, tmp_path, n, size=300).quarantine for n in range(3)]
    big = _offer(province, tmp_path, 9, size=5000)  # a 20 GB hostile file, in small
    assert big.status == "rejected" and big.quarantine == "" and big.quarantine_dropped == []
    assert _kept(province) == sorted(Path(p).name for p in before)  # nothing dropped for it either
    assert "超过隔离区合计上限" in big.summary() and "未存入隔离区" in big.summary() and "SHA-256 和大小" in big.summary()
    with at(province):
        stored = SyncImport.get_by_id(big.import_id)
    digest = hashlib.sha256((tmp_path / "坏文件09.hdsync").read_bytes()).hexdigest()
    assert (stored.sha256, stored.size, stored.quarantine) == (digest, 5000, "")
    assert "未存入隔离区" in stored.alarm


def _disk_with_free(monkeypatch, free: int) -> None:
    """A disk with ``free`` bytes left, of which the quarantine must leave 1,000."""
    usage = collections.namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: usage(10 * free, 9 * free, free))
    monkeypatch.setattr(quarantine, "FREE_MARGIN", 1000, raising=False)


def test_a_file_the_disk_has_no_room_for_is_not_copied(province, tmp_path, monkeypatch):
    _disk_with_free(monkeypatch, 1050)  # the margin, and 50 bytes
    report = _offer(province, tmp_path, 1, size=100)
    assert report.status == "rejected" and report.quarantine == ""
    assert "磁盘剩余空间不足" in report.summary() and "未存入隔离区" in report.summary()
    assert _kept(province) == []
    with at(province):
        assert SyncImport.get_by_id(report.import_id).size == 100


def test_the_oldest_copies_make_room_on_a_full_disk_before_the_new_one_is_copied(province, tmp_path, monkeypatch):
    monkeypatch.setattr(quarantine, "KEEP_FILES", 2)
    first, second = (_offer(province, tmp_path, n, size=100) for n in range(2))
    _disk_with_free(monkeypatch, 1050)  # the room the oldest copy gives back is enough
    third = _offer(province, tmp_path, 2, size=100)
    assert third.quarantine and third.quarantine_dropped == [Path(first.quarantine).name]
    assert _kept(province) == sorted([Path(second.quarantine).name, Path(third.quarantine).name])


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
