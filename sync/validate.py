"""Province: every field of every record held to what a district's own program writes.

A record that fails is refused on its own (outcome ``rejected``), its reason naming the
field in Chinese (字段 status 的值“xyz”不是有效的工单状态); records that refer to it then
find their referent missing, as for any record not received. The checks run in the
import's first pass, where each record's JSON is parsed anyway; the apply pass stages a
refused record with its reason and applies nothing of it.

Whether a field may be missing or null is read from the table itself: a column with a
default may be missing (a batch from an older program), a nullable one may be null.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import apsw

from sync import records

Check = Callable[[Any], "str | None"]  # None if the value is good, else what is wrong with it
_MISSING = object()


def shown(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 30 else text[:30] + "…"


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    return {str: "文字", int: "整数", list: "列表", dict: "对象"}.get(type(value), type(value).__name__)


def wrong_type(value: Any, wanted: str) -> str:
    return f"应为{wanted}，却是{_type_name(value)}（{shown(value)}）"


def ticket_number(origin: str) -> Check:
    """``320102-20261122-0007``: the sender's own code, a real day, a sequence (core.registration.next_number).

    Legacy ledger rows get numbers the same way (core.ledger_import), so there is no other form.
    """
    pattern = re.compile(re.escape(origin) + r"-(\d{8})-(\d{4,7})\Z")

    def check(value: Any) -> str | None:
        if type(value) is not str:
            return wrong_type(value, "文字")
        match = pattern.match(value)
        if match is None or int(match.group(2)) == 0:
            return f"的值“{shown(value)}”不是本中心（{origin}）的工单编号，应形如 {origin}-20261122-0001"
        try:
            dt.datetime.strptime(match.group(1), "%Y%m%d")
        except ValueError:
            return f"的值“{shown(value)}”中的日期不存在"
        return None
    return check


def _rules(origin: str) -> dict[str, dict[str, Check]]:
    """Per kind, per JSON key: the check its value must pass."""
    return {records.TICKET: {"number": ticket_number(origin)}}


Columns = dict[str, dict[str, tuple[bool, bool]]]  # table -> column -> (may be missing, may be null)


def columns(conn: apsw.Connection) -> Columns:
    """What the tables allow, read from them: a default lets a field be missing, no NOT NULL lets it be null."""
    tables = {k.table for k in records.KINDS} | {c.table for k in records.KINDS for c in k.children}
    out: Columns = {}
    for table in tables:
        out[table] = {name: (default is not None or not notnull, not notnull)
                      for _cid, name, _type, notnull, default, _pk in conn.execute(f'PRAGMA table_info("{table}")')}
    return out


class Validator:
    """The checks of one import, for one sending district."""

    def __init__(self, origin: str, allowed: Columns) -> None:
        rules = _rules(origin)
        self._fields: dict[str, list[tuple[str, Check, bool, bool]]] = {}
        for kind in records.KINDS:
            table = allowed[kind.table]
            fields = []
            for key, check in rules.get(kind.name, {}).items():
                column = key if key in table else f"{key}_id"
                missing_ok, null_ok = table.get(column, (True, True))
                fields.append((key, check, missing_ok, null_ok))
            self._fields[kind.name] = fields

    def problem(self, kind: str, record: dict[str, Any]) -> str | None:
        """Why ``record`` cannot be taken, naming the field; None if it can."""
        for key, check, missing_ok, null_ok in self._fields[kind]:
            value = record.get(key, _MISSING)
            if value is _MISSING:
                if not missing_ok:
                    return f"缺少字段 {key}"
            elif value is None:
                if not null_ok:
                    return f"字段 {key} 不能为空"
            else:
                why = check(value)
                if why is not None:
                    return f"字段 {key} {why}"
        return None
