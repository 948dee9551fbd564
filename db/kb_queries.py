"""SQL for the knowledge base search (core.kb_search): term statistics and BM25 ranking."""
from __future__ import annotations

from db.connection import raw_connection

# bm25 weights of kb_fts's columns: a word in the title counts most, a keyword
# (set by the editor) next, the body least (issue 3: "title weighted above the body").
WEIGHTS = (8.0, 4.0, 1.0)


def document_count() -> int:
    row = raw_connection().execute("SELECT count(*) FROM kb_article WHERE status <> 'retired'").fetchone()
    return int(row[0])


def document_frequencies(tokens: list[str]) -> dict[str, int]:
    """How many articles hold each token (unigram or bigram), from the index's vocabulary."""
    if not tokens:
        return {}
    marks = ",".join("?" * len(tokens))
    sql = f"SELECT term, doc FROM kb_fts_vocab WHERE term IN ({marks})"
    return {term: int(doc) for term, doc in raw_connection().execute(sql, tokens)}


def ranked(match: str, statuses: tuple[str, ...], limit: int) -> list[tuple[int, float]]:
    """(article id, score) best first; the score is -bm25, higher is better."""
    marks = ",".join("?" * len(statuses))
    w = ", ".join(str(x) for x in WEIGHTS)
    sql = (
        f"SELECT a.id, -bm25(kb_fts, {w}) AS score FROM kb_fts JOIN kb_article a ON a.id = kb_fts.rowid "
        f"WHERE kb_fts MATCH ? AND a.status IN ({marks}) ORDER BY bm25(kb_fts, {w}) LIMIT ?"
    )
    return [(int(i), float(s)) for i, s in raw_connection().execute(sql, (match, *statuses, limit))]
