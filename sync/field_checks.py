"""The checks a field's value must pass at the province, each with the wrong values it must refuse.

Each returns None for a good value, else what is wrong with it in Chinese, to follow
"字段 <key> " (sync.validate puts the key in front). Each carries ``bad``: values it must
refuse, offered by tests/sync/test_hostile_batch.py to the real import.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable
from typing import Any

from core import clock
from core.center import regions
from core.vocab import Coded

Check = Callable[[Any], "str | None"]  # None if the value is good, else what is wrong with it
def _refusing(check: Check, *bad: Any) -> Check:
    """``check`` with values it must refuse attached (``check.bad``): each rule says what wrong
    looks like for it, and tests/sync/test_hostile_batch.py offers every one of them."""
    check.bad = bad  # type: ignore[attr-defined]
    return check


def shown(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 30 else text[:30] + "…"


def _type_name(value: Any) -> str:
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return "true/false"
    return {str: "文字", int: "整数", list: "列表", dict: "对象"}.get(type(value), type(value).__name__)


def wrong_type(value: Any, wanted: str) -> str:
    return f"应为{wanted}，却是{_type_name(value)}（{shown(value)}）"


def text(limit: int) -> Check:
    def check(value: Any) -> str | None:
        if type(value) is not str:
            return wrong_type(value, "文字")
        if len(value) > limit:
            return f"有 {len(value):,} 个字，超过上限 {limit:,} 个字"
        return None
    return _refusing(check, 7, "长" * (limit + 1))


def code(vocabulary: type[Coded] | tuple[str, ...], what: str) -> Check:
    """One of a fixed list of codes (core.vocab), ``what`` naming the list as people know it."""
    allowed = frozenset(vocabulary if isinstance(vocabulary, tuple) else vocabulary._value2member_map_)

    def check(value: Any) -> str | None:
        if type(value) is not str:
            return wrong_type(value, "文字")
        if value not in allowed:
            return f"的值“{shown(value)}”不是有效的{what}"
        return None
    return _refusing(check, 7, "xyz")


def optional(check: Check) -> Check:
    """The check, or the empty text the district writes for "none" ('' for a clock not met yet)."""
    def either(value: Any) -> str | None:
        return None if value == "" else check(value)
    return _refusing(either, *check.bad)  # type: ignore[attr-defined]


_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}\Z")
_PLAIN_STAMP = re.compile(r"(199[2-9]|2\d{3})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00\Z")


def stamp(value: Any) -> str | None:
    """A time as core.clock writes it: to the second, with China's offset of that moment."""
    if type(value) is not str:
        return wrong_type(value, "时间")
    if _STAMP.match(value):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return f"的时间“{shown(value)}”不存在"
        # Since 1992 China keeps +08:00 all year; earlier moments (a ledger's 1988) had summer time.
        if _PLAIN_STAMP.match(value):
            return None
        try:
            local = clock.stamp(parsed)
        except (OverflowError, ValueError):  # year 1 or 9999 moved to China's offset leaves the calendar
            return f"的时间“{shown(value)}”格式不对，超出了可用的年份范围"
        if local == value:
            return None
    return f"的时间“{shown(value)}”格式不对，应如 2026-11-22T09:15:03+08:00"


_refusing(stamp, 7, "2026-11-22 09:15", "2026-02-30T09:00:00+08:00", "2026-11-22T09:15:03+09:00",
          "2026-11-22T09:15:03.5+08:00", "0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-10:00")


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


def day(value: Any) -> str | None:
    if type(value) is not str:
        return wrong_type(value, "日期")
    if not _DAY.match(value):
        return f"的日期“{shown(value)}”格式不对，应如 2026-11-22"
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return f"的日期“{shown(value)}”不存在"
    return None


_refusing(day, 7, "2026-2-3", "2026-02-30", "20261122")


def integer(low: int, high: int) -> Check:
    def check(value: Any) -> str | None:
        if type(value) is not int:
            return wrong_type(value, "整数")
        if not low <= value <= high:
            return f"的值 {value} 不在 {low}–{high:,} 之内"
        return None
    return _refusing(check, "7", low - 1, high + 1, True)


def flag(value: Any) -> str | None:
    """A yes/no as SQLite writes it: 0 or 1."""
    if type(value) is not int or value not in (0, 1):
        return f"应为 0 或 1（是/否），却是“{shown(value)}”"
    return None


_refusing(flag, 2, "1", True)


_UID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
_SHA256 = re.compile(r"[0-9a-f]{64}\Z")
PHONE = re.compile(r"\d{5,20}\Z")  # core.tickets.registration.normalize_phone and its 5–20 digits


def pattern(regex: re.Pattern[str], what: str) -> Check:
    def check(value: Any) -> str | None:
        if type(value) is not str:
            return wrong_type(value, "文字")
        if not regex.match(value):
            return f"的值“{shown(value)}”不是{what}"
        return None
    return _refusing(check, 7, " x")


uid = pattern(_UID, "有效的记录编号（UUID）")
sha256 = pattern(_SHA256, "有效的 SHA-256 摘要（64 位十六进制）")


@functools.lru_cache(maxsize=4096)
def _region_ok(value: str) -> bool:
    return value.strip() == value and regions.is_valid_code(value)


def region(value: Any) -> str | None:
    if type(value) is not str:
        return wrong_type(value, "文字")
    if not _region_ok(value):
        return f"的值“{shown(value)}”不是有效的行政区划代码（6 位，如 320102）"
    return None


_refusing(region, 320102, "999999", "32010", " 320102")


def ticket_number(origin: str) -> Check:
    """``320102-20261122-0007``: the sender's own code, a real day, a sequence (core.tickets.registration.next_number).

    Legacy ledger rows get numbers the same way (core.tickets.ledger_import), so there is no other form.
    """
    regex = re.compile(re.escape(origin) + r"-(\d{8})-(\d{4,7})\Z")

    def check(value: Any) -> str | None:
        if type(value) is not str:
            return wrong_type(value, "文字")
        match = regex.match(value)
        if match is None or int(match.group(2)) == 0:
            return f"的值“{shown(value)}”不是本中心（{origin}）的工单编号，应形如 {origin}-20261122-0001"
        try:
            dt.datetime.strptime(match.group(1), "%Y%m%d")
        except ValueError:
            return f"的值“{shown(value)}”中的日期不存在"
        return None
    return _refusing(check, 7, "999999-20261124-0001", f"{origin}-20261332-0001", f"{origin}-20261124-0000")


def _json_text(value: Any, limit: int, empty: str, kind: type, wanted: str) -> tuple[Any, str | None]:
    """(the parsed JSON, None) for text of ``kind`` within ``limit``; (None, None) for ``empty``;
    else (None, what is wrong)."""
    if type(value) is not str:
        return None, wrong_type(value, "JSON 文字")
    if value == empty:
        return None, None
    if len(value) > limit:
        return None, f"有 {len(value):,} 个字，超过上限 {limit:,} 个字"
    try:
        data = json.loads(value)
    except ValueError:
        return None, "不是有效的 JSON"
    if type(data) is not kind:
        return None, wanted
    return data, None


def json_object(limit: int, fields: dict[str, Check] | None = None, only: bool = False,
                nullable: frozenset[str] = frozenset()) -> Check:
    """Text holding a JSON object (a ticket's details, an event's data, a feedback), ``fields``
    checked where present; with ``only`` no other key may appear.

    A key with a rule may not hold null unless it is ``nullable``: the district's program writes
    a value or leaves the key out (core.dispatch.sending, core.dispatch.handling, core.tickets.registration), and a reader
    that takes the key out expects its value (``{"elements": null}`` broke the feedback's lines,
    ``"police_told": null`` printed 未报公安部门). A key without a rule may hold anything."""
    def check(value: Any) -> str | None:
        data, why = _json_text(value, limit, "{}", dict, "应为 JSON 对象（{…}）")
        if why or data is None:
            return why
        for key, inner in data.items():
            rule = fields.get(key) if fields else None
            if rule is None:
                if only:
                    return f"中的“{shown(key)}”不是可填的项"
                continue
            if inner is None:
                if key in nullable:
                    continue
                return f"中的“{key}”不能为空（null）"
            why = rule(inner)
            if why:
                return f"中的“{key}”{why}"
        return None
    bad: list[Any] = [7, "{不是 JSON", "[1, 2]", "长" * (limit + 1)]
    bad += ['{"不可填": 1}'] if only else []
    bad += [json.dumps({key: rule.bad[0]}, ensure_ascii=False) for key, rule in (fields or {}).items()]  # type: ignore[attr-defined]
    bad += [json.dumps({key: None}) for key in (fields or {}) if key not in nullable]
    return _refusing(check, *bad)


def text_map(keys: frozenset[str] | None, limit: int) -> Check:
    """A JSON object of texts (a feedback's elements), each within ``limit``."""
    inner = text(limit)

    def check(value: Any) -> str | None:
        if type(value) is not dict:
            return wrong_type(value, "对象")
        for key, item in value.items():
            if keys is not None and key not in keys:
                return f"中的“{shown(key)}”不是可填的项"
            why = inner(item)
            if why:
                return f"中的“{key}”{why}"
        return None
    first = next(iter(sorted(keys or ["x"])))
    return _refusing(check, "对象", {"不可填": "x"}, {first: 7}, {first: None})


def boolean(value: Any) -> str | None:
    return None if type(value) is bool else wrong_type(value, "true/false")


_refusing(boolean, 1, "true")


def json_list(limit: int, item: Check, most: int) -> Check:
    """Text holding a JSON list of at most ``most`` items, each held to ``item`` (a visit's
    attempts, what a caller was dissatisfied with)."""
    def check(value: Any) -> str | None:
        data, why = _json_text(value, limit, "[]", list, "应为 JSON 列表（[…]）")
        if why or data is None:
            return why
        if len(data) > most:
            return f"有 {len(data)} 项，超过上限 {most} 项"
        for n, inner in enumerate(data, start=1):
            why = item(inner)
            if why:
                return f"的第 {n} 项{why}"
        return None
    return _refusing(check, 7, "[不是 JSON", '{"a": 1}', json.dumps([item.bad[0]], ensure_ascii=False))  # type: ignore[attr-defined]


def fields_of(fields: dict[str, Check]) -> Check:
    """A JSON object (inside a list) with exactly these keys, each held to its rule."""
    def check(value: Any) -> str | None:
        if type(value) is not dict:
            return wrong_type(value, "对象")
        if set(value) != set(fields):
            return f"应有且只有 {'、'.join(fields)} 几项"
        for key, rule in fields.items():
            why = rule(value[key])
            if why:
                return f"中的“{key}”{why}"
        return None
    first = next(iter(fields))
    return _refusing(check, "对象", {"不可填": "x"}, {first: None})
