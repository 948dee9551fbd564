"""Keys: made once, exchanged as self-signed public key files, compared by fingerprint, rotated, revoked."""
from __future__ import annotations

import json

import pytest

from core import store
from core.center import profile as center
from core.errors import Conflict, ValidationError
from sync import export, importer, keys
from tests.sync.exchange import DISTRICT, at, fast_hashing, make_pair, make_province


@pytest.fixture
def pair(tmp_path, monkeypatch):
    fast_hashing(monkeypatch)
    return make_pair(tmp_path / "pair", 5)


def _district(path, code="320104", name="南京市秦淮区12345热线"):
    store.open_center(path)
    center.setup_center("12345", code, name, "admin", "管理员", "admin-pass-1")
    store.close_center()
    with at(path) as actor:
        keys.init_keys(actor)


def test_fingerprints_are_twelve_groups_of_five_digits_and_match_on_both_sides(pair):
    with at(pair.district):
        own = keys.list_keys()[0][0]
    with at(pair.province):
        seen = next(k for k in keys.list_keys()[1] if k.center_code == DISTRICT)
    assert own.fingerprint == seen.fingerprint and own.key_id == seen.key_id
    groups = own.fingerprint.split()
    assert len(groups) == 12 and all(len(g) == 5 and g.isdigit() for g in groups)


def test_a_center_makes_its_keys_once(pair):
    with at(pair.district) as actor, pytest.raises(Conflict, match="更换密钥"):
        keys.init_keys(actor)


def test_registering_again_changes_nothing_and_a_wrong_fingerprint_is_refused(pair, tmp_path):
    with at(pair.province) as actor:
        info, new = keys.register_peer(actor, pair.folder / "district.pubkey.json")
        assert not new
    _district(tmp_path / "other.db")
    with at(tmp_path / "other.db"):
        keys.export_public(tmp_path / "other.json")
    with at(pair.province) as actor:
        with pytest.raises(ValidationError, match="指纹不一致"):
            keys.register_peer(actor, tmp_path / "other.json", expected_fingerprint="12345 " * 12)
        right = keys.read_public(tmp_path / "other.json").fingerprint
        info, new = keys.register_peer(actor, tmp_path / "other.json", expected_fingerprint=right.replace(" ", ""))
        assert new and info.center_code == "320104"


def test_a_tampered_key_file_is_refused(pair):
    path = pair.folder / "district.pubkey.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["center_name"] = "冒名中心"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with at(pair.province) as actor, pytest.raises(ValidationError, match="自签名不符"):
        keys.register_peer(actor, path)
    path.write_text("不是公钥", encoding="utf-8")
    with at(pair.province) as actor, pytest.raises(ValidationError, match="不是热线工作台导出的公钥文件"):
        keys.register_peer(actor, path)


def test_a_province_takes_only_its_own_districts(pair, tmp_path):
    _district(tmp_path / "sh.db", "310101", "上海市黄浦区12345热线")
    with at(tmp_path / "sh.db"):
        keys.export_public(tmp_path / "sh.json")
    with at(pair.province) as actor, pytest.raises(ValidationError, match="辖区"):
        keys.register_peer(actor, tmp_path / "sh.json")
    make_province(tmp_path / "p2.db", "320100", "南京市12345热线")
    with at(tmp_path / "p2.db") as actor:
        keys.init_keys(actor)
        keys.export_public(tmp_path / "p2.json")
    with at(pair.district) as actor, pytest.raises(Conflict, match="另一个省级中心"):
        keys.register_peer(actor, tmp_path / "p2.json")
    with at(pair.district) as actor, pytest.raises(ValidationError, match="自己的公钥"):
        keys.register_peer(actor, pair.folder / "district.pubkey.json")


def test_after_rotation_old_files_still_open_and_new_ones_need_the_new_key(pair):
    with at(pair.district) as actor:
        old = export.export_batch(actor, pair.folder)
        keys.rotate_keys(actor)
        own = keys.list_keys()[0]
        assert [k.state for k in own] == ["当前", "已停用"]
        new = export.export_batch(actor, pair.folder)
    with at(pair.province) as actor:
        assert importer.import_batch(actor, old.path).status == "imported"
        refused = importer.import_batch(actor, new.path)
        assert refused.reason == "unknown_signer"
    with at(pair.district):
        keys.export_public(pair.folder / "district-new.json")
    with at(pair.province) as actor:
        keys.register_peer(actor, pair.folder / "district-new.json")
        assert importer.import_batch(actor, new.path).status == "imported"


def test_the_province_rotating_still_opens_batches_made_for_its_old_key(pair):
    with at(pair.province) as actor:
        keys.rotate_keys(actor)
    with at(pair.district) as actor:
        made = export.export_batch(actor, pair.folder)
    with at(pair.province) as actor:
        assert importer.import_batch(actor, made.path).status == "imported"


def test_a_revoked_key_cannot_be_registered_again(pair):
    with at(pair.province) as actor:
        key = next(k for k in keys.list_keys()[1] if k.center_code == DISTRICT)
        with pytest.raises(ValidationError, match="吊销原因"):
            keys.revoke_peer(actor, key.key_id, " ")
        assert keys.revoke_peer(actor, key.key_id, "密钥泄露").state == "已吊销"
        with pytest.raises(Conflict, match="已于"):
            keys.register_peer(actor, pair.folder / "district.pubkey.json")


def test_export_needs_the_provinces_key(tmp_path, monkeypatch):
    from core.errors import NotFound

    fast_hashing(monkeypatch)
    _district(tmp_path / "d.db")
    with at(tmp_path / "d.db") as actor, pytest.raises(NotFound, match="省级中心的公钥"):
        export.export_batch(actor, tmp_path)
