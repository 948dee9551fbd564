"""Which rows travel to the province, as what JSON, and how the province stores them.

A record is one row (with its nested children, for a mediation case) keyed by its
``uid``; references to other rows travel as their uids. Every record carries the
``origin`` and ``rev`` of its owning center: events and attachments never change
(rev 1); deadlines take their ticket's origin. What stays local is left out on
purpose, listed in ``LOCAL`` (a test holds every column to one list or the other):
a password, an article's use count, a deadline's reminder level.

The JSON of a record is built by SQLite (``json_object``) and read back by it
(``json_extract``), so the 100,000 rows of a big batch never pass through Python
objects one field at a time. The record hash is SHA-256 of that JSON as written:
a change to what a kind carries must come with a schema upgrade that raises the
rev of the rows it touches, or the province would see the same rev with new
content (a conflict).
"""
from __future__ import annotations

from dataclasses import dataclass, field

USER, TOPIC, UNIT, KB_CATEGORY, KB_ARTICLE = "staff", "topic", "unit", "kb_category", "kb_article"
TICKET, EVENT, ATTACHMENT, ASSIGNMENT, DEADLINE = "ticket", "ticket_event", "attachment", "assignment", "deadline"
EXTENSION, SUPERVISION, MEDIATION, DOCUMENT = "extension_request", "supervision", "mediation_case", "issued_document"
VISIT, EVALUATION = "return_visit", "evaluation"

LABELS = {USER: "人员", TOPIC: "问题分类", UNIT: "承办单位", KB_CATEGORY: "知识分类", KB_ARTICLE: "知识",
          TICKET: "工单", EVENT: "工单记录", ATTACHMENT: "附件（仅登记信息）", ASSIGNMENT: "派单",
          DEADLINE: "时限", EXTENSION: "延期申请", SUPERVISION: "督办", MEDIATION: "调解",
          DOCUMENT: "文书（仅登记信息）", VISIT: "回访",
          EVALUATION: "好差评"}


@dataclass(frozen=True)
class Child:
    """Rows that travel inside their parent's record (a case's parties and sessions)."""

    key: str
    table: str
    parent_column: str
    columns: tuple[str, ...]
    refs: dict[str, str] = field(default_factory=dict)
    order: str = "id"
    label: str = ""


@dataclass(frozen=True)
class Kind:
    name: str
    table: str
    columns: tuple[str, ...]              # carried as they are; JSON key = column
    refs: dict[str, str] = field(default_factory=dict)  # column -> referenced table; JSON key drops "_id"
    has_rev: bool = True
    owned_via_ticket: bool = False        # no origin column: the ticket's
    tree: bool = False                    # refers to itself; parents are written, and applied, first
    children: tuple[Child, ...] = ()
    optional: bool = False                # sent only when the district chooses to (knowledge base)
    province_values: dict[str, str] = field(default_factory=dict)  # column -> SQL over payload ``p`` at the province
    json_refs: tuple[tuple[str, str, str], ...] = ()  # (JSON column, key, table): a uid a read of the province follows

    @property
    def label(self) -> str:
        return LABELS[self.name]

    @property
    def self_refs(self) -> tuple[str, ...]:
        return tuple(c for c, t in self.refs.items() if t == self.table)


def ref_key(column: str) -> str:
    return column[:-3] if column.endswith("_id") else column


# In the order they are written and applied: what a record refers to comes before it.
KINDS: tuple[Kind, ...] = (
    Kind(USER, "user", ("uid", "origin", "rev", "username", "display_name", "active", "created_at", "updated_at"),
         # At the province a district's staff are names on events, never accounts: no password, never active,
         # and the login name qualified by the district so two districts' "op1" do not collide.
         province_values={"username": "json_extract(p, '$.origin') || ':' || json_extract(p, '$.username')",
                          "password_hash": "'!'", "active": "0"}),
    Kind(TOPIC, "topic", ("uid", "origin", "rev", "updated_at", "name", "sort", "active"),
         {"parent_id": "topic"}, tree=True),
    Kind(UNIT, "unit", ("uid", "origin", "rev", "updated_at", "name", "kind", "contact", "duty_phone", "email",
                        "address", "matters", "keywords", "sort", "active"), {"parent_id": "unit"}, tree=True),
    Kind(KB_CATEGORY, "kb_category", ("uid", "origin", "rev", "updated_at", "name", "sort", "active"),
         {"parent_id": "kb_category"}, tree=True, optional=True),
    Kind(KB_ARTICLE, "kb_article", ("uid", "origin", "rev", "updated_at", "version", "status", "title", "body",
                                    "keywords", "source_unit", "effective_on", "review_on", "expires_on"),
         {"category_id": "kb_category", "created_by": "user", "updated_by": "user"}, optional=True),
    Kind(TICKET, "ticket", ("uid", "origin", "rev", "updated_at", "number", "hotline", "channel", "status",
                            "received_at", "caller_name", "caller_phone", "caller_contact", "caller_address",
                            "caller_org", "confidential", "visit_consent", "occurred_at", "region_code", "address",
                            "reported_unit", "title", "content", "category", "urgency", "emergency_type",
                            "risk_level", "not_accepted_reason", "referral", "reply", "details", "source_ref",
                            "complex"),
         {"topic_id": "topic", "repeat_of_id": "ticket", "created_by": "user"},
         # A number another ticket of the same district holds (it was restored from a backup and
         # reissued it): kept, marked, until the district renumbers it (issue 15 §3).
         province_values={"number_clash": "EXISTS (SELECT 1 FROM ticket o WHERE o.origin = json_extract(p, '$.origin')"
                                          " AND o.number = json_extract(p, '$.number') AND o.number_clash = 0"
                                          " AND o.uid <> json_extract(p, '$.uid'))"}),
    Kind(EVENT, "ticket_event", ("uid", "origin", "kind", "at", "summary", "data"),
         {"ticket_id": "ticket", "actor_id": "user"}, has_rev=False,
         # the unit a step was the unit's, shown by name on the work order and the handling panel
         json_refs=(("data", "unit", "unit"),)),
    Kind(ATTACHMENT, "attachment", ("uid", "origin", "kind", "sha256", "name", "size", "mime", "added_at"),
         {"ticket_id": "ticket", "added_by": "user"}, has_rev=False),
    Kind(ASSIGNMENT, "assignment", ("uid", "origin", "rev", "updated_at", "role", "status", "dispatched_at",
                                    "method", "opinion", "signed_at", "signed_by", "feedback", "feedback_at",
                                    "closed_at"),
         {"ticket_id": "ticket", "unit_id": "unit", "dispatched_by": "user"}),
    Kind(DEADLINE, "deadline", ("uid", "rev", "stage", "started_at", "due_at", "provisional", "profile",
                                "rules_version", "rule_key", "met_at", "cancelled"),
         {"ticket_id": "ticket", "assignment_id": "assignment"}, owned_via_ticket=True),
    Kind(EXTENSION, "extension_request", ("uid", "origin", "rev", "updated_at", "reason", "requested_due", "asked_at",
                                          "decision", "decided_at", "decision_note"),
         {"assignment_id": "assignment", "recorded_by": "user", "decided_by": "user"}),
    Kind(SUPERVISION, "supervision", ("uid", "origin", "rev", "updated_at", "kind", "at", "content", "answer",
                                      "answered_at"),
         {"ticket_id": "ticket", "unit_id": "unit", "by_user": "user"}),
    Kind(VISIT, "return_visit", ("uid", "origin", "rev", "updated_at", "round", "status", "attempts", "visited_at",
                                 "unit_contacted", "solved", "satisfaction", "dissatisfied_with", "comment",
                                 "corrected_from", "correction_reason", "rehandled"),
         {"ticket_id": "ticket", "visited_by": "user", "corrected_by": "user"}),
    Kind(EVALUATION, "evaluation", ("uid", "origin", "channel", "satisfaction", "comment", "evaluated_at"),
         {"ticket_id": "ticket"}, has_rev=False),
    Kind(MEDIATION, "mediation_case", ("uid", "origin", "rev", "updated_at", "status", "outcome", "facts", "request",
                                       "agreement", "termination_reason", "opened_at", "concluded_at"),
         {"ticket_id": "ticket", "mediator_id": "user"},
         # Parties and sessions change only with their case (core.mediation.cases raises its rev), so they travel in it.
         children=(Child("parties", "mediation_party", "case_id",
                         ("uid", "side", "kind", "name", "gender", "id_number", "phone", "address", "representative",
                          "representative_role", "sort"), order="sort, id", label="调解当事人"),
                   Child("sessions", "mediation_session", "case_id",
                         ("uid", "at", "place", "mediators", "record", "recorded_at"), {"recorded_by": "user"},
                         order="at, id", label="调解记录"))),
    Kind(DOCUMENT, "issued_document", ("uid", "origin", "rev", "updated_at", "kind", "number", "template",
                                       "template_sha256", "sha256", "size", "file_name", "masked", "issued_at"),
         {"ticket_id": "ticket", "case_id": "mediation_case", "assignment_id": "assignment",
          "supervision_id": "supervision", "issued_by": "user"}),
)
BY_NAME = {k.name: k for k in KINDS}

# Columns that stay at the center, by table (besides ``id`` and the parent column of children).
LOCAL = {
    "user": {"password_hash"},
    "ticket": {"number_clash"},
    "kb_article": {"source_ref", "use_count", "pending_version"},
    "deadline": {"notified_level"},
}


def _quote(name: str) -> str:
    return f'"{name}"'


def _ref_select(alias: str, column: str, target: str) -> str:
    return f"(SELECT uid FROM {_quote(target)} WHERE id = {alias}.{_quote(column)})"


def _json_pairs(alias: str, columns: tuple[str, ...], refs: dict[str, str]) -> list[str]:
    pairs = [f"'{c}', {alias}.{_quote(c)}" for c in columns]
    pairs += [f"'{ref_key(c)}', {_ref_select(alias, c, t)}" for c, t in refs.items()]
    return pairs


def origin_sql(kind: Kind, alias: str = "t") -> str:
    return f"(SELECT origin FROM ticket WHERE id = {alias}.ticket_id)" if kind.owned_via_ticket else f"{alias}.origin"


def rev_sql(kind: Kind, alias: str = "t") -> str:
    return f"{alias}.rev" if kind.has_rev else "1"


def export_sql(kind: Kind) -> str:
    """uid, rev and JSON of every record of ``kind`` owned by ``?`` whose rev the province has not acknowledged."""
    pairs = _json_pairs("t", kind.columns, kind.refs)
    if kind.owned_via_ticket:
        pairs.insert(1, f"'origin', {origin_sql(kind)}")
    for child in kind.children:
        inner = ", ".join(_json_pairs("c", child.columns, child.refs))
        pairs.append(f"'{child.key}', json((SELECT json_group_array(json_object({inner})) FROM"
                     f" (SELECT * FROM {child.table} WHERE {child.parent_column} = t.id ORDER BY {child.order}) c))")
    rev = rev_sql(kind)
    return (f"SELECT t.uid, {rev}, json_object({', '.join(pairs)}) FROM {_quote(kind.table)} t"
            f" LEFT JOIN sync_state s ON s.uid = t.uid"
            f" WHERE {origin_sql(kind)} = ? AND (s.uid IS NULL OR {rev} > s.acked_rev) ORDER BY t.id")


def pending_count_sql(kind: Kind) -> str:
    rev = rev_sql(kind)
    return (f"SELECT count(*) FROM {_quote(kind.table)} t LEFT JOIN sync_state s ON s.uid = t.uid"
            f" WHERE {origin_sql(kind)} = ? AND (s.uid IS NULL OR {rev} > s.acked_rev)")


# The province's side: statements over the staging table ``sync_stage`` (payload ``p``).

def _value(column: str, default: str | None, kind_values: dict[str, str], key: str | None = None) -> str:
    if column in kind_values:
        return kind_values[column]
    extract = f"json_extract(p, '$.{key or column}')"
    return f"coalesce({extract}, {default})" if default is not None else extract


def _ref_value(target: str, key: str, source: str = "p") -> str:
    return f"(SELECT id FROM {_quote(target)} WHERE uid = json_extract({source}, '$.{key}'))"


def apply_sql(kind: Kind, defaults: dict[str, str | None], one_row: bool) -> str:
    """Insert or replace the staged records of ``kind`` marked new or updated.

    ``defaults`` are the table's column defaults (a batch from an older program may
    lack a newer column). With ``one_row`` the statement takes one staged row
    (``pos = ?``), so a tree's parents, applied first, are found by their children;
    otherwise a ticket's reference to another ticket is set afterwards (``self_ref_sql``).
    """
    columns = list(kind.columns) + [c for c in kind.province_values if c not in kind.columns]
    values = [_value(c, defaults.get(c), kind.province_values) for c in columns]
    for column, target in kind.refs.items():
        # A reference to a record of the same kind later in this very statement finds nothing yet:
        # ``self_ref_sql`` sets it once the whole file is in.
        columns.append(column)
        values.append(_ref_value(target, ref_key(column)))
    where = "pos = ?" if one_row else "kind = ? AND outcome IN ('new', 'updated')"
    updates = ", ".join(f"{_quote(c)} = excluded.{_quote(c)}" for c in columns if c != "uid")
    # Only the owner's rows are ever overwritten (ref_check_sql has refused the rest; this is the last line).
    if kind.owned_via_ticket:
        guard = (f" WHERE (SELECT origin FROM ticket WHERE id = {_quote(kind.table)}.ticket_id)"
                 f" = (SELECT origin FROM ticket WHERE id = excluded.ticket_id)")
    else:
        guard = f" WHERE {_quote(kind.table)}.origin = excluded.origin"
    return (f"INSERT INTO {_quote(kind.table)} ({', '.join(map(_quote, columns))})"
            f" SELECT {', '.join(values)} FROM (SELECT payload AS p FROM sync_stage WHERE {where} ORDER BY pos)"
            f" WHERE true ON CONFLICT(uid) DO UPDATE SET {updates}{guard}")


def self_ref_sql(kind: Kind, column: str) -> str:
    """Set a record's reference to another of its kind once all of them are in (``sync_self_ref``)."""
    table = _quote(kind.table)
    return (f"UPDATE {table} SET {_quote(column)} = (SELECT r.id FROM {table} r WHERE r.uid = x.ref"
            f" AND r.origin = {table}.origin)"
            f" FROM sync_self_ref x WHERE x.kind = '{kind.name}' AND x.col = '{column}' AND {table}.uid = x.uid")


def child_sqls(kind: Kind, child: Child, defaults: dict[str, str | None]) -> tuple[str, str]:
    """Replace the children of the staged records: delete those the row had, insert the record's."""
    parent = _quote(kind.table)
    delete = (f"DELETE FROM {child.table} WHERE {child.parent_column} IN (SELECT t.id FROM {parent} t"
              f" JOIN sync_stage s ON s.uid = t.uid WHERE s.kind = '{kind.name}' AND s.outcome IN ('new', 'updated'))")
    columns = [child.parent_column, *child.columns, *child.refs]
    values = ["t.id"] + [
        f"coalesce(json_extract(j.value, '$.{c}'), {defaults[c]})" if defaults.get(c) is not None
        else f"json_extract(j.value, '$.{c}')" for c in child.columns
    ] + [_ref_value(tgt, ref_key(c), "j.value") for c, tgt in child.refs.items()]
    insert = (f"INSERT INTO {child.table} ({', '.join(map(_quote, columns))}) SELECT {', '.join(values)}"
              f" FROM sync_stage s JOIN {parent} t ON t.uid = s.uid, json_each(s.payload, '$.{child.key}') j"
              f" WHERE s.kind = '{kind.name}' AND s.outcome IN ('new', 'updated') ORDER BY s.pos, j.key")
    return delete, insert


# What a district's record may refer to: a record of that same district, and nothing else. There
# are no province-owned shared referents today; if there ever are (a province-wide topic tree,
# say), they are accepted here, beside the sender's own, and nowhere else.
def _own_referent(target: str, uid: str) -> str:
    return f"EXISTS (SELECT 1 FROM {_quote(target)} WHERE uid = {uid} AND origin = :origin)"


def _label_of(table: str) -> str:
    return next((k.label for k in KINDS if k.table == table), table)


def _whose(target: str, uid: str) -> str:
    return f"(SELECT origin FROM {_quote(target)} WHERE uid = {uid})"


def _ref_reason(what: str, target: str, uid: str) -> str:
    """SQL for why a reference was refused: its referent is unknown here, or another center's."""
    return (f"CASE WHEN {_whose(target, uid)} IS NULL THEN '{what}省级中心尚未收到'"
            f" ELSE '{what}属于另一个中心（' || {_whose(target, uid)} || '），区县只能引用本中心自己的记录' END")


_STAGED = "outcome IN ('new', 'updated')"


def ref_check_sql(kind: Kind) -> list[str]:
    """Statements (parameter ``:origin``, the sender) that refuse staged records of ``kind`` whose
    reference is not to one of the sender's own records, each with the reason; nothing of another
    district's can then be hung on, or changed through, a record of this one (issue 15 §1)."""
    out = [
        # A uid already held for another center: never overwritten, whatever its kind claims.
        f"UPDATE sync_stage SET outcome = 'rejected', reason = '该编号的{kind.label}属于另一个中心（' || {origin_sql(kind)}"
        f" || '），区县只能上报自己的记录' FROM {_quote(kind.table)} t WHERE t.uid = sync_stage.uid"
        f" AND sync_stage.kind = '{kind.name}' AND sync_stage.{_STAGED} AND {origin_sql(kind)} <> :origin",
    ]
    for column, target in kind.refs.items():
        key = ref_key(column)
        uid = f"json_extract(payload, '$.{key}')"
        what = f"所引用的{_label_of(target)}（{key}）"
        if target == kind.table:
            # The referent may come later in this very file (it is the sender's, then); one held for
            # another center is refused here, and ``self_ref_sql`` only ever links within a center.
            unowned = f"EXISTS (SELECT 1 FROM {_quote(target)} WHERE uid = {uid} AND origin <> :origin)"
        else:
            unowned = f"NOT {_own_referent(target, uid)}"
        out.append(f"UPDATE sync_stage SET outcome = 'rejected', reason = {_ref_reason(what, target, uid)}"
                   f" WHERE kind = '{kind.name}' AND {_STAGED} AND {uid} IS NOT NULL AND {unowned}")
    for column, key, target in kind.json_refs:
        # Inside a JSON field: one unknown here is fine (it may not have arrived), another center's is not.
        inner = f"json_extract(payload, '$.{column}')"
        uid = f"(CASE WHEN json_valid({inner}) THEN json_extract({inner}, '$.{key}') END)"
        what = f"字段 {column} 中的“{key}”所引用的{_label_of(target)}"
        out.append(f"UPDATE sync_stage SET outcome = 'rejected', reason = '{what}属于另一个中心（' || {_whose(target, uid)}"
                   f" || '），区县只能引用本中心自己的记录' WHERE kind = '{kind.name}' AND {_STAGED}"
                   f" AND EXISTS (SELECT 1 FROM {_quote(target)} WHERE uid = {uid} AND origin <> :origin)")
    for child in kind.children:
        for column, target in child.refs.items():
            key = ref_key(column)
            uid = f"json_extract(j.value, '$.{key}')"
            bad = (f"FROM json_each(sync_stage.payload, '$.{child.key}') j WHERE {uid} IS NOT NULL"
                   f" AND NOT {_own_referent(target, uid)}")
            what = f"{child.label}（{child.key}）所引用的{_label_of(target)}（{key}）"
            out.append(f"UPDATE sync_stage SET outcome = 'rejected', reason = (SELECT {_ref_reason(what, target, uid)}"
                       f" {bad} LIMIT 1) WHERE kind = '{kind.name}' AND {_STAGED} AND EXISTS (SELECT 1 {bad})")
        # A child's uid held under another record (another district's case, say) is never taken over.
        parent = _quote(kind.table)
        taken = (f"FROM json_each(sync_stage.payload, '$.{child.key}') j JOIN {child.table} c"
                 f" ON c.uid = json_extract(j.value, '$.uid') JOIN {parent} o ON o.id = c.{child.parent_column}"
                 f" WHERE o.uid <> sync_stage.uid")
        out.append(f"UPDATE sync_stage SET outcome = 'rejected', reason = (SELECT '{child.label}（{child.key}）'"
                   f" || json_extract(j.value, '$.uid') || ' 已属于另一条记录（' || o.origin || '）' {taken} LIMIT 1)"
                   f" WHERE kind = '{kind.name}' AND {_STAGED} AND EXISTS (SELECT 1 {taken})")
    return out
