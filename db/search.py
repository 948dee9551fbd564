"""Chinese full-text search: an FTS5 tokenizer that finds 1- and 2-character words.

SQLite's own tokenizers fail on Chinese: unicode61 makes a whole sentence one
token, and trigram cannot match a query shorter than three characters
(DESIGN "Data"). The ``hotline`` tokenizer, registered on every connection
(see ``db.connection``), indexes each Han character as a token, with the
bigram it starts colocated at the same position:

    燃气泄漏  →  燃+燃气 | 气+气泄 | 泄+泄漏 | 漏

A one-character query looks up the unigram; a longer one becomes the phrase of
its bigrams (燃气泄漏 → 燃气 气泄 泄漏 at consecutive positions), which matches
exactly where the text contains it. Runs of letters and digits (ETC, 12345,
full-width ＥＴＣ) are single tokens, NFKC-folded and lower-cased.

Queries are built here from what a person typed, never passed through: every
term is quoted, so ``"``, ``*``, ``NEAR``, ``OR`` or ``(`` are only text.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

import apsw
import apsw.fts5

TOKENIZER = "hotline"

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_RUNS = re.compile(f"([{_HAN}]+)|([^\\W_{_HAN}]+)")


def _fold(word: str) -> str:
    return unicodedata.normalize("NFKC", word).lower()


def tokens(text: str, for_query: bool = False) -> Iterator[tuple]:
    """(start, end, token, *colocated) with offsets into ``text``."""
    for match in _RUNS.finditer(text):
        start = match.start()
        han = match.group(1)
        if han is None:
            yield start, match.end(), _fold(match.group(2))
            continue
        last = len(han) - 1
        if for_query:
            if last == 0:
                yield start, start + 1, han
            for i in range(last):
                yield start + i, start + i + 2, han[i : i + 2]
            continue
        for i in range(last):
            yield start + i, start + i + 1, han[i], han[i : i + 2]
        yield start + last, start + last + 1, han[last]


@apsw.fts5.StringTokenizer
def hotline_tokenizer(con: apsw.Connection, args: list[str]) -> apsw.Tokenizer:
    if args:
        raise ValueError(f"the {TOKENIZER} tokenizer takes no arguments: {args}")

    def tokenize(text: str, flags: int, locale: str | None) -> Iterator[tuple]:
        return tokens(text, for_query=bool(flags & apsw.FTS5_TOKENIZE_QUERY))

    return tokenize


def register(conn: apsw.Connection) -> None:
    conn.register_fts5_tokenizer(TOKENIZER, hotline_tokenizer)


def terms(text: str) -> list[str]:
    """The searchable terms of what was typed: runs of Han characters, letters or digits.

    ``"燃气 OR 泄漏*"`` → ``["燃气", "or", "泄漏"]``; punctuation and FTS syntax vanish.
    """
    return [_fold(m.group(0)) for m in _RUNS.finditer(text)]


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _is_han(term: str) -> bool:
    match = _RUNS.fullmatch(term)
    return bool(match and match.group(1))


def match_all(text: str) -> str | None:
    """Every term must occur; None if there is no term.

    Chinese matches as a substring (the bigram phrase); a word of letters or
    digits matches as the start of a word, so ``ET`` finds ETC and ``50`` finds 500.
    """
    found = terms(text)
    if not found:
        return None
    return " AND ".join(_quoted(t) if _is_han(t) else _quoted(t) + " *" for t in found)


def match_any(text: str, drop: frozenset[str] = frozenset()) -> str | None:
    """Any bigram, character or word may occur; for ranking a whole question by BM25.

    ``drop`` removes words that carry no meaning in a question (怎么, 如何 …).
    """
    pieces: list[str] = []
    for term in terms(text):
        if term in drop:
            continue
        if _is_han(term):
            pieces += [term] if len(term) == 1 else [term[i : i + 2] for i in range(len(term) - 1)]
        else:
            pieces.append(term)
    pieces = [p for p in dict.fromkeys(pieces) if p not in drop]
    return " OR ".join(_quoted(p) for p in pieces) if pieces else None
