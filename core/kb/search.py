"""Looking answers up while the caller is on the line (12365 6.2.3.1, 12345 5.2.1).

A whole question as the caller says it ("公积金怎么提取啊") or the two characters
an operator types first: question words are dropped, what is left becomes the
bigrams and characters the index holds (db.search), and the admin's synonyms
are added. Ranking then goes in two steps:

1. Candidates: FTS5's bm25 (title above keywords above body) over the rarest
   few terms, none that most articles contain, picks the 50 likeliest
   articles. Few and rare terms keep this fast on 50,000 articles.
2. Order: those candidates are scored in Python on their text with every term
   of the question: BM25 over title, keywords and body, plus how much of the
   question one sentence of the article holds. A caller's question usually
   retells one passage of the right article, so a sentence holding most of
   its words tells more than the same words scattered over a long text.

bench/bench_kb.py measures both steps on real policy questions.
"""
from __future__ import annotations

import datetime as dt
import html
import math
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

from core import clock, text_search
from core.kb import articles as kb
from core.errors import ValidationError
from core.roles import Actor, Permission
from core.service import require
from core.vocab import ArticleStatus
from db import search
from core.kb import queries as kb_queries
from core.kb.queries import Candidate
from db.models import Article, ArticleFeedback, Synonym

# Words of the question itself, not of its subject.
QUESTION_WORDS = sorted(
    "请问 你好 您好 怎么办 怎么样 怎么 怎样 如何 什么 哪些 哪里 哪儿 哪个 哪家 为什么 为何 是否 能否 能不能 可不可以 可以 "
    "需要 有没有 是不是 多少 几个 一下 我想 想问 咨询 问下 问一下 吗 呢 吧 啊 呀 的 了 我 我们 你们 他们".split(),
    key=len, reverse=True,
)
_QUESTION_WORDS = re.compile("|".join(map(re.escape, QUESTION_WORDS)))
# Step 1, candidates: the rarest terms, up to MAX_TERMS, while the articles they occur in add up
# to no more than ROW_SHARE of the base (at least MIN_TERMS); never one in more than COMMON_SHARE.
MAX_TERMS = 8
MIN_TERMS = 2
ROW_SHARE = 0.2  # bm25 is computed for every article that holds a term: this bounds the work
COMMON_SHARE = 0.3  # a term in more than this share of articles tells little
CANDIDATES = 50
# Step 2, order: BM25 with every term of the question, field weights and BM25's usual constants.
FIELD_WEIGHTS = (2.0, 1.5, 1.0)  # title, keywords, body
K1, B = 1.2, 0.75
CHAR_WEIGHT = 0.3  # a single character of the question, against a bigram
PASSAGE_WEIGHT = 10.0  # what a sentence (or the title) holding the whole question adds
_SENTENCE_END = re.compile(r"[。！？；!?;\n]")
# Where NFKC changes a word of an article: full-width letters and digits, compatibility ideographs.
_WIDE = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uf900-\ufaff]")
_NOT_INDEXED = re.compile(r"[\W_]+")  # what the tokenizer skips, to measure a text as the index does


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


@dataclass(frozen=True)
class _Query:
    match: str | None  # FTS5 expression picking the candidates
    weights: dict[str, float]  # every term of the question (lower case) → its idf
    words: list[str]  # to highlight


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


def _idf(frequency: int, total: int) -> float:
    return math.log(1 + (total - frequency + 0.5) / (frequency + 0.5))


def _chosen(present: list[str], frequencies: dict[str, int], total: int) -> list[str]:
    """The terms that pick the candidates: the rarest, none that most articles share."""
    telling = [t for t in present if frequencies.get(t, 0) <= COMMON_SHARE * total] or present
    chosen: list[str] = []
    rows = found = 0
    for term in sorted(telling, key=lambda t: frequencies.get(t, 0))[:MAX_TERMS]:
        rows += frequencies.get(term, 0)
        if found >= MIN_TERMS and rows > ROW_SHARE * total:
            break
        chosen.append(term)
        found += term in frequencies  # a word still being typed (ET of ETC) is in no count yet
    return chosen


def _char_weights(present: list[str], frequencies: dict[str, int], total: int) -> dict[str, float]:
    """Single characters of the question count a little too (省 of 江西省, 税 of 个税).

    A character is in at least as many articles as a bigram holding it, so the
    characters of a too common bigram are not even looked up: counting a common
    term is what costs most on a large base.
    """
    common = {c for t in present if frequencies.get(t, 0) > COMMON_SHARE * total for c in t}
    chars = list(dict.fromkeys(c for t in present if search.is_han(t) for c in t if c not in common))
    found = kb_queries.document_frequencies(chars)
    return {c: CHAR_WEIGHT * _idf(n, total) for c, n in found.items() if n <= COMMON_SHARE * total}


def _query(text: str, groups: list[list[str]]) -> _Query:
    tokens = query_tokens(text)
    expansions = [w for w in _expansions(text, groups) if search.terms(w)]
    expansion_parts = {w: query_tokens(w) for w in expansions}
    frequencies = kb_queries.document_frequencies(tokens + [p for parts in expansion_parts.values() for p in parts])
    total = max(kb_queries.document_count(), 1)
    present = [t for t in tokens if t in frequencies or not search.is_han(t)]
    last_word = search.terms(text)[-1:] if text and not text[-1].isspace() else []
    parts = []
    for token in _chosen(present, frequencies, total):
        # A word of letters or digits still being typed matches by its start (ET → ETC).
        prefix = not search.is_han(token) and [token] == last_word
        parts.append(search.quoted(token) + (" *" if prefix else ""))
    parts += [search.quoted(" ".join(search.terms(w))) for w in expansions]
    weights = _char_weights(present, frequencies, total)
    weights.update({t: _idf(frequencies.get(t, 0), total) for t in present})
    for word, word_parts in expansion_parts.items():
        # A synonym is looked for as a whole word; its rarest bigram stands for how rare it is.
        rarest = min((frequencies.get(p, 0) for p in word_parts), default=0)
        for term in search.terms(word):
            weights.setdefault(term, _idf(rarest, total))
    words = [t for t in search.terms(_QUESTION_WORDS.sub(" ", text)) if t] + expansions
    return _Query(" OR ".join(parts) if parts else None, weights, words)


def build_match(text: str, groups: list[list[str]]) -> tuple[str | None, list[str]]:
    """(FTS5 expression picking the candidates, words to highlight)."""
    query = _query(text, groups)
    return query.match, query.words


def _folded(text: str) -> str:
    """The text as the index reads it (NFKC, lower case); NFKC only where it changes a searchable
    character, as it costs more than the rest of the scoring."""
    return unicodedata.normalize("NFKC", text).lower() if _WIDE.search(text) else text.lower()


def _indexed_length(text: str) -> int:
    return len(_NOT_INDEXED.sub("", text))


def _score(candidate: Candidate, weights: dict[str, float], average: tuple[float, float, float],
           whole: float) -> float:
    """BM25 over the three fields, plus the share of the question's weight in its best sentence."""
    fields = [_folded(candidate.title), _folded(candidate.keywords), _folded(candidate.body)]
    title, keywords, body = fields
    norms = [(1 - B + B * _indexed_length(f) / avg) / w if avg else 1.0
             for f, avg, w in zip(fields, average, FIELD_WEIGHTS)]
    title_norm, keywords_norm, body_norm = norms
    ends = [m.start() for m in _SENTENCE_END.finditer(body)]
    sentences: dict[int, float] = {}
    in_title = score = 0.0
    for term, weight in weights.items():
        in_body = body.count(term)
        tf = in_body / body_norm
        if term in title:
            tf += title.count(term) / title_norm
            in_title += weight
        if keywords and term in keywords:
            tf += keywords.count(term) / keywords_norm
        if not tf:
            continue
        score += weight * tf * (K1 + 1) / (tf + K1)
        at = body.find(term) if in_body else -1
        while at >= 0:  # once per sentence holding the term
            sentence = bisect_right(ends, at)
            sentences[sentence] = sentences.get(sentence, 0.0) + weight
            if sentence == len(ends):
                break
            at = body.find(term, ends[sentence] + 1)
    best = max(in_title, max(sentences.values(), default=0.0))
    return score + PASSAGE_WEIGHT * best / whole


def _ranked(query: _Query, statuses: tuple[str, ...], limit: int) -> list[tuple[int, float]]:
    """(article id, score) best first."""
    assert query.match is not None
    found = kb_queries.candidates(query.match, statuses, max(CANDIDATES, limit))
    if not found:
        return []
    average = kb_queries.index_size().average_tokens
    whole = sum(query.weights.values()) or 1.0
    scored = [(c.id, _score(c, query.weights, average, whole)) for c in found]
    scored.sort(key=lambda pair: -pair[1])
    return scored[:limit]


def flags_of(article: Article | kb.ArticleView, today: dt.date) -> tuple[str, ...]:
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
    actor = require(actor, Permission.KB_USE)
    problem = text_search.query_problem(text)
    if problem:
        raise ValidationError({"query": problem})
    if not text.strip():
        return []
    limit = max(1, min(limit, 100))
    query = _query(text, synonym_groups())
    if query.match is None:
        return []
    statuses = (ArticleStatus.PUBLISHED.value,)
    if include_unpublished and actor.can(Permission.KB_EDIT):
        statuses += (ArticleStatus.PENDING.value, ArticleStatus.DRAFT.value)
    ranked = _ranked(query, statuses, limit)
    ids = [i for i, _ in ranked]
    articles = {a.id: a for a in Article.select().where(Article.id.in_(ids))}
    # Reported by an operator and not yet checked again: still in use, but said so (core.kb.articles.flag).
    reported = {f.article_id for f in ArticleFeedback.select(ArticleFeedback.article).where(
        ArticleFeedback.article.in_(ids), ArticleFeedback.resolved_at == "")}
    day = today or clock.now().date()
    return [
        KbHit(a.id, a.title, round(score, 3), highlight(kb.answer_text(a.body), query.words), a.version, a.status,
              flags_of(a, day) + (("有反馈待核",) if a.id in reported else ()), a.source_unit)
        for i, score in ranked
        if (a := articles.get(i)) is not None  # deleted between the two queries: skipped
    ]
