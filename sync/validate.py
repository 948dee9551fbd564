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
import functools
import json
import re
from collections.abc import Callable
from typing import Any

import apsw

from core import attachments, clock, deadline_rules, files, kb, limits, mediation, regions, registration, topics, units, users
from core.handling import FEEDBACK_ELEMENTS
from core.vocab import (ArticleStatus, AssignmentRole, AssignmentStatus, AttachmentKind, Category, Channel, Coded,
                        DispatchMethod, EmergencyType, EventKind, FeedbackResult, MediationOutcome, NotAcceptedReason,
                        PartyKind, PartySide, RepresentativeRole, RiskLevel, Stage, Status, SupervisionKind, UnitKind,
                        Urgency)
from forms.catalog import DocumentKind
from sync import records

Check = Callable[[Any], "str | None"]  # None if the value is good, else what is wrong with it
_MISSING = object()


def _refusing(check: Check, *bad: Any) -> Check:
    """``check`` with values it must refuse attached (``check.bad``): each rule says what wrong
    looks like for it, and tests/sync/test_hostile_batch.py offers every one of them."""
    check.bad = bad  # type: ignore[attr-defined]
    return check


def shown(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 30 else text[:30] + "…"


def _type_name(value: Any) -> str:
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
        if _PLAIN_STAMP.match(value) or clock.stamp(parsed) == value:
            return None
    return f"的时间“{shown(value)}”格式不对，应如 2026-11-22T09:15:03+08:00"


_refusing(stamp, 7, "2026-11-22 09:15", "2026-02-30T09:00:00+08:00", "2026-11-22T09:15:03+09:00",
          "2026-11-22T09:15:03.5+08:00")


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
_PHONE = re.compile(r"\d{5,20}\Z")  # core.registration.normalize_phone and its 5–20 digits


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
    """``320102-20261122-0007``: the sender's own code, a real day, a sequence (core.registration.next_number).

    Legacy ledger rows get numbers the same way (core.ledger_import), so there is no other form.
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


def json_object(limit: int, fields: dict[str, Check] | None = None, only: bool = False) -> Check:
    """Text holding a JSON object (a ticket's details, an event's data, a feedback), ``fields``
    checked where present; with ``only`` no other key may appear."""
    def check(value: Any) -> str | None:
        if type(value) is not str:
            return wrong_type(value, "JSON 文字")
        if value == "{}":
            return None
        if len(value) > limit:
            return f"有 {len(value):,} 个字，超过上限 {limit:,} 个字"
        try:
            data = json.loads(value)
        except ValueError:
            return "不是有效的 JSON"
        if type(data) is not dict:
            return "应为 JSON 对象（{…}）"
        for key, inner in data.items():
            rule = fields.get(key) if fields else None
            if rule is None:
                if only:
                    return f"中的“{shown(key)}”不是可填的项"
                continue
            why = None if inner is None else rule(inner)  # a null reads as "not given" everywhere
            if why:
                return f"中的“{key}”{why}"
        return None
    bad: list[Any] = [7, "{不是 JSON", "[1, 2]", "长" * (limit + 1)]
    bad += ['{"不可填": 1}'] if only else []
    bad += [json.dumps({key: rule.bad[0]}, ensure_ascii=False) for key, rule in (fields or {}).items()]  # type: ignore[attr-defined]
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
    return _refusing(check, "对象", {"不可填": "x"}, {next(iter(keys or ["x"])): 7})


def boolean(value: Any) -> str | None:
    return None if type(value) is bool else wrong_type(value, "true/false")


_refusing(boolean, 1, "true")


_ELEMENTS = frozenset(k for elements in FEEDBACK_ELEMENTS.values() for k in elements)


def _rules(origin: str) -> dict[str, dict[str, Check]]:
    """Per kind, per JSON key: what the district's own program writes there (its forms' limits)."""
    name, line, note, long_text = text(limits.NAME), text(limits.LINE), text(limits.NOTE), text(limits.TEXT)
    sort = integer(0, 1_000_000)
    maybe_stamp = optional(stamp)
    lengths = registration.MAX_LENGTHS
    rules: dict[str, dict[str, Check]] = {
        records.USER: {"username": pattern(users.USERNAME, "有效的登录名（2–32 个英文字母、数字或 _ . -）"), "display_name": text(users.MAX_DISPLAY_NAME),
                       "active": flag, "created_at": stamp},
        records.TOPIC: {"name": text(topics.MAX_TOPIC_NAME), "sort": sort, "active": flag},
        records.UNIT: {"name": text(units.MAX_NAME), "kind": code(UnitKind, "单位类别"),
                       "contact": text(units.MAX_CONTACT), "duty_phone": text(units.MAX_PHONE), "email": line,
                       "address": text(units.MAX_LINE), "matters": text(limits.TERMS), "keywords": text(limits.TERMS),
                       "sort": sort, "active": flag},
        records.KB_CATEGORY: {"name": text(kb.MAX_CATEGORY_NAME), "sort": sort, "active": flag},
        records.KB_ARTICLE: {"version": integer(1, 1_000_000), "status": code(ArticleStatus, "知识状态"),
                             "title": text(kb.MAX_TITLE), "body": text(kb.MAX_BODY), "keywords": text(kb.MAX_KEYWORDS),
                             "source_unit": line, "effective_on": optional(day), "review_on": optional(day),
                             "expires_on": optional(day)},
        records.TICKET: {
            "number": ticket_number(origin), "hotline": code(("12345", "12365"), "热线"),
            "channel": code(Channel, "受理渠道"), "status": code(Status, "工单状态"), "received_at": stamp,
            "caller_phone": optional(pattern(_PHONE, "来电号码（5–20 位数字）")),
            "confidential": flag, "visit_consent": flag, "complex": flag, "region_code": optional(region),
            "category": code(Category, "诉求分类"), "urgency": code(Urgency, "紧急程度"),
            "emergency_type": optional(code(EmergencyType, "紧急类型")), "risk_level": optional(code(RiskLevel, "风险等级")),
            "not_accepted_reason": optional(code(NotAcceptedReason, "不予受理原因")),
            "details": json_object(limits.COMPOSED, dict.fromkeys(registration.DETAIL_FIELDS,
                                                                  text(lengths["prior_handling"])), only=True),
            "source_ref": line,
        } | {key: text(limit) for key, limit in lengths.items() if key not in registration.DETAIL_FIELDS},
        records.EVENT: {"kind": code(EventKind, "工单记录类别"), "at": stamp, "summary": text(limits.COMPOSED),
                        # what the province's own reads take out of an event's data (forms.contexts, handling_reads)
                        "data": json_object(limits.COMPOSED, {"unit": uid, "phoned_at": stamp, "phoned_person": name,
                                                              "police_told": boolean, "emergency_told": boolean,
                                                              "reason": note, "note": note})},
        records.ATTACHMENT: {"kind": code(AttachmentKind, "附件类别"), "sha256": sha256, "name": text(limits.FILE_NAME),
                             "size": integer(0, attachments.MAX_ATTACHMENT_BYTES), "mime": text(limits.FILE_NAME),
                             "added_at": stamp},
        records.ASSIGNMENT: {
            "role": code(AssignmentRole, "承办角色"), "status": code(AssignmentStatus, "派单状态"),
            "dispatched_at": stamp, "method": code(DispatchMethod, "派单方式"), "opinion": note,
            "signed_at": maybe_stamp, "signed_by": name, "feedback_at": maybe_stamp, "closed_at": maybe_stamp,
            "feedback": json_object(limits.COMPOSED, {"result": code(FeedbackResult, "办理结果"),
                                                      "elements": text_map(_ELEMENTS, limits.TEXT),
                                                      "received_via": line}, only=True)},
        records.DEADLINE: {"stage": code(Stage, "时限环节"), "started_at": stamp, "due_at": stamp, "provisional": flag,
                           "profile": code(tuple(deadline_rules.PROFILES), "时限规则"),
                           "rules_version": integer(0, 1_000_000), "rule_key": name, "met_at": maybe_stamp,
                           "cancelled": flag},
        records.EXTENSION: {"reason": note, "requested_due": day, "asked_at": stamp,
                            "decision": code(("", "approved", "refused", "lapsed"), "延期审批结果"),
                            "decided_at": maybe_stamp, "decision_note": note},
        records.SUPERVISION: {"kind": code(SupervisionKind, "督办方式"), "at": stamp, "content": long_text,
                              "answer": long_text, "answered_at": maybe_stamp},
        records.MEDIATION: {
            "status": code((mediation.OPEN, mediation.CONCLUDED), "调解状态"),
            "outcome": optional(code(MediationOutcome, "调解结果")), "opened_at": stamp, "concluded_at": maybe_stamp,
        } | dict.fromkeys(("facts", "request", "agreement", "termination_reason"), text(mediation.MAX_TEXT)),
        records.DOCUMENT: {"kind": code(DocumentKind, "文书种类"), "number": line, "template": line,
                           "template_sha256": sha256, "sha256": sha256,
                           "size": integer(0, attachments.MAX_ATTACHMENT_BYTES), "file_name": text(files.MAX_CHARS),
                           "masked": flag, "issued_at": stamp},
    }
    for kind in records.KINDS:
        fields = rules.setdefault(kind.name, {})
        if "updated_at" in kind.columns:
            fields.setdefault("updated_at", stamp)
        for column in kind.refs:
            fields[records.ref_key(column)] = uid
    return rules


def child_rules() -> dict[str, dict[str, Check]]:
    """A mediation case's parties and sessions, by the key they travel under."""
    return {
        "parties": {"uid": uid, "side": code(PartySide, "当事人一方"), "kind": code(PartyKind, "当事人类别"),
                    "name": text(limits.NAME), "gender": code(("", "男", "女"), "性别"), "id_number": text(20),
                    "phone": text(limits.NAME), "address": text(limits.LINE), "representative": text(limits.NAME),
                    "representative_role": code(RepresentativeRole, "代理人身份"), "sort": integer(0, 1_000_000)},
        "sessions": {"uid": uid, "at": stamp, "place": text(limits.LINE), "mediators": text(limits.LINE),
                     "record": text(mediation.MAX_TEXT), "recorded_at": stamp, "recorded_by": uid},
    }


Columns = dict[str, dict[str, tuple[bool, bool]]]  # table -> column -> (may be missing, may be null)


def columns(conn: apsw.Connection) -> Columns:
    """What the tables allow, read from them: a default lets a field be missing, no NOT NULL lets it be null."""
    tables = {k.table for k in records.KINDS} | {c.table for k in records.KINDS for c in k.children}
    out: Columns = {}
    for table in tables:
        out[table] = {name: (default is not None or not notnull, not notnull)
                      for _cid, name, _type, notnull, default, _pk in conn.execute(f'PRAGMA table_info("{table}")')}
    return out


Fields = list[tuple[str, Check, bool, bool]]  # (key, check, may be missing, may be null)


def _compile(rules: dict[str, Check], table: dict[str, tuple[bool, bool]]) -> Fields:
    out = []
    for key, check in rules.items():
        column = key if key in table else f"{key}_id"
        missing_ok, null_ok = table.get(column, (True, True))
        out.append((key, check, missing_ok, null_ok))
    return out


def _problem(fields: Fields, record: dict[str, Any]) -> str | None:
    for key, check, missing_ok, null_ok in fields:
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


REPEATED_CHILD = "所含的调解当事人或调解记录的编号在文件中重复出现"


class Validator:
    """The checks of one import, for one sending district."""

    def __init__(self, origin: str, allowed: Columns) -> None:
        rules, nested = _rules(origin), child_rules()
        self._fields = {k.name: _compile(rules[k.name], allowed[k.table]) for k in records.KINDS}
        self._children = {k.name: [(c, _compile(nested[c.key], allowed[c.table])) for c in k.children]
                          for k in records.KINDS}
        self._child_uids: set[int] = set()

    def problem(self, kind: str, record: dict[str, Any]) -> str | None:
        """Why ``record`` cannot be taken, naming the field; None if it can. The same answer every time."""
        why = _problem(self._fields[kind], record)
        if why is not None:
            return why
        for child, fields in self._children[kind]:
            items = record.get(child.key)
            if items is None:
                continue
            if type(items) is not list:
                return f"字段 {child.key} {wrong_type(items, '列表')}"
            for n, item in enumerate(items, 1):
                if type(item) is not dict:
                    return f"{child.label}（{child.key}）第 {n} 项{wrong_type(item, '对象')}"
                why = _problem(fields, item)
                if why is not None:
                    return f"{child.label}（{child.key}）第 {n} 项的{why}"
        return None

    def repeated_child(self, kind: str, record: dict[str, Any]) -> bool:
        """Whether a party or session of ``record`` has a uid one earlier in the file had (first pass only)."""
        for child, _fields in self._children[kind]:
            for item in record.get(child.key) or ():
                h = hash(item["uid"])
                if h in self._child_uids:
                    return True
                self._child_uids.add(h)
        return False
