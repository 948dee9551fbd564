"""Pinyin initials for pickers: typing ``zs`` finds 噪声 (DESIGN "UI").

pypinyin takes 0.17 s to import (its phrase dictionary), so the initials of
picker labels are kept in a small cache file in the data folder: the first
start of a new installation computes them, later starts only read the file.
"""
from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

log = logging.getLogger("hotline.pinyin")

_CACHE_FORMAT = 1
_cache: tuple[Path, dict[str, str]] | None = None  # (file, contents), reloaded if the data folder changes
_cache_lock = threading.Lock()


@lru_cache(maxsize=20_000)
def initials(text: str) -> str:
    """``噪声扰民`` → ``zsrm``; Latin letters and digits pass through lowered."""
    from pypinyin import Style, lazy_pinyin

    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default", strict=False)
    # Spaces and punctuation are dropped so "江苏省 南京市 玄武区" answers to "njsxwq".
    # A Han character comes back as one letter; a run of anything else (ETC,
    # 12345) comes back whole and is kept whole, so "etc" still finds ETC.
    return "".join(ch for part in letters for ch in part if ch.isalnum()).lower()


def _cache_file() -> Path:
    from core import paths

    return paths.data_home() / "cache" / "pinyin-initials.json"


def _load(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != _CACHE_FORMAT or not isinstance(data.get("initials"), dict):
        return {}
    return {str(k): str(v) for k, v in data["initials"].items()}


def _save(path: Path, cache: dict[str, str]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"format": _CACHE_FORMAT, "initials": cache}, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:  # a read-only data folder only costs speed
        log.warning("pinyin cache not written: %s", exc)


def initials_of(labels: Iterable[str]) -> dict[str, str]:
    """Initials of many labels at once, through the cache file; safe on a worker thread."""
    global _cache
    path = _cache_file()
    with _cache_lock:
        if _cache is None or _cache[0] != path:
            _cache = (path, _load(path))
        cache = _cache[1]
        wanted = set(labels)
        missing = [label for label in wanted if label not in cache]
        for label in missing:
            cache[label] = initials(label)
        if missing:
            _save(path, cache)
        return {label: cache[label] for label in wanted}
