"""Province: a district's batch file, checked whole, then applied in one transaction.

Every check comes before any write: size, format, versions, the signer (registered,
not revoked, the district the header names), the receiver (this province, one of
its keys), the signature over the whole file, decryption, the content hash, the
record count, each record's form and owner. A file that fails is rejected whole,
a copy kept in quarantine, and a report stored; no data row changes.

Per record against the version the province holds (``sync_record``): a higher rev
applies, the same rev and hash is a duplicate (unchanged), the same rev with
another hash a conflict (kept aside in ``sync_conflict``, the stored row untouched),
a lower rev is stale. So the result is the same whatever order the files come in
and however often; no clock is consulted. A dry run runs the very same code and
rolls it back.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import apsw

from core import clock
from core.units import tree as units
from core.errors import Cancelled, Conflict, NotFound
from core.roles import Actor, Permission
from core.service import require, write
from db.connection import checkpoint, database, raw_connection
from db.models import Center, SyncImport
from db.schema import SCHEMA_VERSION
from sync import envelope, keys, quarantine, records, validate
from sync.envelope import SyncFileError

OUTCOMES = ("new", "updated", "unchanged", "stale", "conflict", "rejected")
OUTCOME_LABELS = {"new": "新增", "updated": "更新", "unchanged": "重复（未变）", "stale": "过时（已有更新版本）",
                  "conflict": "冲突（另存待查）", "rejected": "拒收"}
log = logging.getLogger("hotline.sync.import")
STAGE_ROWS = 5_000

# The fixed prefix every record line starts with (sync.export writes it); the rest is the record's JSON.
LINE = re.compile(rb'\{"k":"([a-z_]{1,32})","u":"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})",'
                  rb'"r":([1-9][0-9]{0,17}),"h":"([0-9a-f]{64})","d":(\{.*\})\}\Z', re.DOTALL)

Progress = Callable[[int, int], None]
STOPPED = "导入已取消，没有做任何更改。"
_STAGED = "outcome IN ('new', 'updated')"
_NESTED = {k.name: frozenset(c.key for c in k.children) for k in records.KINDS}  # the only fields that hold lists


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


@dataclass
class ImportReport:
    file: str
    sha256: str = ""
    size: int = 0
    status: str = "rejected"  # imported / rejected / repeat / dry_run
    reason: str = ""
    message: str = ""
    district: str = ""
    district_name: str = ""
    sequence: int | None = None
    alarms: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    rejections: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[int] = field(default_factory=list)
    clashes: list[str] = field(default_factory=list)  # numbers taken by another ticket of the district (the first SHOWN)
    clash_count: int = 0
    quarantine: str = ""
    quarantine_dropped: list[str] = field(default_factory=list)  # older copies removed to keep the quarantine bounded
    import_id: int | None = None

    @property
    def received(self) -> int:
        return sum(self.counts.values())

    @property
    def ok(self) -> bool:
        return self.status in ("imported", "repeat", "dry_run")

    def summary(self) -> str:
        who = f"{self.district_name or self.district}（{self.district}）" if self.district else ""
        if self.status == "rejected":
            text = f"已拒收 {self.file}：{self.message}"
            text += f"\n原文件的副本已存入隔离区：{self.quarantine}" if self.quarantine else ""
            return text + "".join(f"\n{alarm}" for alarm in self.alarms)
        if self.status == "repeat":
            return f"{self.file}：{self.message}"
        head = "试导入（未写入数据库）" if self.status == "dry_run" else "已导入"
        counts = "，".join(f"{OUTCOME_LABELS[o]} {self.counts[o]}" for o in OUTCOMES if self.counts[o])
        text = f"{head} {who}第 {self.sequence} 批（{self.file}）：收到 {self.received} 条记录" + (f"：{counts}" if counts else "") + "。"
        if self.gaps:
            text += f"\n尚未收到该中心的第 {number_ranges(self.gaps)} 批（之后的批次已包含其中未确认的记录）。"
        for alarm in self.alarms:
            text += f"\n警告：{alarm}"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "sha256": self.sha256, "size": self.size, "status": self.status, "ok": self.ok,
                "reason": self.reason, "message": self.message, "district": self.district,
                "district_name": self.district_name, "sequence": self.sequence, "alarms": self.alarms,
                "received": self.received, **self.counts, "rejections": self.rejections,
                "conflicts": self.conflicts, "gaps": self.gaps, "clashes": self.clashes,
                "clash_count": self.clash_count, "quarantine": self.quarantine,
                "quarantine_dropped": self.quarantine_dropped,
                "import_id": self.import_id, "summary": self.summary()}


def number_ranges(numbers: list[int]) -> str:
    parts: list[str] = []
    for n in numbers:
        if parts and parts[-1][1] == n - 1:
            parts[-1] = (parts[-1][0], n)
        else:
            parts.append((n, n))
    return "、".join(str(a) if a == b else f"{a}–{b}" for a, b in parts)


def _province() -> Center:
    center = Center.get_or_none(Center.id == 1)
    if center is None:
        raise NotFound("这个数据库还没有设置中心信息。")
    if (center.role or keys.DISTRICT) != keys.PROVINCE:
        raise Conflict("本中心是区县中心，不能导入上报批次。批次文件要在省级中心导入；"
                       "本中心收到的是省级中心的回执，请用“导入回执”。")
    return center


@dataclass
class _Checked:
    header: dict[str, Any]
    raw_header: bytes
    decryptor: Any
    peer: Any
    validator: validate.Validator | None = None
    refused: bytearray = field(default_factory=bytearray)  # a bit per record the first pass found wrong


def _mark(bits: bytearray, n: int) -> None:
    if n >> 3 >= len(bits):
        bits.extend(bytes((n >> 3) - len(bits) + 4096))
    bits[n >> 3] |= 1 << (n & 7)


def _marked(bits: bytearray, n: int) -> bool:
    return n >> 3 < len(bits) and bool(bits[n >> 3] >> (n & 7) & 1)


def check_header(path: Path, center: Center, kind: str = "batch") -> _Checked:
    """Everything a file's header must satisfy before its body is read (shared with receipts)."""
    what = "批次" if kind == "batch" else "回执"
    header, raw = envelope.read_header(path, what)
    name = path.name
    if header.get("type") != kind:
        other = "回执" if header.get("type") == "receipt" else "上报批次"
        hint = "请用“导入回执”。" if other == "回执" else "请在省级中心用“导入批次”。"
        raise SyncFileError("wrong_type", f"{name} 是{other}文件，不是{what}文件。{hint}")
    schema = header.get("schema_version")
    if not isinstance(schema, int):
        raise SyncFileError("corrupt", f"{name} 的文件头缺少数据结构版本。")
    if schema > SCHEMA_VERSION:
        raise SyncFileError("schema_newer", f"{name} 由较新版本的热线工作台生成（数据结构第 {schema} 版，本程序为第"
                                            f" {SCHEMA_VERSION} 版）。请先把本程序升级到新版本，再导入这个文件。")
    sender, receiver = str(header.get("from", "")), str(header.get("to", ""))
    if receiver != center.code:
        raise SyncFileError("wrong_receiver", f"{name} 是发给中心 {receiver} 的，不是本中心（{center.code}）。"
                                              "请确认文件没有送错地方。")
    peer = keys.peer_key(str(header.get("signer_key", "")))
    if peer is None:
        raise SyncFileError("unknown_signer", f"{name} 的发送方（{header.get('from_name', '')} {sender}，密钥编号"
                                              f" {header.get('signer_key', '')}）的公钥未在本中心登记。请先登记对方的"
                                              "公钥文件并与对方核对指纹，再导入。")
    if peer.revoked_at:
        raise SyncFileError("revoked", f"{name} 是用已吊销的密钥（{peer.center_name}，{peer.key_id}，"
                                       f"{clock.display(peer.revoked_at)} 吊销：{peer.revoke_reason}）签名的，不予接收。")
    if peer.center_code != sender:
        raise SyncFileError("signer_mismatch", f"{name} 的文件头写的是中心 {sender}，却是用 {peer.center_name}"
                                               f"（{peer.center_code}）的密钥签名的。文件不可信，已拒收。")
    expected_role = keys.DISTRICT if kind == "batch" else keys.PROVINCE
    if peer.role != expected_role:
        raise SyncFileError("signer_mismatch", f"{name} 的签名密钥属于{keys.ROLE_LABELS[peer.role]}，不能发送{what}。")
    decryptor = keys.own_decryptor(str(header.get("recipient_key", "")))
    if decryptor is None:
        raise SyncFileError("wrong_key", f"{name} 是用本中心没有的密钥（编号 {header.get('recipient_key', '')}）加密的。"
                                         "对方可能还在用别的公钥：请把本中心当前的公钥文件交给对方重新登记。")
    for name_, type_ in (("sequence", int), ("record_count", int), ("plain_size", int), ("content_sha256", str)):
        if not isinstance(header.get(name_), type_) or isinstance(header.get(name_), bool):
            raise SyncFileError("corrupt", f"{name} 的文件头缺少或写错了“{name_}”。")
    if header["sequence"] < 1 or header["record_count"] < 0:
        raise SyncFileError("corrupt", f"{name} 的文件头中的序号或记录数不合理。")
    return _Checked(header, raw, decryptor, peer)


def record_lines(path: Path, checked: _Checked) -> Iterator[bytes]:
    return envelope.lines(envelope.payload(path, checked.header, checked.raw_header, checked.decryptor))


def _validate(path: Path, checked: _Checked, progress: Progress | None, cancelled: Callable[[], bool] | None) -> None:
    """The first pass over the records: form, owner, uniqueness, count and content hash; nothing is written.

    A record whose fields are wrong is marked, not fatal: it is refused on its own in the apply pass.
    """
    name, header = path.name, checked.header
    origin = header["from"]
    validator = checked.validator = validate.Validator(origin, validate.columns(raw_connection()))
    checked.refused = bytearray()
    digest = hashlib.sha256()
    seen: set[int] = set()
    count = 0
    total = header["record_count"]
    for line in record_lines(path, checked):
        digest.update(line + b"\n")
        count += 1
        where = f"{name} 第 {count} 条记录"
        match = LINE.match(line)
        if match is None:
            raise SyncFileError("record", f"{where}的格式不对，文件不是本程序生成的或已损坏。")
        kind_name, uid, rev, given_hash, data = match.groups()
        kind = records.BY_NAME.get(kind_name.decode())
        if kind is None:
            raise SyncFileError("record", f"{where}的种类“{kind_name.decode()}”本程序不认识。请先升级本程序。")
        if hashlib.sha256(data).hexdigest().encode() != given_hash:
            raise SyncFileError("hash", f"{where}的内容与其哈希不符。")
        try:
            record = json.loads(data)
        except ValueError:
            raise SyncFileError("record", f"{where}不是有效的 JSON。") from None
        uid_text = uid.decode()
        if record.get("uid") != uid_text or (record.get("rev", 1) if kind.has_rev else 1) != int(rev):
            raise SyncFileError("record", f"{where}的编号或版本号与内容不符。")
        if record.get("origin") != origin:
            raise SyncFileError("owner", f"{where}（{kind.label} {uid_text}）属于中心 {record.get('origin')}，"
                                         f"不属于发送方 {origin}：区县只能上报自己的记录。整批拒收。")
        nested = _NESTED[kind.name]
        for key, value in record.items():
            if isinstance(value, (dict, float)) or (isinstance(value, list) and key not in nested):
                raise SyncFileError("record", f"{where}的字段“{key}”类型不对。")
        h = hash(uid_text)
        if h in seen:
            raise SyncFileError("record", f"{where}（{uid_text}）在文件中重复出现。")
        seen.add(h)
        if validator.problem(kind.name, record) is not None or validator.repeated_child(kind.name, record):
            _mark(checked.refused, count - 1)
        if count % 5000 == 0:
            Cancelled.check(cancelled, STOPPED)
            if progress is not None:
                progress(count, 2 * max(total, count))
    if count != header["record_count"]:
        raise SyncFileError("count", f"{name} 的文件头写有 {header['record_count']} 条记录，实际是 {count} 条。")
    if digest.hexdigest() != header["content_sha256"]:
        raise SyncFileError("hash", f"{name} 的内容哈希与文件头不符。")


def import_batch(actor: Actor, path: Path, dry_run: bool = False, progress: Progress | None = None,
                 cancelled: Callable[[], bool] | None = None) -> ImportReport:
    """Check and apply one batch file; the report is returned, and stored unless it is a dry run."""
    require(actor, Permission.SYNC_IMPORT)
    center = _province()
    path = Path(path)
    report = ImportReport(path.name)
    try:
        report.size = path.stat().st_size if path.exists() else 0
        checked = check_header(path, center)
        header = checked.header
        report.district, report.district_name = header["from"], checked.peer.center_name
        report.sequence = header["sequence"]
        report.sha256 = envelope.verify_signature(path, checked.raw_header, keys.sign_public_of(checked.peer))
        if _imported_before(report):
            return _repeat(actor, report, dry_run)
        Cancelled.check(cancelled, STOPPED)  # the signature pass read the whole file meanwhile
        _validate(path, checked, progress, cancelled)
        Cancelled.check(cancelled, STOPPED)
    except (SyncFileError, OSError) as exc:
        return _rejected(actor, path, report, _file_error(path, exc), dry_run)
    report.alarms = _alarms(header, report.sha256)
    try:
        with write(actor, Permission.SYNC_IMPORT, "sync_batch_import", "sync_import", report.sha256) as tx:
            if _imported_before(report):  # by another window while this one checked the file
                raise _DryRun
            _apply(actor, path, checked, report, progress, cancelled)
            report.gaps = gaps(report.district)
            tx.detail = {"district": report.district, "sequence": report.sequence, **report.counts}
            if dry_run:
                raise _DryRun
    except _DryRun:
        if report.status == "repeat":
            return _repeat(actor, report, dry_run)
        report.status, report.import_id = "dry_run", None
        return report
    except OSError as exc:  # the stick pulled out during the second pass: rolled back, nothing changed
        report.counts = dict.fromkeys(OUTCOMES, 0)
        report.import_id = None
        return _rejected(actor, path, report, _file_error(path, exc), dry_run)
    finally:
        # A thread's cached unit list is keyed on data_version, which does not move for a commit on
        # the thread's own connection (the command line, a test): the import's units must be seen.
        units.units_changed()
    report.status = "imported"
    _empty_the_log()
    return report


def _empty_the_log() -> None:
    """A file's import is one transaction of up to a few GB of log: copy it back into the
    database now, before the next file (several are often imported at once), so the log
    never holds more than one file's worth (db.connection.WAL_LIMIT_BYTES cuts it back)."""
    try:
        checkpoint(truncate=True)
    except apsw.Error as exc:  # committed already; the next checkpoint will catch up
        log.warning("checkpoint after an import failed: %s", exc)


def _imported_before(report: ImportReport) -> bool:
    earlier = SyncImport.get_or_none((SyncImport.sha256 == report.sha256) & (SyncImport.status == "imported"))
    if earlier is None:
        return False
    report.status = "repeat"
    report.message = (f"这个文件已于 {clock.display(earlier.imported_at)} 导入过（{report.district_name}"
                      f"第 {report.sequence} 批），这次没有做任何更改。")
    return True


def _repeat(actor: Actor, report: ImportReport, dry_run: bool) -> ImportReport:
    if not dry_run:
        _store_plain(actor, report)
    return report


def _file_error(path: Path, exc: Exception) -> SyncFileError:
    if isinstance(exc, SyncFileError):
        return exc
    text = getattr(exc, "strerror", None) or str(exc)
    return SyncFileError("unreadable", f"读取 {path.name} 时出错（{text}），可能 U 盘已拔出或文件正被占用。"
                                       "没有做任何更改，请重新插好后再导入。")


def _rejected(actor: Actor, path: Path, report: ImportReport, exc: SyncFileError, dry_run: bool) -> ImportReport:
    report.status, report.reason, report.message = "rejected", exc.reason, exc.message
    if not report.sha256:  # rejected before its signature was read: the hash still names the file in the history
        try:
            report.sha256 = envelope.file_sha256(path)
        except OSError:
            pass
    if not dry_run:
        kept = quarantine.keep(path, Path(database.database))
        report.quarantine, report.quarantine_dropped = kept.path, kept.dropped
        if kept.note():
            report.alarms.append(kept.note())
        _store_plain(actor, report)
    return report


def _store_plain(actor: Actor, report: ImportReport) -> None:
    """A report without records: a rejected file, or one imported before."""
    with write(actor, Permission.SYNC_IMPORT, f"sync_batch_{report.status}", "sync_import", report.sha256) as tx:
        row = SyncImport.create(file_name=report.file, sha256=report.sha256, size=report.size,
                                district=report.district, sequence=report.sequence,
                                status=report.status, message=report.message, quarantine=report.quarantine,
                                alarm="\n".join(report.alarms),
                                imported_at=clock.stamp(), imported_by=actor.user_id)
        report.import_id = row.id
        tx.detail = {"reason": report.reason, "file": report.file}


def _alarms(header: dict[str, Any], sha256: str) -> list[str]:
    district, sequence = header["from"], header["sequence"]
    out = []
    same = (SyncImport.select().where((SyncImport.district == district) & (SyncImport.sequence == sequence)
                                      & (SyncImport.status == "imported") & (SyncImport.sha256 != sha256)).first())
    if same is not None:
        out.append(f"已于 {clock.display(same.imported_at)} 导入过该中心第 {sequence} 批的另一个不同文件"
                   f"（{same.file_name}）。同一序号出现两个文件，可能是区县中心从备份恢复后重复使用了序号，请与该中心核实。"
                   "两个文件中的记录都按版本号处理，相同版本号而内容不同的记录另存为冲突。")
    before = (SyncImport.select().where((SyncImport.district == district) & (SyncImport.sequence == sequence - 1)
                                        & (SyncImport.status == "imported")).first())
    if before is not None and header.get("previous_hash") and before.sha256 != header["previous_hash"]:
        out.append(f"第 {sequence} 批所记的上一批与已收到的第 {sequence - 1} 批（{before.file_name}）不一致：批次链断开，请与该中心核实。")
    after = (SyncImport.select().where((SyncImport.district == district) & (SyncImport.sequence == sequence + 1)
                                       & (SyncImport.status == "imported")).first())
    if after is not None and after.previous_hash and after.previous_hash != sha256:
        out.append(f"已收到的第 {sequence + 1} 批所记的上一批不是这个文件：批次链断开，请与该中心核实。")
    return out


def imported_sequences(district: str) -> set[int]:
    return {s for (s,) in raw_connection().execute(
        "SELECT DISTINCT sequence FROM sync_import WHERE district = ? AND status = 'imported'", (district,))}


def missing_numbers(sequences: set[int]) -> list[int]:
    """Sequence numbers below the highest received that never arrived."""
    return [n for n in range(1, max(sequences, default=0)) if n not in sequences]


def run_from_one(sequences: set[int]) -> int:
    """The highest n with batches 1..n all received."""
    n = 0
    while n + 1 in sequences:
        n += 1
    return n


def gaps(district: str) -> list[int]:
    return missing_numbers(imported_sequences(district))


def _table_defaults(conn: apsw.Connection) -> dict[str, dict[str, str | None]]:
    tables = {k.table for k in records.KINDS} | {c.table for k in records.KINDS for c in k.children}
    return {t: {row[1]: row[4] for row in conn.execute(f'PRAGMA table_info("{t}")')} for t in tables}


def _apply(actor: Actor, path: Path, checked: _Checked, report: ImportReport, progress: Progress | None,
           cancelled: Callable[[], bool] | None) -> None:
    conn = raw_connection()
    header = checked.header
    row = SyncImport.create(file_name=report.file, sha256=report.sha256, size=report.size, district=header["from"],
                            sequence=header["sequence"], previous_hash=str(header.get("previous_hash", "")),
                            signer_key=str(header["signer_key"]), schema_version=header["schema_version"],
                            status="imported", message="", alarm="\n".join(report.alarms),
                            imported_at=clock.stamp(), imported_by=actor.user_id)
    report.import_id = row.id
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS sync_stage (pos INTEGER PRIMARY KEY, kind TEXT, uid TEXT, rev INTEGER,"
                 " hash TEXT, payload TEXT, outcome TEXT NOT NULL DEFAULT 'new', reason TEXT NOT NULL DEFAULT '')")
    conn.execute("CREATE INDEX IF NOT EXISTS temp.sync_stage_uid ON sync_stage(uid)")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS sync_self_ref (kind TEXT, col TEXT, uid TEXT, ref TEXT)")
    conn.execute("DELETE FROM sync_stage")
    conn.execute("DELETE FROM sync_self_ref")
    applier = _Applier(conn, row.id, header["from"], _table_defaults(conn), report)
    batch: list[tuple] = []
    total = header["record_count"]
    for n, line in enumerate(record_lines(path, checked)):
        match = LINE.match(line)
        assert match is not None  # the first pass checked every line of these very bytes
        kind, uid, rev, digest, data = match.groups()
        staged = (kind.decode(), uid.decode(), int(rev), digest.decode(), data.decode("utf-8"))
        if _marked(checked.refused, n):
            assert checked.validator is not None
            why = checked.validator.problem(staged[0], json.loads(data)) or validate.REPEATED_CHILD
            batch.append((*staged, "rejected", why))
        else:
            batch.append((*staged, "new", ""))
        if len(batch) == STAGE_ROWS:
            applier.chunk(batch)
            batch = []
            Cancelled.check(cancelled, STOPPED)
            if progress is not None:
                progress(total + applier.done, 2 * max(total, 1))
    applier.chunk(batch)
    applier.finish()
    Cancelled.check(cancelled, STOPPED)  # the last chance: nothing is committed yet
    if report.clash_count:
        report.alarms.append(clash_alarm(report.clashes, report.clash_count))
    SyncImport.update(**report.counts, received=report.received, alarm="\n".join(report.alarms)).where(
        SyncImport.id == row.id).execute()
    if progress is not None:
        progress(2 * max(total, 1), 2 * max(total, 1))


CLASHES_SHOWN = 200


def clash_alarm(numbers: list[str], count: int) -> str:
    shown = "、".join(numbers[:20]) + (f" 等 {count} 个" if count > 20 else "")
    return (f"工单编号 {shown} 已被该中心的另一张工单使用，可能是该中心从备份恢复后重复使用了编号。这些工单已接收，"
            "标为“编号冲突”；出具的回执会通知该中心改号，改号后的工单随下一批送达即恢复正常。")


class _Applier:
    """Stages records a few thousand at a time and applies them kind by kind with set-based SQL."""

    def __init__(self, conn: apsw.Connection, import_id: int, origin: str, defaults: dict, report: ImportReport) -> None:
        self.conn, self.import_id, self.origin, self.report = conn, import_id, origin, report
        self.defaults = defaults
        self.done = 0
        self.sql: dict[tuple[str, bool], str] = {}
        self.ref_checks = {k.name: records.ref_check_sql(k) for k in records.KINDS}

    def _apply_sql(self, kind: records.Kind, one_row: bool) -> str:
        key = (kind.name, one_row)
        if key not in self.sql:
            self.sql[key] = records.apply_sql(kind, self.defaults[kind.table], one_row)
        return self.sql[key]

    def chunk(self, rows: list[tuple]) -> None:
        if not rows:
            return
        conn = self.conn
        conn.executemany("INSERT INTO sync_stage (kind, uid, rev, hash, payload, outcome, reason)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        conn.execute(
            "UPDATE sync_stage SET"
            " outcome = CASE WHEN r.origin <> ? THEN 'rejected' WHEN sync_stage.rev > r.rev THEN 'updated'"
            " WHEN sync_stage.rev < r.rev THEN 'stale' WHEN sync_stage.hash = r.hash THEN 'unchanged' ELSE 'conflict' END,"
            " reason = CASE WHEN r.origin <> ? THEN '该编号的记录属于另一个中心（' || r.origin || '）' ELSE '' END"
            " FROM sync_record r WHERE r.uid = sync_stage.uid AND sync_stage.outcome = 'new'", (self.origin, self.origin))
        present = {k for (k,) in conn.execute("SELECT DISTINCT kind FROM sync_stage")}
        for kind in records.KINDS:
            if kind.name in present:
                self._apply_kind(kind)
        conn.execute("INSERT INTO sync_record (uid, kind, origin, rev, hash, import_id)"
                     " SELECT uid, kind, ?, rev, hash, ? FROM sync_stage WHERE outcome IN ('new', 'updated')"
                     " ON CONFLICT(uid) DO UPDATE SET rev = excluded.rev, hash = excluded.hash,"
                     " import_id = excluded.import_id", (self.origin, self.import_id))
        conn.execute("INSERT INTO sync_outcome (import_id, kind, uid, rev, outcome, reason)"
                     " SELECT ?, kind, uid, rev, outcome, reason FROM sync_stage", (self.import_id,))
        conn.execute("INSERT OR IGNORE INTO sync_conflict (import_id, kind, uid, origin, rev, hash, stored_hash, payload)"
                     " SELECT ?, s.kind, s.uid, ?, s.rev, s.hash, r.hash, s.payload FROM sync_stage s"
                     " JOIN sync_record r ON r.uid = s.uid WHERE s.outcome = 'conflict'", (self.import_id, self.origin))
        for outcome, n in conn.execute("SELECT outcome, count(*) FROM sync_stage GROUP BY outcome"):
            self.report.counts[outcome] += n
        for kind, uid, rev, outcome, reason in conn.execute(
                "SELECT kind, uid, rev, outcome, reason FROM sync_stage WHERE outcome IN ('rejected', 'conflict')"
                " ORDER BY pos LIMIT 200"):
            target = self.report.rejections if outcome == "rejected" else self.report.conflicts
            if len(target) < 200:
                target.append({"kind": kind, "label": records.LABELS[kind], "uid": uid, "rev": rev, "reason": reason})
        self.done += len(rows)
        conn.execute("DELETE FROM sync_stage")

    def _apply_kind(self, kind: records.Kind) -> None:
        conn = self.conn
        for sql in self.ref_checks[kind.name]:
            conn.execute(sql, {"origin": self.origin})
        if kind.tree:
            self._refuse_cycles(kind)
            positions = [p for (p,) in conn.execute(
                "SELECT pos FROM sync_stage WHERE kind = ? AND outcome IN ('new', 'updated') ORDER BY pos", (kind.name,))]
            self._one_by_one(kind, positions)
        else:
            try:
                with conn:  # a savepoint: a constraint that fails for one record must not take the others with it
                    conn.execute(self._apply_sql(kind, False), (kind.name,))
            except apsw.ConstraintError:
                positions = [p for (p,) in conn.execute(
                    "SELECT pos FROM sync_stage WHERE kind = ? AND outcome IN ('new', 'updated') ORDER BY pos",
                    (kind.name,))]
                self._one_by_one(kind, positions)
            for column in kind.self_refs:
                conn.execute("INSERT INTO sync_self_ref SELECT kind, ?, uid, json_extract(payload, ?) FROM sync_stage"
                             " WHERE kind = ? AND outcome IN ('new', 'updated') AND json_extract(payload, ?) IS NOT NULL",
                             (column, f"$.{records.ref_key(column)}", kind.name, f"$.{records.ref_key(column)}"))
        for child in kind.children:
            delete, insert = records.child_sqls(kind, child, self.defaults[child.table])
            conn.execute(delete)
            conn.execute(insert)
        if kind.name == records.TICKET:
            self._resolve_clashes()
            self._clashes()

    def _refuse_cycles(self, kind: records.Kind) -> None:
        """Refuse each staged record of a tree whose parent chain comes back to it (itself its parent, or
        A under B under A), through the file's new parents and the province's stored ones: the district's
        program never writes one (core.units.tree refuses a move under a descendant), and a stored cycle
        would drop the records from every tree the province shows. Parents the file sets and refuses
        are taken as the province keeps them, again until no staged record is on a cycle."""
        conn, column = self.conn, kind.self_refs[0]
        key = records.ref_key(column)
        staged = {uid: (parent, name) for uid, parent, name in conn.execute(
            f"SELECT uid, json_extract(payload, '$.{key}'), json_extract(payload, '$.name') FROM sync_stage"
            f" WHERE kind = ? AND {_STAGED}", (kind.name,))}
        if not staged:
            return
        table = f'"{kind.table}"'
        stored = {uid: (parent, name) for uid, parent, name in conn.execute(
            f'SELECT t.uid, p.uid, t.name FROM {table} t LEFT JOIN {table} p ON p.id = t."{column}"'
            f" WHERE t.origin = ?", (self.origin,))}
        refused: dict[str, str] = {}
        while True:
            graph = stored | {uid: row for uid, row in staged.items() if uid not in refused}
            found = {}
            for uid in staged.keys() - refused.keys():
                chain, at = [uid], graph[uid][0]
                while at is not None and at != uid and at not in chain and len(chain) <= len(graph):
                    chain.append(at)
                    at = graph.get(at, (None, ""))[0]
                if at == uid:
                    found[uid] = chain
            if not found:
                break
            for uid, chain in found.items():
                names = [str(graph[u][1]) for u in chain + [uid]]
                refused[uid] = (f"字段 {key} 指向记录自己：{kind.label}“{names[0]}”不能是自己的上级" if len(chain) == 1
                                else f"字段 {key} 使上下级形成循环：" + " → ".join(f"“{n}”" for n in names))
        conn.executemany(f"UPDATE sync_stage SET outcome = 'rejected', reason = ? WHERE kind = '{kind.name}'"
                         " AND uid = ?", [(why, uid) for uid, why in refused.items()])

    def _resolve_clashes(self) -> None:
        """A flagged ticket left alone with its number (the other holder renumbered, or moved on) is no
        clash any more. So a clash ends whichever ticket was flagged: the restored district's new one, or
        the genuine lost one when its batch came after the restored district's (the district renumbers
        its own ticket of that number; core.tickets.renumbering)."""
        self.conn.execute("UPDATE ticket SET number_clash = 0 WHERE origin = ? AND number_clash = 1 AND NOT EXISTS"
                          " (SELECT 1 FROM ticket o WHERE o.number = ticket.number AND o.origin = ticket.origin"
                          " AND o.id <> ticket.id)", (self.origin,))

    def _clashes(self) -> None:
        """Tickets just taken whose number another of the district's holds (restored from a backup)."""
        report = self.report
        for (number,) in self.conn.execute(
                "SELECT t.number FROM sync_stage s JOIN ticket t ON t.uid = s.uid WHERE s.kind = ?"
                " AND s.outcome IN ('new', 'updated') AND t.number_clash ORDER BY s.pos", (records.TICKET,)):
            report.clash_count += 1
            if len(report.clashes) < CLASHES_SHOWN:
                report.clashes.append(number)

    def _one_by_one(self, kind: records.Kind, positions: list[int]) -> None:
        sql = self._apply_sql(kind, True)
        for pos in positions:
            try:
                with self.conn:
                    self.conn.execute(sql, (pos,))
            except apsw.ConstraintError as exc:
                self.conn.execute("UPDATE sync_stage SET outcome = 'rejected', reason = ? WHERE pos = ?",
                                  (_constraint_reason(kind, exc), pos))

    def finish(self) -> None:
        for kind in records.KINDS:
            for column in kind.self_refs:
                if not kind.tree:
                    self.conn.execute(records.self_ref_sql(kind, column))
        self.conn.execute("DELETE FROM sync_self_ref")


def _constraint_reason(kind: records.Kind, exc: apsw.ConstraintError) -> str:
    text = str(exc)
    if "UNIQUE" in text and "unit" in text:
        return "同一上级单位下已有同名的承办单位（该中心的单位改名或调整后尚未全部送达）"
    if "UNIQUE" in text:
        return f"与已有的{kind.label}重复（{text.split(':')[-1].strip()}）"
    if "NOT NULL" in text:
        return f"缺少必填内容（{text.split('.')[-1].strip()}）"
    return f"不符合数据约束（{text}）"
