"""Pinyin initials for pickers: typing ``zs`` finds 噪声 (DESIGN "UI")."""
from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=20_000)
def initials(text: str) -> str:
    """``噪声扰民`` → ``zsrm``; Latin letters and digits pass through lowered."""
    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default", strict=False)
    return "".join(part[:1] if len(part) > 0 else "" for part in letters).lower()


def matches(text: str, query: str) -> bool:
    """Does ``query`` pick ``text``: as a substring or by pinyin initials."""
    query = query.strip().lower()
    if not query:
        return True
    return query in text.lower() or query in initials(text)
