"""Synonym groups the admin keeps (住房公积金 / 公积金, 燃气 / 煤气 …).

A question using one word of a group also finds articles written with the
others (core.kb.search expands it). Callers say 煤气 where the policy says
燃气; which words a center's callers use is local knowledge, so the admin
edits the groups rather than the program shipping a fixed list.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from core import clock
from core.errors import ValidationError
from core.roles import Actor, Permission
from core.service import existing, require, write
from db.models import Synonym

MAX_WORD = 20
MAX_WORDS = 20
_SEPARATORS = re.compile(r"[\s,，、;；/|]+")


@dataclass(frozen=True)
class SynonymGroup:
    id: int
    words: tuple[str, ...]


def groups(actor: Actor) -> list[SynonymGroup]:
    require(actor, Permission.KB_USE)
    return [SynonymGroup(g.id, tuple(g.words.split("|"))) for g in Synonym.select().order_by(Synonym.id)]


def parse_words(text: str) -> list[str]:
    """Words as typed, split on spaces, commas, 、 or /; repeats dropped, order kept."""
    return list(dict.fromkeys(w for w in _SEPARATORS.split(text.strip()) if w))


def _checked(text: str, group_id: int | None) -> str:
    words = parse_words(text)
    if len(words) < 2:
        raise ValidationError.single("words", "一组同义词至少要有两个词，词之间用空格、逗号或顿号隔开")
    if len(words) > MAX_WORDS:
        raise ValidationError.single("words", f"一组同义词最多 {MAX_WORDS} 个词")
    long = [w for w in words if len(w) > MAX_WORD]
    if long:
        raise ValidationError.single("words", f"“{long[0][:10]}…”太长：每个词不超过 {MAX_WORD} 字")
    for other in Synonym.select().where(Synonym.id != (group_id or 0)):
        shared = set(words) & set(other.words.split("|"))
        if shared:
            raise ValidationError.single(
                "words", f"“{'、'.join(sorted(shared))}”已在另一组同义词（{other.words.replace('|', '、')}）中；"
                         "请合并到那一组")
    return "|".join(words)


def save_group(actor: Actor, group_id: int | None, text: str) -> int:
    """A new group, or a group's words replaced; returns its id."""
    with write(actor, Permission.KB_REVIEW, "kb.synonyms", "kb_synonym") as tx:
        words = _checked(text, group_id)
        if group_id is None:
            group = Synonym.create(words=words, updated_at=clock.stamp())
        else:
            group = existing(Synonym, group_id, "这组同义词已被删除，请刷新后重试。")
            Synonym.update(words=words, updated_at=clock.stamp()).where(Synonym.id == group_id).execute()
        tx.detail = {"id": group.id, "words": words}
    return group.id


def delete_group(actor: Actor, group_id: int) -> None:
    with write(actor, Permission.KB_REVIEW, "kb.synonyms_delete", "kb_synonym") as tx:
        group = existing(Synonym, group_id, "这组同义词已被删除，请刷新后重试。")
        tx.detail = {"id": group_id, "words": group.words}
        group.delete_instance()
