"""What a person may type into a search box, checked before it reaches the index (db.search)."""
from __future__ import annotations

from db import search

MAX_QUERY_LENGTH = 200


def query_problem(text: str) -> str | None:
    """A message naming what is wrong with a search text, or None if it can be searched."""
    text = text.strip()
    if not text:
        return None
    if len(text) > MAX_QUERY_LENGTH:
        return f"查询文字太长（{len(text)} 字，最多 {MAX_QUERY_LENGTH} 字），请只输入关键词。"
    if not search.terms(text):
        return f"查询文字“{text[:20]}”里没有可以查找的汉字、字母或数字。"
    return None
