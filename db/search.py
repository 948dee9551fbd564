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

import itertools
import re
import unicodedata
from collections.abc import Sequence

import apsw

TOKENIZER = "hotline"

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_RUNS = re.compile(f"([{_HAN}]+)|([^\\W_{_HAN}]+)")


def _fold(word: str) -> str:
    return unicodedata.normalize("NFKC", word).lower()


def tokens(text: str, for_query: bool = False) -> list[tuple]:
    """(start, end, token, *colocated), offsets in UTF-8 bytes as FTS5 wants them.

    Offsets are counted here rather than through apsw.fts5.StringTokenizer's
    position mapper: a Han character of the basic plane is always 3 bytes, so a
    run needs one multiplication per character. This is the indexing hot path
    (bench/bench_kb.py compares its speed with apsw's n-gram tokenizer).
    """
    out: list[tuple] = []
    char_at = byte_at = 0
    for match in _RUNS.finditer(text):
        start, end = match.span()
        if start > char_at:
            byte_at += len(text[char_at:start].encode("utf-8"))
        run = match.group(0)
        size = len(run.encode("utf-8"))
        if match.group(1) is None:
            out.append((byte_at, byte_at + size, _fold(run)))
        else:
            starts: Sequence[int]
            ends: Sequence[int]
            if size == 3 * len(run):
                starts, ends = range(byte_at, byte_at + size, 3), range(byte_at + 3, byte_at + size + 1, 3)
            else:  # characters outside the basic plane are 4 bytes
                edges = list(itertools.accumulate((len(ch.encode("utf-8")) for ch in run), initial=byte_at))
                starts, ends = edges[:-1], edges[1:]
            last = len(run) - 1
            if for_query:
                if last == 0:
                    out.append((starts[0], ends[0], run))
                out += zip(starts, ends[1:], map(str.__add__, run, run[1:]))
            else:  # zip builds the tuples in C: a third faster than a comprehension
                out += zip(starts, ends, run, map(str.__add__, run, run[1:]))
                out.append((starts[last], ends[last], run[last]))
        char_at, byte_at = end, byte_at + size
    return out


def hotline_tokenizer(con: apsw.Connection, args: list[str]) -> apsw.Tokenizer:
    if args:
        raise ValueError(f"the {TOKENIZER} tokenizer takes no arguments: {args}")

    def tokenize(utf8: bytes, flags: int, locale: str | None) -> list[tuple]:
        return tokens(utf8.decode("utf-8", errors="replace"), for_query=bool(flags & apsw.FTS5_TOKENIZE_QUERY))

    return tokenize


def register(conn: apsw.Connection) -> None:
    conn.register_fts5_tokenizer(TOKENIZER, hotline_tokenizer)


def terms(text: str) -> list[str]:
    """The searchable terms of what was typed: runs of Han characters, letters or digits.

    ``"燃气 OR 泄漏*"`` → ``["燃气", "or", "泄漏"]``; punctuation and FTS syntax vanish.
    """
    return [_fold(m.group(0)) for m in _RUNS.finditer(text)]


def quoted(term: str) -> str:
    """An FTS5 string: whatever is inside is text, never syntax."""
    return '"' + term.replace('"', '""') + '"'


def is_han(term: str) -> bool:
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
    return " AND ".join(quoted(t) if is_han(t) else quoted(t) + " *" for t in found)
