"""Pinyin initials for pickers: typing ``zs`` finds 噪声 (DESIGN "UI")."""
from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=20_000)
def initials(text: str) -> str:
    """``噪声扰民`` → ``zsrm``; Latin letters and digits pass through lowered."""
    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default", strict=False)
    # Spaces and punctuation are dropped so "江苏省 南京市 玄武区" answers to "njsxwq".
    # A Han character comes back as one letter; a run of anything else (ETC,
    # 12345) comes back whole and is kept whole, so "etc" still finds ETC.
    return "".join(ch for part in letters for ch in part if ch.isalnum()).lower()


def matches(text: str, query: str) -> bool:
    """Does ``query`` pick ``text``: as a substring or by pinyin initials."""
    query = query.strip().lower()
    if not query:
        return True
    return query in text.lower() or query in initials(text)
