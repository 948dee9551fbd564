"""SQL for the knowledge base search (core.kb.search): index statistics and candidate articles.

Statistics come from the index itself: how many articles it holds and how
long their columns are (apsw.fts5.Table, which reads FTS5's own totals), and
how many articles hold a term (the fts5vocab table kb_fts_vocab). Counting a
common term walks its whole posting list, a few milliseconds at 50,000
articles, so the counts are kept per thread until the index changes, which
FTS5's structure record tells (apsw's ``change_cookie``).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import apsw
import apsw.fts5

from db.connection import raw_connection

# bm25 weights of kb_fts's columns for picking candidates: a word in the title
# counts most, a keyword (set by the editor) next, the body least.
WEIGHTS = (8.0, 4.0, 1.0)
_CACHED_TERMS = 50_000  # beyond this many remembered counts, start again


@dataclass(frozen=True)
class Candidate:
    id: int
    title: str
    keywords: str
    body: str


@dataclass(frozen=True)
class IndexSize:
    articles: int  # rows of the index, whatever their status: the base of the term counts
    average_tokens: tuple[float, float, float]  # per article, of title, keywords, body


class _Statistics(threading.local):
    connection: apsw.Connection | None = None
    table: apsw.fts5.Table | None = None
    cookie: int | None = None
    frequencies: dict[str, int]

    def __init__(self) -> None:
        self.frequencies = {}

    def current(self) -> apsw.fts5.Table:
        """This thread's view of kb_fts, with the counts forgotten if the index changed."""
        conn = raw_connection()
        if self.table is None or self.connection is not conn:
            self.connection, self.table, self.cookie = conn, apsw.fts5.Table(conn, "kb_fts"), None
        cookie = self.table.change_cookie
        if cookie != self.cookie or len(self.frequencies) > _CACHED_TERMS:
            self.cookie, self.frequencies = cookie, {}
        return self.table


_statistics = _Statistics()


def index_size() -> IndexSize:
    table = _statistics.current()
    articles = table.row_count
    per_column = table.tokens_per_column
    average = tuple(n / articles if articles else 0.0 for n in per_column)
    return IndexSize(articles, (average[0], average[1], average[2]))


def document_count() -> int:
    """Articles in the index (retired ones too: they are in the term counts as well)."""
    return index_size().articles


def document_frequencies(tokens: list[str]) -> dict[str, int]:
    """How many articles hold each token (unigram or bigram); tokens in none are left out."""
    _statistics.current()
    known = _statistics.frequencies
    missing = [t for t in dict.fromkeys(tokens) if t not in known]
    if missing:
        marks = ",".join("?" * len(missing))
        sql = f"SELECT term, doc FROM kb_fts_vocab WHERE term IN ({marks})"
        found = {term: int(doc) for term, doc in raw_connection().execute(sql, missing)}
        for term in missing:
            known[term] = found.get(term, 0)
    return {t: known[t] for t in tokens if known.get(t)}


def candidates(match: str, statuses: tuple[str, ...], limit: int) -> list[Candidate]:
    """Articles matching ``match`` with one of ``statuses``, best bm25 first, with their text.

    The index ranks on its own first and only the best rows are looked up in
    kb_article: joining before the ORDER BY would read the status (and carry
    the text) of every matching article, thousands on a large base.
    """
    w = ", ".join(str(x) for x in WEIGHTS)
    ranked_sql = (
        f"SELECT hit, a.status FROM (SELECT rowid AS hit, bm25(kb_fts, {w}) AS rank FROM kb_fts "
        f"WHERE kb_fts MATCH ? ORDER BY rank LIMIT ?) JOIN kb_article a ON a.id = hit ORDER BY rank"
    )
    conn = raw_connection()
    wanted = set(statuses)
    fetch = 2 * limit  # room for drafts and retired articles among the best
    while True:
        rows = conn.execute(ranked_sql, (match, fetch)).fetchall()
        ids = [int(i) for i, status in rows if status in wanted][:limit]
        if len(ids) == limit or len(rows) < fetch:
            break
        fetch *= 4
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    text = {int(i): (t, k, b) for i, t, k, b in
            conn.execute(f"SELECT id, title, keywords, body FROM kb_article WHERE id IN ({marks})", ids)}
    return [Candidate(i, *text[i]) for i in ids if i in text]


def forget_statistics() -> None:
    """Forget this thread's remembered term counts, as if the index had just changed (bench/)."""
    _statistics.frequencies = {}
