"""Pinyin initials for pickers (core.pinyin), and their cache file."""
from __future__ import annotations

import json

from core import pinyin


def test_initials_of_han_latin_and_digits():
    assert pinyin.initials("噪声扰民") == "zsrm"
    assert pinyin.initials("江苏省 南京市 玄武区") == "jssnjsxwq"
    assert pinyin.initials("ETC 办理") == "etcbl"
    assert pinyin.initials("12345热线") == "12345rx"


def test_initials_are_kept_in_a_cache_file_in_the_data_folder(isolated_home):
    assert pinyin.initials_of(["投诉", "噪声"]) == {"投诉": "ts", "噪声": "zs"}
    cache = isolated_home / "cache" / "pinyin-initials.json"
    stored = json.loads(cache.read_text(encoding="utf-8"))
    assert stored["initials"] == {"投诉": "ts", "噪声": "zs"}


def test_a_later_start_reads_the_cache_instead_of_computing(isolated_home, monkeypatch):
    cache = isolated_home / "cache" / "pinyin-initials.json"
    cache.parent.mkdir()
    cache.write_text(json.dumps({"format": 1, "initials": {"投诉": "from-cache"}}), encoding="utf-8")
    monkeypatch.setattr(pinyin, "_cache", None)
    assert pinyin.initials_of(["投诉"]) == {"投诉": "from-cache"}


def test_a_broken_cache_file_is_recomputed_not_fatal(isolated_home, monkeypatch):
    cache = isolated_home / "cache" / "pinyin-initials.json"
    cache.parent.mkdir()
    cache.write_text("{not json", encoding="utf-8")
    monkeypatch.setattr(pinyin, "_cache", None)
    assert pinyin.initials_of(["建议"]) == {"建议": "jy"}
    assert json.loads(cache.read_text(encoding="utf-8"))["initials"] == {"建议": "jy"}
