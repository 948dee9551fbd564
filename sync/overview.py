"""What the 数据交换 screens show: batches sent and receipts taken in at a
district; imports, districts, gaps and conflicts at the province. Reads only."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import PurePath

from core import clock
from core.center import districts
from core.roles import Actor, Permission
from core.service import require
from core.store import storage_errors
from db.connection import raw_connection
from sync import records
from sync.importer import OUTCOME_LABELS, OUTCOMES, missing_numbers, run_from_one

STATUS_LABELS = {"imported": "已导入", "rejected": "已拒收", "repeat": "重复文件", "writing": "正在导出",
                 "exported": "已导出", "abandoned": "未完成"}
HISTORY_LIMIT = 500


def _can_see(actor: Actor) -> None:
    if not (actor.can(Permission.SYNC_EXPORT) or actor.can(Permission.SYNC_IMPORT)
            or actor.can(Permission.SYNC_KEYS)):
        require(actor, Permission.SYNC_EXPORT)  # raises the usual "no right" error


def _people() -> dict[int, str]:
    return {uid: name for uid, name in raw_connection().execute("SELECT id, display_name FROM user")}


# District ---------------------------------------------------------------


@dataclass(frozen=True)
class BatchOut:
    sequence: int
    status: str
    file_name: str
    folder: str
    size: int
    record_count: int
    exported_at: str
    exported_by: str
    received: bool  # a receipt says it and every batch before it arrived


@dataclass(frozen=True)
class ReceiptIn:
    sequence: int
    contiguous: int
    missing: list[int]
    acknowledged: int
    not_acknowledged: int
    imported_at: str
    imported_by: str


def batches_out(actor: Actor, limit: int = HISTORY_LIMIT) -> list[BatchOut]:
    """This district's batches, newest first."""
    _can_see(actor)
    with storage_errors():
        conn = raw_connection()
        people = _people()
        # every batch up to a receipt's contiguous number has reached the province
        held = conn.execute("SELECT coalesce(max(contiguous), 0) FROM sync_receipt_in").fetchone()[0]
        rows = conn.execute(
            "SELECT sequence, status, file_name, size, record_count, exported_at, started_at, exported_by "
            "FROM sync_batch_out ORDER BY sequence DESC LIMIT ?", (limit,)).fetchall()
    out = []
    for seq, status, name, size, count, exported_at, started_at, by in rows:
        path = PurePath(name) if name else None
        out.append(BatchOut(seq, STATUS_LABELS.get(status, status), path.name if path else "",
                            str(path.parent) if path else "", size, count,
                            clock.display(exported_at or started_at), people.get(by, ""),
                            status == "exported" and seq <= held))
    return out


def receipts_in(actor: Actor, limit: int = HISTORY_LIMIT) -> list[ReceiptIn]:
    _can_see(actor)
    with storage_errors():
        people = _people()
        rows = raw_connection().execute(
            "SELECT sequence, contiguous, missing, acknowledged, not_acknowledged, imported_at, imported_by "
            "FROM sync_receipt_in ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    return [ReceiptIn(seq, held, json.loads(missing or "[]"), ack, nack, clock.display(at), people.get(by, ""))
            for seq, held, missing, ack, nack, at, by in rows]


# Province ---------------------------------------------------------------


@dataclass(frozen=True)
class DistrictState:
    code: str
    name: str
    key: str            # 有效 / 已吊销 / 未登记
    batches: int        # batches imported
    highest: int        # highest sequence imported
    contiguous: int     # every batch up to this one has arrived
    gaps: list[int]
    last_import: str
    receipts: int       # receipts sent back
    receipt_covers: int  # the newest receipt's highest contiguous batch (0: none sent)
    unreceipted: int    # batches imported since the newest receipt
    conflicts: int
    number_clashes: int = 0  # tickets kept whose number another of the district's holds, until it renumbers them


@dataclass(frozen=True)
class ImportRow:
    id: int
    file_name: str
    district: str
    district_name: str
    sequence: int | None
    status: str  # as people read it: 已导入 / 已拒收 / 重复文件
    code: str    # as stored: imported / rejected / repeat
    ok: bool
    message: str
    alarm: str
    counts: dict[str, int]
    received: int
    quarantine: str
    imported_at: str
    imported_by: str

    def counts_text(self) -> str:
        return "，".join(f"{OUTCOME_LABELS[o]} {self.counts[o]}" for o in OUTCOMES if self.counts[o])


@dataclass(frozen=True)
class Problem:
    """One record version an import did not apply: rejected, or a conflict kept aside."""

    kind: str
    uid: str
    rev: int
    what: str  # the ticket number or the record's name, when it has one
    reason: str


@dataclass
class ImportDetail:
    row: ImportRow
    rejections: list[Problem] = field(default_factory=list)
    conflicts: list[Problem] = field(default_factory=list)
    more_rejections: int = 0


def district_states(actor: Actor) -> list[DistrictState]:
    """Every district the province has a key for or a file from, by code."""
    require(actor, Permission.SYNC_IMPORT)
    with storage_errors():
        conn = raw_connection()
        names = districts.names()
        keys: dict[str, str] = {}
        for code, revoked in conn.execute(
                "SELECT center_code, revoked_at FROM sync_peer_key WHERE role = 'district' ORDER BY id"):
            # a district with one live key is served; all revoked means it cannot send
            keys[code] = "有效" if not revoked or keys.get(code) == "有效" else "已吊销"
        # Every imported batch once: counts, gaps and what the newest receipt covered all come from it.
        batches: dict[str, list[tuple[int, int, str]]] = {}
        for code, seq, iid, at in conn.execute(
                "SELECT district, sequence, id, imported_at FROM sync_import WHERE status = 'imported'"):
            batches.setdefault(code, []).append((seq, iid, at))
        receipts: dict[str, tuple[int, int]] = {code: (n, last) for code, n, last in conn.execute(
            "SELECT district, count(*), max(last_import_id) FROM sync_receipt_out GROUP BY district")}
        conflicts = dict(conn.execute("SELECT origin, count(*) FROM sync_conflict GROUP BY origin").fetchall())
        clashes = dict(conn.execute("SELECT origin, count(*) FROM ticket WHERE number_clash GROUP BY origin").fetchall())
    out = []
    for code in sorted(set(keys) | set(batches) | set(names)):
        got = batches.get(code, [])
        sequences = {seq for seq, _i, _a in got}
        sent, last_id = receipts.get(code, (0, 0))
        # what the newest receipt told the district: every batch up to here arrived
        covers = run_from_one({seq for seq, iid, _a in got if iid <= last_id}) if sent else 0
        out.append(DistrictState(
            code, names.get(code, code), keys.get(code, "未登记"), len(got), max(sequences, default=0),
            run_from_one(sequences), missing_numbers(sequences),
            clock.display(max((a for _s, _i, a in got), default="")), sent, covers,
            sum(1 for _s, iid, _a in got if iid > last_id), conflicts.get(code, 0), clashes.get(code, 0)))
    return out


_IMPORT_COLUMNS = ("id, file_name, district, sequence, status, message, alarm, received, new, updated, unchanged, "
                   "stale, conflict, rejected, quarantine, imported_at, imported_by")


def _import_row(raw: tuple, names: dict[str, str], people: dict[int, str]) -> ImportRow:
    (iid, name, district, seq, status, message, alarm, received, *counts, quarantine, at, by) = raw
    return ImportRow(iid, PurePath(name).name, district, names.get(district, district) if district else "",
                     seq, STATUS_LABELS.get(status, status), status, status != "rejected", message, alarm,
                     dict(zip(OUTCOMES, counts)), received, quarantine, clock.display(at), people.get(by, ""))


def imports(actor: Actor, district: str | None = None, limit: int = HISTORY_LIMIT) -> list[ImportRow]:
    """Files offered for import, newest first, whatever became of them."""
    require(actor, Permission.SYNC_IMPORT)
    where, params = ("WHERE district = ?", [district]) if district else ("", [])
    with storage_errors():
        names, people = districts.names(), _people()
        rows = raw_connection().execute(
            f"SELECT {_IMPORT_COLUMNS} FROM sync_import {where} ORDER BY id DESC LIMIT ?", [*params, limit]).fetchall()
    return [_import_row(r, names, people) for r in rows]


PROBLEMS_SHOWN = 200


def _what(kind: str, payload: str | None) -> str:
    """A name a person recognises: a ticket's number, a unit's or topic's name."""
    if not payload:
        return ""
    try:
        data = json.loads(payload)
    except ValueError:
        return ""
    for key in ("number", "name", "title", "username"):
        if isinstance(data.get(key), str) and data[key]:
            return data[key]
    return ""


def import_detail(actor: Actor, import_id: int) -> ImportDetail:
    """One import's report: its counts and the versions it did not apply, with why."""
    require(actor, Permission.SYNC_IMPORT)
    with storage_errors():
        conn = raw_connection()
        raw = conn.execute(f"SELECT {_IMPORT_COLUMNS} FROM sync_import WHERE id = ?", (import_id,)).fetchone()
        if raw is None:
            from core.errors import NotFound

            raise NotFound("这次导入的记录不存在。")
        detail = ImportDetail(_import_row(raw, districts.names(), _people()))
        # a rejected ticket's number, when an earlier version of it is here
        for kind, uid, rev, reason, number in conn.execute(
                "SELECT o.kind, o.uid, o.rev, o.reason, coalesce(t.number, '') FROM sync_outcome o "
                "LEFT JOIN ticket t ON o.kind = ? AND t.uid = o.uid "
                "WHERE o.import_id = ? AND o.outcome = 'rejected' LIMIT ?", (records.TICKET, import_id, PROBLEMS_SHOWN)):
            detail.rejections.append(Problem(records.LABELS.get(kind, kind), uid, rev, number, reason))
        detail.more_rejections = max(0, detail.row.counts["rejected"] - len(detail.rejections))
        for kind, uid, rev, payload in conn.execute(
                "SELECT kind, uid, rev, payload FROM sync_conflict WHERE import_id = ? ORDER BY id LIMIT ?",
                (import_id, PROBLEMS_SHOWN)):
            detail.conflicts.append(Problem(records.LABELS.get(kind, kind), uid, rev, _what(kind, payload),
                                            "内容与省级已存的同一版本不同，另存待查；已存的记录未改动"))
    return detail


@dataclass(frozen=True)
class ConflictRow:
    id: int
    district: str
    district_name: str
    kind: str
    uid: str
    rev: int
    what: str
    file_name: str
    imported_at: str


def conflicts(actor: Actor, district: str | None = None, limit: int = HISTORY_LIMIT) -> list[ConflictRow]:
    """Versions kept aside because the province already held the same version with other content."""
    require(actor, Permission.SYNC_IMPORT)
    where, params = ("WHERE c.origin = ?", [district]) if district else ("", [])
    with storage_errors():
        names = districts.names()
        rows = raw_connection().execute(
            "SELECT c.id, c.origin, c.kind, c.uid, c.rev, c.payload, i.file_name, i.imported_at "
            f"FROM sync_conflict c JOIN sync_import i ON i.id = c.import_id {where} ORDER BY c.id DESC LIMIT ?",
            [*params, limit]).fetchall()
    return [ConflictRow(cid, origin, names.get(origin, origin), records.LABELS.get(kind, kind), uid, rev,
                        _what(kind, payload), PurePath(name).name, clock.display(at))
            for cid, origin, kind, uid, rev, payload, name, at in rows]
