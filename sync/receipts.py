"""Receipts: the province tells a district what arrived; the district marks it acknowledged.

A receipt covers the district's batches imported since the province's previous
receipt to it: the highest sequence received without a gap, the numbers still
missing, and the outcome of every record version in them. The district raises
``acked_rev`` to what was accepted (new, updated, unchanged or stale); the rest
stays unacknowledged and goes out again in the next batch. For a conflict (the
province holds the same rev with other content: the district was restored from a
backup, say) the district, which owns the record, raises its rev so that the next
batch replaces the province's copy; so too for a record taken as stale while the province
holds a later rev than the district has now (revs lost with a restored backup). A lost
receipt costs nothing: the records
come again, arrive unchanged, and the next receipt acknowledges them.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import __version__, clock
from core.tickets import renumbering
from core.errors import Conflict, NotFound
from core.files import check_folder_writable
from core.roles import Actor, Permission
from core.service import require, write
from db import bulk
from db.connection import raw_connection
from db.models import Center, SyncImport, SyncReceiptIn, SyncReceiptOut
from db.schema import SCHEMA_VERSION
from sync import envelope, keys, records
from sync.envelope import Compressor, SyncFileError
from sync.importer import check_header, gaps, imported_sequences, number_ranges, record_lines, run_from_one

RECEIPT_SUFFIX = ".hdreceipt"
ACCEPTED = ("new", "updated", "unchanged", "stale")
ACK_ROWS = 5_000
MAX_HELD_REV = 10 ** 12  # a record changed every second for 30,000 years
SHOWN = 200
LINE = re.compile(rb'\{"k":"([a-z_]{1,32})","u":"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})",'
                  rb'"r":([1-9][0-9]{0,17}),"o":"(new|updated|unchanged|stale|conflict|rejected)","why":(".*")'
                  rb'(?:,"held":([1-9][0-9]{0,17}))?\}\Z')  # held: the rev the province has of a stale record
# A ticket whose number another of the district's holds, with the province's highest sequence that day (issue 15 §3).
# The number and the highest are checked one by one (``_clash``): one that is wrong is ignored with a
# warning, never taken on trust and never the whole receipt's refusal.
RENUMBER = re.compile(rb'\{"renumber":"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})",'
                      rb'"number":"([0-9A-Za-z-]{1,40})","highest":([0-9]{1,20})\}\Z')
NUMBER = re.compile(r"[0-9]{6}-([0-9]{8})-[0-9]{4,7}\Z")


@dataclass
class ReceiptMade:
    district: str
    sequence: int
    path: Path
    batches: list[int]
    contiguous: int
    missing: list[int]
    record_count: int
    clashes: int = 0

    def summary(self) -> str:
        got = f"第 {number_ranges(self.batches)} 批" if self.batches else "没有新导入的批次"
        missing = f"；尚缺第 {number_ranges(self.missing)} 批" if self.missing else ""
        renumber = f"；通知该中心为 {self.clashes} 张编号冲突的工单改号" if self.clashes else ""
        return (f"已出具给 {self.district} 的第 {self.sequence} 份回执：{got}，{self.record_count - self.clashes} 条记录的结果"
                f"{renumber}；连续收到至第 {self.contiguous} 批{missing}。文件 {self.path.name}。")


def _center(role: str) -> Center:
    center = Center.get_or_none(Center.id == 1)
    if center is None:
        raise NotFound("这个数据库还没有设置中心信息。")
    if (center.role or keys.DISTRICT) != role:
        if role == keys.PROVINCE:
            raise Conflict("回执由省级中心出具；本中心是区县中心。")
        raise Conflict("回执由区县中心导入；本中心是省级中心。")
    return center


def contiguous(district: str) -> int:
    return run_from_one(imported_sequences(district))


def export_receipt(actor: Actor, district: str, folder: Path) -> ReceiptMade:
    require(actor, Permission.SYNC_IMPORT)
    center = _center(keys.PROVINCE)
    folder = Path(folder)
    check_folder_writable(folder)
    recipient = keys.recipient(district)
    signer_id, signer = keys.own_signer()
    last = (SyncReceiptOut.select().where(SyncReceiptOut.district == district)
            .order_by(SyncReceiptOut.sequence.desc()).first())
    after = last.last_import_id if last else 0
    sequence = (last.sequence if last else 0) + 1
    imports = list(SyncImport.select().where((SyncImport.district == district) & (SyncImport.status == "imported")
                                             & (SyncImport.id > after)).order_by(SyncImport.id))
    last_import = max([i.id for i in imports], default=after)
    held = contiguous(district)
    missing = gaps(district)
    final = folder / f"回执_{district}_第{sequence:04d}份_{clock.now().strftime('%Y%m%d')}{RECEIPT_SUFFIX}"
    with tempfile.SpooledTemporaryFile(max_size=64 * 1024 ** 2) as spool:
        packed = Compressor(spool)
        conn = raw_connection()
        for import_ in imports:
            for kind, uid, rev, outcome, reason, holds in conn.execute(
                    "SELECT o.kind, o.uid, o.rev, o.outcome, o.reason, r.rev FROM sync_outcome o"
                    " LEFT JOIN sync_record r ON r.uid = o.uid AND o.outcome = 'stale' WHERE o.import_id = ?",
                    (import_.id,)):
                why = json.dumps(reason, ensure_ascii=False)
                tail = f',"held":{holds}' if holds else ""
                packed.add(f'{{"k":"{kind}","u":"{uid}","r":{rev},"o":"{outcome}","why":{why}{tail}}}'.encode("utf-8"))
        # Every clash still held, not only this receipt's batches': a lost receipt loses no renumbering.
        clashes = 0
        for uid, number, highest in _clashes(conn, district):
            packed.add(f'{{"renumber":"{uid}","number":"{number}","highest":{highest}}}'.encode("ascii"))
            clashes += 1
        packed.finish()
        header = {"type": "receipt", "schema_version": SCHEMA_VERSION, "app_version": __version__,
                  "from": center.code, "from_name": center.name, "signer_key": signer_id,
                  "to": district, "recipient_key": recipient.key_id, "sequence": sequence,
                  "batches": [{"sequence": i.sequence, "sha256": i.sha256, "received": i.received} for i in imports],
                  "contiguous": held, "missing": missing,
                  "highest": max([held, *(n + 1 for n in missing)]),
                  "created_at": clock.stamp()}
        envelope.write_file(final, header, packed, signer, keys.enc_public_of(recipient), "回执")
    with write(actor, Permission.SYNC_IMPORT, "sync_receipt_export", "sync_receipt_out", district) as tx:
        SyncReceiptOut.create(district=district, sequence=sequence, last_import_id=last_import, file_name=final.name,
                              sha256=envelope.file_sha256(final), exported_at=clock.stamp(), exported_by=actor.user_id)
        tx.detail = {"sequence": sequence, "batches": [i.sequence for i in imports], "records": packed.count}
    return ReceiptMade(district, sequence, final, [i.sequence for i in imports], held, missing, packed.count, clashes)


def _clashes(conn, district: str) -> list[tuple[str, str, int]]:
    """(uid, number, the highest sequence the province holds for the district that day) of each clashing ticket."""
    out = []
    highest: dict[str, int] = {}
    for uid, number in conn.execute("SELECT uid, number FROM ticket WHERE origin = ? AND number_clash ORDER BY id",
                                    (district,)).fetchall():
        prefix = number.rsplit("-", 1)[0] + "-"
        if prefix not in highest:
            highest[prefix] = bulk.last_numbered(conn, prefix)
        out.append((uid, number, highest[prefix]))
    return out


@dataclass
class ReceiptApplied:
    file: str
    status: str  # applied / repeat
    province: str = ""
    sequence: int = 0
    contiguous: int = 0
    missing: list[int] = field(default_factory=list)
    acknowledged: int = 0
    not_acknowledged: list[dict[str, Any]] = field(default_factory=list)  # the first SHOWN of them
    refused: int = 0  # versions not acknowledged (conflicts, rejections): sent again with the next batch
    superseded: int = 0  # conflicts whose rev the district raised so the next batch replaces them
    resent_referents: int = 0  # what refused records refer to, un-acknowledged so it travels again
    still_pending: int = 0
    renumbered: list[tuple[str, str]] = field(default_factory=list)  # (number, new number): clashes at the province
    warnings: list[str] = field(default_factory=list)  # what of the receipt was not taken on trust, and why

    def summary(self) -> str:
        if self.status == "repeat":
            return f"回执 {self.file} 已导入过，这次没有做任何更改。"
        text = (f"已导入省级中心第 {self.sequence} 份回执：确认收到 {self.acknowledged} 条记录；"
                f"省级中心连续收到至第 {self.contiguous} 批")
        if self.missing:
            text += f"，缺第 {number_ranges(self.missing)} 批（其中的记录会随下一批再次上报）"
        text += "。"
        if self.refused:
            text += f"\n未被接收 {self.refused} 条，将在下一批重新上报"
            if self.superseded:
                text += f"（其中 {self.superseded} 条与省级中心所存版本冲突，已提高版本号，以本中心的为准）"
            if self.resent_referents:
                text += f"；它们引用的 {self.resent_referents} 条记录省级中心可能已丢失，也一并重新上报"
            text += "："
            for item in self.not_acknowledged[:10]:
                text += f"\n  {records.LABELS.get(item['kind'], item['kind'])} {item['uid']}：{item['reason']}"
        if self.renumbered:
            text += (f"\n省级中心发现 {len(self.renumbered)} 张工单的编号已被本中心的另一张工单使用（本中心可能从备份恢复后"
                     "重复使用了编号），已改号，新编号随下一批上报：")
            text += "".join(f"\n  {old} → {new}" for old, new in self.renumbered[:10])
            if len(self.renumbered) > 10:
                text += f"\n  ……共 {len(self.renumbered)} 张"
        text += "".join(f"\n警告：{w}" for w in self.warnings)
        text += f"\n仍待省级中心确认的记录：{self.still_pending} 条。"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "status": self.status, "province": self.province, "sequence": self.sequence,
                "contiguous": self.contiguous, "missing": self.missing, "acknowledged": self.acknowledged,
                "not_acknowledged": self.not_acknowledged, "refused": self.refused, "superseded": self.superseded,
                "resent_referents": self.resent_referents, "still_pending": self.still_pending,
                "renumbered": [list(pair) for pair in self.renumbered], "warnings": self.warnings,
                "summary": self.summary()}


def import_receipt(actor: Actor, path: Path) -> ReceiptApplied:
    require(actor, Permission.SYNC_EXPORT)
    center = _center(keys.DISTRICT)
    path = Path(path)
    checked = check_header(path, center, "receipt")
    header = checked.header
    sha = envelope.verify_signature(path, checked.raw_header, keys.sign_public_of(checked.peer))
    result = ReceiptApplied(path.name, "applied", header["from"], header["sequence"])
    if SyncReceiptIn.get_or_none(SyncReceiptIn.sha256 == sha) is not None:
        result.status = "repeat"
        return result
    _check(path, checked)  # the whole file first: nothing is marked from a receipt that turns out damaged
    contiguous_ = header.get("contiguous")
    missing = header.get("missing")
    if not isinstance(contiguous_, int) or not isinstance(missing, list) or not all(isinstance(n, int) for n in missing):
        raise SyncFileError("corrupt", f"{path.name} 的文件头缺少收到批次的信息。")
    result.contiguous, result.missing = contiguous_, missing
    with write(actor, Permission.SYNC_EXPORT, "sync_receipt_import", "sync_receipt_in", sha) as tx:
        conn = raw_connection()
        accepted: list[tuple[str, str, int]] = []
        refused_refs: list[tuple[records.Kind, str]] = []
        clashes: list[renumbering.Clash] = []
        caught_up = 0
        for item in _results(path, checked):
            if isinstance(item, renumbering.Clash):
                if not _well_formed(item.number):
                    result.warnings.append(f"回执中要求改号的工单编号“{item.number}”格式不对，已忽略")
                elif item.number.startswith(f"{center.code}-"):
                    clashes.append(item)
                continue
            kind_name, uid, rev, outcome, reason, held = item
            if outcome in ACCEPTED:
                accepted.append((uid, kind_name, rev))
                if len(accepted) == ACK_ROWS:
                    result.acknowledged += _acknowledge(conn, accepted)
                if outcome == "stale" and held:
                    caught_up += _catch_up(conn, records.BY_NAME.get(kind_name), uid, held)
                continue
            result.refused += 1
            if len(result.not_acknowledged) < SHOWN:
                result.not_acknowledged.append({"kind": kind_name, "uid": uid, "rev": rev, "outcome": outcome,
                                                "reason": reason or ("与省级中心所存的同版本号记录内容不同"
                                                                     if outcome == "conflict" else "")})
            kind = records.BY_NAME.get(kind_name)
            if outcome == "conflict" and kind is not None and kind.has_rev:
                conn.execute(f'UPDATE "{kind.table}" SET rev = rev + 1 WHERE uid = ? AND rev = ?', (uid, rev))
                result.superseded += conn.changes()
            elif outcome == "rejected" and kind is not None:
                refused_refs.append((kind, uid))
        result.acknowledged += _acknowledge(conn, accepted)
        if caught_up:
            result.superseded += caught_up
            result.warnings.append(
                f"省级中心所存的 {caught_up} 条记录比本中心的更新（本中心可能从备份恢复过，恢复后改过的记录被当作过时）："
                "已按本中心现有的内容提高版本号，下一批次重新上报，省级中心将以本中心为准。")
        result.resent_referents = _resend_referents(conn, refused_refs)
        renumbered = renumbering.renumber(actor, clashes)
        result.renumbered = [(r.number, r.new_number) for r in renumbered.done]
        result.warnings += renumbered.warnings
        SyncReceiptIn.create(sha256=sha, province=header["from"], sequence=header["sequence"], contiguous=contiguous_,
                             missing=json.dumps(missing), acknowledged=result.acknowledged,
                             not_acknowledged=result.refused,
                             report=json.dumps(result.as_dict(), ensure_ascii=False), imported_at=clock.stamp(),
                             imported_by=actor.user_id)
        tx.detail = {"sequence": header["sequence"], "acknowledged": result.acknowledged,
                     "not_acknowledged": result.refused}
    from sync.export import pending_counts

    result.still_pending = sum(pending_counts().values())
    return result


def _catch_up(conn, kind: records.Kind | None, uid: str, held: int) -> int:
    """A record the province took as stale though it holds a later rev than this center has now:
    this center lost those revs (restored from a backup) and changed the record since. It owns
    the record, so its rev goes past the province's and the next batch replaces that copy (a
    record sent in an older batch arriving late is behind this center's rev, and is left)."""
    if kind is None or not kind.has_rev or held > MAX_HELD_REV:  # never taken on trust past any real rev
        return 0
    conn.execute(f'UPDATE "{kind.table}" SET rev = ? WHERE uid = ? AND rev <= ?', (held + 1, uid, held))
    return conn.changes()


def _well_formed(number: str) -> bool:
    """A ticket number as next_number writes it: a center, a real day, 4 to 7 digits."""
    match = NUMBER.match(number)
    try:
        return match is not None and bool(dt.datetime.strptime(match.group(1), "%Y%m%d"))
    except ValueError:
        return False


def _resend_referents(conn, refused: list[tuple[records.Kind, str]]) -> int:
    """A record the province refused usually refers to one it lost (restored from a backup):
    what it refers to is un-acknowledged, so the next batch carries both, referents first."""
    n = 0
    for kind, uid in refused:
        lookups = [f'SELECT r.uid FROM "{kind.table}" t JOIN "{target}" r ON r.id = t."{column}" WHERE t.uid = ?'
                   for column, target in kind.refs.items()]
        lookups += [f'SELECT r.uid FROM "{kind.table}" t JOIN {child.table} c ON c.{child.parent_column} = t.id'
                    f' JOIN "{target}" r ON r.id = c."{column}" WHERE t.uid = ?'
                    for child in kind.children for column, target in child.refs.items()]
        for sql in lookups:
            for (referent,) in conn.execute(sql, (uid,)).fetchall():
                conn.execute("UPDATE sync_state SET acked_rev = 0 WHERE uid = ? AND acked_rev > 0", (referent,))
                n += conn.changes()
    return n


def _acknowledge(conn, accepted: list[tuple[str, str, int]]) -> int:
    """Raise acked_rev to what the province took; empties ``accepted`` and says how many there were."""
    conn.executemany("INSERT INTO sync_state (uid, kind, acked_rev) VALUES (?, ?, ?) ON CONFLICT(uid)"
                     " DO UPDATE SET acked_rev = max(acked_rev, excluded.acked_rev)", accepted)
    n = len(accepted)
    accepted.clear()
    return n


def _results(path: Path, checked, digest=None) -> Iterator[tuple[str, str, int, str, str, int] | renumbering.Clash]:
    """The receipt's lines as (kind, uid, rev, outcome, reason, the province's rev of a stale one), or a clash
    to renumber; each checked for its form."""
    for n, line in enumerate(record_lines(path, checked), 1):
        if digest is not None:
            digest.update(line + b"\n")
        match = LINE.match(line)
        if match is None and (clash := RENUMBER.match(line)) is not None:
            uid, number, highest = (g.decode() for g in clash.groups())
            yield renumbering.Clash(uid, number, int(highest))
            continue
        if match is None:
            raise SyncFileError("record", f"{path.name} 第 {n} 条结果的格式不对，文件已损坏。")
        kind, uid, rev, outcome, why, held = match.groups()
        try:
            reason = json.loads(why)
        except ValueError:
            raise SyncFileError("record", f"{path.name} 第 {n} 条结果的格式不对，文件已损坏。") from None
        yield kind.decode(), uid.decode(), int(rev), outcome.decode(), str(reason), int(held) if held else 0


def _check(path: Path, checked) -> None:
    """The first pass: every line's form, their count and the content hash; nothing is kept in memory."""
    digest = hashlib.sha256()
    count = sum(1 for _ in _results(path, checked, digest))
    if count != checked.header["record_count"] or digest.hexdigest() != checked.header["content_sha256"]:
        raise SyncFileError("hash", f"{path.name} 的记录数或内容哈希与文件头不符。")
