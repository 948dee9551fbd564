"""Every damaged, foreign or forged file is rejected whole with its own message, and nothing changes (issue 6)."""
from __future__ import annotations

import io
import random
import shutil
import zipfile
from pathlib import Path

import pytest

from core import store
from core.center import profile as center
from db.models import SyncImport
from db.schema import SCHEMA_VERSION
from sync import envelope, export, importer, keys
from tests.sync.exchange import (DISTRICT, at, craft_batch, fast_hashing, make_pair, make_province, record_lines,
                                 row_counts)


@pytest.fixture(scope="module")
def pair_template(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        fast_hashing(patch)
        pair = make_pair(tmp_path_factory.mktemp("pair"), 30)
        # A second district the province also knows, for forged headers.
        other = pair.folder / "other.db"
        store.open_center(other)
        center.setup_center("12345", "320104", "南京市秦淮区12345热线", "admin", "管理员", "admin-pass-1")
        store.close_center()
        with at(other) as actor:
            keys.init_keys(actor)
            keys.export_public(pair.folder / "other.pubkey.json")
            keys.register_peer(actor, pair.folder / "province.pubkey.json")
        with at(pair.province) as actor:
            keys.register_peer(actor, pair.folder / "other.pubkey.json")
        with at(pair.district) as actor:
            pair.good = export.export_batch(actor, pair.folder).path
        return pair


@pytest.fixture
def pair(pair_template, tmp_path, monkeypatch):
    fast_hashing(monkeypatch)
    copy = pair_template.copy(tmp_path / "pair")
    shutil.copy(pair_template.folder / "other.db", copy.folder / "other.db")
    return copy


def _rejected(pair, path, reason: str | tuple[str, ...], words: str = "") -> importer.ImportReport:
    with at(pair.province) as actor:
        before = row_counts()
        report = importer.import_batch(actor, path)
        assert row_counts() == before
        stored = SyncImport.get_by_id(report.import_id)
    reasons = (reason,) if isinstance(reason, str) else reason
    assert report.status == "rejected" and stored.status == "rejected", report.summary()
    assert report.reason in reasons, (report.reason, report.message)
    assert stored.sha256 == (envelope.file_sha256(path) if path.exists() and path.stat().st_size else stored.sha256)
    assert words in report.message
    assert not report.ok and report.message in report.summary()
    return report


def _write(tmp_path, data: bytes, name: str = "批次.hdsync"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _records(pair) -> list[bytes]:
    """The record lines a real export would write, to tamper with before sealing."""
    return record_lines(pair.district)


def _craft(pair, tmp_path, lines: list[bytes], signer_db=None, **header) -> object:
    """A well-formed file with a chosen header and records, signed by ``signer_db``'s key (the district's)."""
    return craft_batch(signer_db or pair.district, tmp_path, lines, **({"from": DISTRICT, "from_name": "玄武区"} | header))


def test_a_good_file_is_accepted(pair):
    with at(pair.province) as actor:
        assert importer.import_batch(actor, pair.good).status == "imported"


def test_an_empty_file(pair, tmp_path):
    _rejected(pair, _write(tmp_path, b""), "empty", "空的")


@pytest.mark.parametrize("cut", [1, 7, 8, 11, 12, 40, -1, -64, -65, -100, 0.5, 0.9])
def test_a_file_truncated_anywhere(pair, tmp_path, cut):
    data = pair.good.read_bytes()
    keep = int(len(data) * cut) if isinstance(cut, float) else (cut if cut > 0 else len(data) + cut)
    report = _rejected(pair, _write(tmp_path, data[:keep]), ("truncated", "not_ours", "corrupt"))
    assert report.quarantine and Path(report.quarantine).read_bytes() == data[:keep]


def test_truncated_at_every_byte_of_a_small_file(pair, tmp_path):
    """Every prefix of a whole file: each one rejected, none imported."""
    path = _craft(pair, tmp_path, _records(pair)[:3])
    data = path.read_bytes()
    with at(pair.province) as actor:
        before = row_counts()
        for keep in range(0, len(data)):
            cut = _write(tmp_path, data[:keep], "cut.hdsync")
            report = importer.import_batch(actor, cut, dry_run=True)
            assert report.status == "rejected", keep
        assert row_counts() == before


def test_a_flipped_bit_anywhere(pair, tmp_path):
    data = bytearray(pair.good.read_bytes())
    rng = random.Random(6)
    positions = sorted({*range(0, 40), *(rng.randrange(len(data)) for _ in range(60)), len(data) - 1})
    with at(pair.province) as actor:
        before = row_counts()
        for pos in positions:
            flipped = bytearray(data)
            flipped[pos] ^= 1 << rng.randrange(8)
            report = importer.import_batch(actor, _write(tmp_path, bytes(flipped), "flip.hdsync"), dry_run=True)
            assert report.status == "rejected", (pos, report.summary())
        assert row_counts() == before


def test_a_flipped_bit_in_the_body_is_a_bad_signature(pair, tmp_path):
    data = bytearray(pair.good.read_bytes())
    data[len(data) // 2] ^= 0x10
    _rejected(pair, _write(tmp_path, bytes(data)), "signature", "签名不符")


def test_garbage_appended(pair, tmp_path):
    _rejected(pair, _write(tmp_path, pair.good.read_bytes() + b"\0garbage"), "trailing", "多出了 8 字节")


def test_another_format_renamed(pair, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    _rejected(pair, _write(tmp_path, buffer.getvalue()), "not_ours", "ZIP")
    _rejected(pair, _write(tmp_path, b"%PDF-1.7\n..."), "not_ours", "PDF")


def test_a_copy_made_in_text_mode(pair, tmp_path):
    mangled = pair.good.read_bytes().replace(b"\r\n", b"\r\r\n")
    _rejected(pair, _write(tmp_path, mangled), ("mangled", "not_ours"))


def test_an_oversized_file(pair, tmp_path, monkeypatch):
    monkeypatch.setattr(envelope, "MAX_FILE", 1000)
    _rejected(pair, pair.good, "too_large", "超过")


def test_an_unknown_signer(pair, tmp_path):
    make_province(tmp_path / "fresh.db")
    fresh = tmp_path / "fresh.db"
    with at(fresh) as actor:
        keys.init_keys(actor)
    pair.province = fresh
    _rejected(pair, pair.good, ("unknown_signer", "wrong_key"))


def test_a_revoked_signer(pair):
    with at(pair.province) as actor:
        key = keys.peer_key(keys.list_keys()[1][0].key_id)
        district_key = next(k for k in keys.list_keys()[1] if k.center_code == DISTRICT)
        keys.revoke_peer(actor, district_key.key_id, "电脑丢失")
        assert key is not None
    _rejected(pair, pair.good, "revoked", "电脑丢失")


def test_a_file_for_another_province(pair, tmp_path):
    _rejected(pair, _craft(pair, tmp_path, _records(pair), to="310000"), "wrong_receiver", "310000")


def test_a_header_signed_with_another_districts_key(pair, tmp_path):
    path = _craft(pair, tmp_path, _records(pair), signer_db=pair.folder / "other.db")
    _rejected(pair, path, "signer_mismatch", "320104")


def test_a_record_owned_by_another_district(pair, tmp_path):
    import hashlib
    import json
    import re

    lines = _records(pair)
    match = re.match(rb'(\{"k":"ticket","u":"[^"]+","r":\d+,"h":")([0-9a-f]{64})(","d":)(.*)\}$',
                     next(l for l in lines if l.startswith(b'{"k":"ticket"')))
    data = json.loads(match.group(4))
    data["origin"] = "320104"
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    forged = match.group(1) + hashlib.sha256(body).hexdigest().encode() + match.group(3) + body + b"}"
    lines = [forged if l.startswith(match.group(1)[:60]) else l for l in lines]
    _rejected(pair, _craft(pair, tmp_path, lines), "owner", "320104")


def test_a_record_whose_hash_does_not_match(pair, tmp_path):
    lines = _records(pair)
    lines[5] = lines[5].replace(b'"d":{', b'"d":{"x":1,', 1)
    _rejected(pair, _craft(pair, tmp_path, lines), "hash")


def test_a_newer_schema_asks_to_upgrade(pair, tmp_path):
    _rejected(pair, _craft(pair, tmp_path, _records(pair), schema_version=SCHEMA_VERSION + 1), "schema_newer", "升级")


def test_an_older_schema_is_accepted(pair, tmp_path):
    path = _craft(pair, tmp_path, _records(pair), schema_version=SCHEMA_VERSION - 1)
    with at(pair.province) as actor:
        assert importer.import_batch(actor, path).status == "imported"


def test_a_count_that_does_not_match(pair, tmp_path, monkeypatch):
    lines = _records(pair)
    real = envelope.Compressor.finish

    def lying(self):
        real(self)
        self.count += 1
    monkeypatch.setattr(envelope.Compressor, "finish", lying)
    _rejected(pair, _craft(pair, tmp_path, lines), "count", "实际是")


def test_a_receipt_offered_as_a_batch(pair, tmp_path):
    from sync import receipts

    with at(pair.province) as actor:
        importer.import_batch(actor, pair.good)
        made = receipts.export_receipt(actor, DISTRICT, tmp_path)
    _rejected(pair, made.path, ("wrong_type", "wrong_receiver"))
