"""The policy Q&A corpus (../shared/data/kb/policy-qa-train.jsonl) as knowledge-base articles."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "kb" / "policy-qa-train.jsonl"


@dataclass(frozen=True)
class Doc:
    docid: str
    title: str
    body: str


@dataclass(frozen=True)
class Question:
    text: str
    docid: str


def split_title(context: str) -> tuple[str, str]:
    """The corpus puts a document's title before its first space (``标题 正文…``)."""
    head, _, rest = context.partition(" ")
    if rest and 4 <= len(head) <= 60:
        return head, rest.strip()
    first = re.split(r"[。！？]", context, maxsplit=1)[0]
    return first[:60], context


def load() -> tuple[list[Doc], list[Question]]:
    docs: dict[str, Doc] = {}
    questions: list[Question] = []
    with CORPUS.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row["docid"] not in docs:
                title, body = split_title(row["context"])
                docs[row["docid"]] = Doc(row["docid"], title, body)
            questions.append(Question(row["question"], row["docid"]))
    return list(docs.values()), questions
