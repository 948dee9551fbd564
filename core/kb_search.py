"""Looking answers up while the caller is on the line (12365 6.2.3.1, 12345 5.2.1).

A whole question as the caller says it ("公积金怎么提取啊") or the two characters
an operator types first: question words are dropped, what is left becomes the
bigrams and characters the index holds (db.search), the admin's synonyms are
added, and BM25 ranks articles with the title above the keywords above the body.
Only the most telling terms are kept: the rarest ones, up to a dozen, and none
that most articles contain. That keeps a search of 50,000 articles fast and
stops words like 工作 or 有关 from deciding the order.
"""
from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass

from core import clock, text_search
from core.errors import ValidationError
from core.roles import Actor, Permission
from core.service import require
from core.vocab import ArticleStatus
from db import kb_queries, search
from db.models import Article, Synonym

# Words of the question itself, not of its subject.
QUESTION_WORDS = sorted(
    "请问 你好 您好 怎么办 怎么样 怎么 怎样 如何 什么 哪些 哪里 哪儿 哪个 哪家 为什么 为何 是否 能否 能不能 可不可以 可以 "
    "需要 有没有 是不是 多少 几个 一下 我想 想问 咨询 问下 问一下 吗 呢 吧 啊 呀 的 了 我 我们 你们 他们".split(),
    key=len, reverse=True,
)
_QUESTION_WORDS = re.compile("|".join(map(re.escape, QUESTION_WORDS)))
MAX_TERMS = 12
COMMON_SHARE = 0.3  # a term in more than this share of articles tells little


@dataclass(frozen=True)
class KbHit:
    id: int
    title: str
    score: float
    snippet: str  # HTML: matched words in <b>, everything else escaped
    version: int
    status: str
    flags: tuple[str, ...]  # 已过期, 逾期未复核, 尚未生效, 待校核 … never shown as current silently
    source_unit: str


def synonym_groups() -> list[list[str]]:
    return [g.words.split("|") for g in Synonym.select().order_by(Synonym.id)]


def _expansions(text: str, groups: list[list[str]]) -> list[str]:
    """Other words of each synonym group a word of the text belongs to."""
    extra: list[str] = []
    for words in groups:
        if any(w in text for w in words):
            extra += [w for w in words if w not in text]
    return extra


def query_tokens(text: str) -> list[str]:
    """Index tokens of a question, question words removed: 公积金怎么提取 → 公积 积金 提取."""
    stripped = _QUESTION_WORDS.sub(" ", text)
    tokens: list[str] = []
    for term in search.terms(stripped) or search.terms(text):
        if search.is_han(term):
            tokens += [term] if len(term) == 1 else [term[i : i + 2] for i in range(len(term) - 1)]
        else:
            tokens.append(term)
    return list(dict.fromkeys(tokens))


def _chosen(tokens: list[str]) -> list[str]:
    """The rarest tokens that occur at all, without the ones most articles share."""
    frequencies = kb_queries.document_frequencies(tokens)
    total = max(kb_queries.document_count(), 1)
    present = [t for t in tokens if frequencies.get(t, 0) > 0 or not search.is_han(t)]
    telling = [t for t in present if frequencies.get(t, 0) <= COMMON_SHARE * total] or present
    return sorted(telling, key=lambda t: frequencies.get(t, 0))[:MAX_TERMS]


def build_match(text: str, groups: list[list[str]]) -> tuple[str | None, list[str]]:
    """(FTS5 expression, words to highlight)."""
    tokens = _chosen(query_tokens(text))
    last_word = search.terms(text)[-1:] if text and not text[-1].isspace() else []
    parts = []
    for token in tokens:
        # A word of letters or digits still being typed matches by its start (ET → ETC).
        prefix = not search.is_han(token) and [token] == last_word
        parts.append(search.quoted(token) + (" *" if prefix else ""))
    expansions = _expansions(text, groups)
    parts += [search.quoted(" ".join(search.terms(w))) for w in expansions if search.terms(w)]
    words = [t for t in search.terms(_QUESTION_WORDS.sub(" ", text)) if t] + expansions
    return (" OR ".join(parts) if parts else None), words


def flags_of(article: Article, today: dt.date) -> tuple[str, ...]:
    found: list[str] = []
    if article.status != ArticleStatus.PUBLISHED:
        found.append(ArticleStatus.label_of(article.status))
    if article.expires_on and dt.date.fromisoformat(article.expires_on) <= today:
        found.append(f"已于 {article.expires_on} 失效")
    if article.effective_on and dt.date.fromisoformat(article.effective_on) > today:
        found.append(f"{article.effective_on} 起生效")
    if article.review_on and dt.date.fromisoformat(article.review_on) < today:
        found.append(f"逾期未复核（应于 {article.review_on}）")
    return tuple(found)


def highlight(text: str, words: list[str], width: int = 90) -> str:
    """The stretch of ``text`` with the most matches, matches in <b>, HTML-escaped."""
    flat = " ".join(text.split())
    needles = sorted({w for w in words if w}, key=len, reverse=True)
    if not needles:
        return html.escape(flat[:width])
    pattern = re.compile("|".join(re.escape(w) for w in needles), re.IGNORECASE)
    hits = [m.span() for m in pattern.finditer(flat)]
    start = 0
    if hits:
        best = max(range(len(hits)), key=lambda i: sum(1 for s, _ in hits[i:] if s < hits[i][0] + width))
        start = max(0, hits[best][0] - 10)
    window = flat[start : start + width]
    marked = pattern.sub(lambda m: f"\x00{m.group(0)}\x01", window)
    escaped = html.escape(marked).replace("\x00", "<b>").replace("\x01", "</b>")
    return ("…" if start else "") + escaped + ("…" if start + width < len(flat) else "")


def search_articles(actor: Actor, text: str, limit: int = 10, include_unpublished: bool = False,
                    today: dt.date | None = None) -> list[KbHit]:
    """Ranked articles for a question; retired ones never, drafts and 待校核 only for editors."""
    require(actor, Permission.KB_USE)
    problem = text_search.query_problem(text)
    if problem:
        raise ValidationError({"query": problem})
    if not text.strip():
        return []
    limit = max(1, min(limit, 100))
    match, words = build_match(text, synonym_groups())
    if match is None:
        return []
    statuses = (ArticleStatus.PUBLISHED.value,)
    if include_unpublished and actor.can(Permission.KB_EDIT):
        statuses += (ArticleStatus.PENDING.value, ArticleStatus.DRAFT.value)
    ranked = kb_queries.ranked(match, statuses, limit)
    articles = {a.id: a for a in Article.select().where(Article.id.in_([i for i, _ in ranked]))}
    day = today or clock.now().date()
    return [
        KbHit(a.id, a.title, round(score, 3), highlight(a.body, words), a.version, a.status, flags_of(a, day),
              a.source_unit)
        for i, score in ranked
        if (a := articles.get(i)) is not None  # deleted between the two queries: skipped
    ]
