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

import logging
from typing import Any

import apsw

from core import attachments, files, limits
from core.deadlines import rules as deadline_rules
from core.kb import articles as kb
from core.mediation import cases as mediation
from core.visits import record as visits
from core.tickets import registration
from core.center import topics
from core.units import tree as units
from core.center import users
from core.dispatch.handling import FEEDBACK_ELEMENTS
from core.vocab import (ArticleStatus, AssignmentRole, AssignmentStatus, AttachmentKind, Category, Channel,
                        DispatchMethod, DissatisfiedWith, EmergencyType, EvaluationChannel, EventKind, FeedbackResult,
                        MediationOutcome, NotAcceptedReason, PartyKind, PartySide, RepresentativeRole, RiskLevel,
                        Satisfaction, Solved, Stage, Status, SupervisionKind, UnitContacted, UnitKind, Urgency,
                        VisitStatus)
from forms.catalog import DocumentKind
from sync import records
from sync.field_checks import (Check, PHONE, boolean, code, day, fields_of, flag, integer, json_list, json_object,
                                 optional, pattern, region, sha256, shown, stamp, text, text_map, ticket_number, uid,
                                 wrong_type)

log = logging.getLogger("hotline.sync.validate")
_MISSING = object()

_ELEMENTS = frozenset(k for elements in FEEDBACK_ELEMENTS.values() for k in elements)


# Limits the district's program enforces only since issue 15 (core/limits.py and units.MAX_PHONE,
# kb_io's category names): what a district wrote before them may be longer. Refused at the province,
# such a record would be refused in every batch for good, and everything naming it with it (each
# assignment and supervision of a unit over its new limit: "所引用的承办单位省级中心尚未收到", sent
# again, refused again). So the province holds these fields only to SANITY: 200,000 characters in one
# field of a hotline record is a 100-page document pasted whole, which no person wrote into a unit's
# 职责事项, a party's address or a sign-off; it is the bound the program already gives what it
# composes from such parts (an event's summary and data, a feedback), and it keeps a 20 MB text out.
# The district's own services keep the new limit for every new write.
SANITY = limits.COMPOSED


def since_issue_15(limit: int) -> Check:
    """A text the district has held to ``limit`` only since issue 15: at the province, to SANITY."""
    check = text(max(limit, SANITY))
    check.district_limit = limit  # type: ignore[attr-defined]
    return check


def _rules(origin: str) -> dict[str, dict[str, Check]]:
    """Per kind, per JSON key: what the district's own program writes there (its forms' limits)."""
    name, line, note = since_issue_15(limits.NAME), since_issue_15(limits.LINE), since_issue_15(limits.NOTE)
    long_text = since_issue_15(limits.TEXT)
    sort = integer(0, 1_000_000)
    maybe_stamp = optional(stamp)
    lengths = registration.MAX_LENGTHS
    rules: dict[str, dict[str, Check]] = {
        records.USER: {"username": pattern(users.USERNAME, "有效的登录名（2–32 个英文字母、数字或 _ . -）"),
                       "display_name": text(users.MAX_DISPLAY_NAME),
                       "active": flag, "created_at": stamp},
        records.TOPIC: {"name": text(topics.MAX_TOPIC_NAME), "sort": sort, "active": flag},
        records.UNIT: {"name": text(units.MAX_NAME), "kind": code(UnitKind, "单位类别"),
                       "contact": text(units.MAX_CONTACT), "duty_phone": since_issue_15(units.MAX_PHONE),
                       "email": line, "address": text(units.MAX_LINE), "matters": since_issue_15(limits.TERMS),
                       "keywords": since_issue_15(limits.TERMS),
                       "sort": sort, "active": flag},
        # kb.category_for_path held names to 20 characters, core.kb.import_export's import of articles did not until issue 15
        records.KB_CATEGORY: {"name": since_issue_15(kb.MAX_CATEGORY_NAME), "sort": sort, "active": flag},
        records.KB_ARTICLE: {"version": integer(1, 1_000_000), "status": code(ArticleStatus, "知识状态"),
                             "title": text(kb.MAX_TITLE), "body": text(kb.MAX_BODY), "keywords": text(kb.MAX_KEYWORDS),
                             "source_unit": line, "effective_on": optional(day), "review_on": optional(day),
                             "expires_on": optional(day)},
        records.TICKET: {
            "number": ticket_number(origin), "hotline": code(("12345", "12365"), "热线"),
            "channel": code(Channel, "受理渠道"), "status": code(Status, "工单状态"), "received_at": stamp,
            "caller_phone": optional(pattern(PHONE, "来电号码（5–20 位数字）")),
            "confidential": flag, "visit_consent": flag, "complex": flag, "region_code": optional(region),
            "category": code(Category, "诉求分类"), "urgency": code(Urgency, "紧急程度"),
            "emergency_type": optional(code(EmergencyType, "紧急类型")), "risk_level": optional(code(RiskLevel, "风险等级")),
            "not_accepted_reason": optional(code(NotAcceptedReason, "不予受理原因")),
            # read by core.tickets.reads.detail, each key a line of the detail
            "details": json_object(limits.COMPOSED, dict.fromkeys(registration.DETAIL_FIELDS,
                                                                  text(lengths["prior_handling"])), only=True),
            "source_ref": line,
        } | {key: text(limit) for key, limit in lengths.items() if key not in registration.DETAIL_FIELDS},
        records.EVENT: {"kind": code(EventKind, "工单记录类别"), "at": stamp, "summary": text(limits.COMPOSED),
                        # Every key a read of the province takes out of an event's data, and where:
                        # unit (forms.contexts._event_units, handling_reads' return reasons),
                        # feedback_due, phoned_at, phoned_person, police_told, emergency_told (contexts'
                        # work order and dispatch notice), reason (handling_reads, 退单理由), note.
                        "data": json_object(limits.COMPOSED, {"unit": uid, "feedback_due": day, "phoned_at": stamp,
                                                              "phoned_person": name, "police_told": boolean,
                                                              "emergency_told": boolean, "reason": note,
                                                              "note": note})},
        records.ATTACHMENT: {"kind": code(AttachmentKind, "附件类别"), "sha256": sha256, "name": text(limits.FILE_NAME),
                             "size": integer(0, attachments.MAX_ATTACHMENT_BYTES), "mime": text(limits.FILE_NAME),
                             "added_at": stamp},
        records.ASSIGNMENT: {
            "role": code(AssignmentRole, "承办角色"), "status": code(AssignmentStatus, "派单状态"),
            "dispatched_at": stamp, "method": code(DispatchMethod, "派单方式"), "opinion": note,
            "signed_at": maybe_stamp, "signed_by": name, "feedback_at": maybe_stamp, "closed_at": maybe_stamp,
            # read by core.dispatch.reads.feedback_lines and reviews_page, forms.contexts' feedback texts
            "feedback": json_object(limits.COMPOSED, {"result": code(FeedbackResult, "办理结果"),
                                                      "elements": text_map(_ELEMENTS, SANITY),  # limits.TEXT since 15
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
        records.VISIT: {
            "round": integer(1, 1000), "status": code(VisitStatus, "回访状态"),
            "attempts": json_list(limits.COMPOSED, fields_of({"at": stamp, "note": note}), visits.MAX_ATTEMPTS_KEPT),
            "visited_at": maybe_stamp, "unit_contacted": code(("",) + tuple(c.value for c in UnitContacted), "承办单位联系情况"),
            "solved": code(("",) + tuple(c.value for c in Solved), "解决情况"),
            "satisfaction": code(("",) + tuple(c.value for c in Satisfaction), "满意度"),
            "dissatisfied_with": json_list(limits.COMPOSED, code(DissatisfiedWith, "不满意方面"), len(DissatisfiedWith)),
            "comment": note, "corrected_from": code(("",) + tuple(c.value for c in Satisfaction), "原满意度"),
            "correction_reason": note, "rehandled": flag},
        records.EVALUATION: {"channel": code(EvaluationChannel, "评价渠道"),
                             "satisfaction": code(Satisfaction, "满意度"), "comment": note, "evaluated_at": stamp},
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
                    "name": since_issue_15(limits.NAME), "gender": code(("", "男", "女"), "性别"), "id_number": text(20),
                    "phone": since_issue_15(limits.NAME), "address": since_issue_15(limits.LINE),
                    "representative": since_issue_15(limits.NAME),
                    "representative_role": code(RepresentativeRole, "代理人身份"), "sort": integer(0, 1_000_000)},
        "sessions": {"uid": uid, "at": stamp, "place": since_issue_15(limits.LINE),
                     "mediators": since_issue_15(limits.LINE),
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
            try:
                why = check(value)
            except Exception:  # noqa: BLE001 — a value no check foresaw refuses its record, never the file
                log.exception("the check of field %s broke on %s", key, shown(value))
                why = f"的值“{shown(value)}”格式不对，无法检查"
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
