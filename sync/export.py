"""District: every record version the province has not acknowledged, as one batch file.

Order of work, so that no file under its final name is ever half written and no
sequence number is ever used for two different files:

1. reserve the next sequence number (committed: a killed export leaves it marked
   "writing", and the next export finds out whether that file ever got its name);
2. read the records in one read transaction (a consistent snapshot; writers go on);
3. write the file under a temporary name, read it back and check its signature;
4. rename it, then mark the batch exported and its records sent.

A batch carries everything not yet acknowledged, not only what changed since the
last batch: a lost or late batch then loses nothing, and a later one has whatever
an earlier one referred to.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from core import __version__, clock
from core.errors import Cancelled, Conflict, NotFound
from core.files import check_folder_writable
from core.roles import Actor, Permission
from core.service import require, write
from db.connection import raw_connection
from db.models import Center, Setting, SyncBatchOut
from db.schema import SCHEMA_VERSION
from sync import envelope, keys, records
from sync.envelope import Compressor

BATCH_SUFFIX = ".hdsync"
SEND_KB_SETTING = "sync.send_kb"
# An export that has not renamed its file this long after it started was killed (100,000 tickets take ~7 s).
RUNNING_FOR = dt.timedelta(minutes=10)

Progress = Callable[[int, int], None]
STOPPED = "导出已取消，没有生成文件。"


@dataclass
class Exported:
    sequence: int
    path: Path
    sha256: str
    size: int
    record_count: int
    counts: dict[str, int] = field(default_factory=dict)
    adopted: list[int] = field(default_factory=list)  # earlier exports, killed after their rename, found whole

    def summary(self) -> str:
        parts = "、".join(f"{records.LABELS[k]} {n}" for k, n in self.counts.items() if n)
        return (f"已导出第 {self.sequence} 批：{self.record_count} 条记录（{parts or '没有未确认的记录'}），"
                f"文件 {self.path.name}（{self.size:,} 字节）。")


def sends_kb() -> bool:
    row = Setting.get_or_none(Setting.key == SEND_KB_SETTING)
    return row is not None and row.value == "1"


def set_sends_kb(actor: Actor, on: bool) -> None:
    with write(actor, Permission.SYNC_KEYS, "sync_send_kb", "setting", SEND_KB_SETTING) as tx:
        Setting.insert(key=SEND_KB_SETTING, value="1" if on else "0").on_conflict_replace().execute()
        tx.detail = {"on": on}


def travelling_kinds() -> list[records.Kind]:
    kb = sends_kb()
    return [k for k in records.KINDS if kb or not k.optional]


def pending_counts(origin: str | None = None) -> dict[str, int]:
    """How many records of each kind wait for the province's acknowledgement."""
    if origin is None:
        origin = _district().code
    conn = raw_connection()
    return {k.name: conn.execute(records.pending_count_sql(k), (origin,)).fetchone()[0] for k in travelling_kinds()}


def _district() -> Center:
    center = Center.get_or_none(Center.id == 1)
    if center is None:
        raise NotFound("这个数据库还没有设置中心信息。")
    if (center.role or keys.DISTRICT) != keys.DISTRICT:
        raise Conflict("本中心是省级中心：省级中心导入区县批次、出具回执，不导出上报批次。")
    return center


def file_name(code: str, sequence: int) -> str:
    return f"上报批次_{code}_第{sequence:06d}批_{clock.now().strftime('%Y%m%d')}{BATCH_SUFFIX}"


def _reserve(actor: Actor, folder: Path, code: str, province: str) -> tuple[int, str, list[int]]:
    """The next sequence number and the hash of the last batch; settles exports that were killed."""
    adopted: list[int] = []
    with write(actor, Permission.SYNC_EXPORT, "sync_batch_reserve", "sync_batch_out") as tx:
        for row in SyncBatchOut.select().where(SyncBatchOut.status == "writing"):
            final = Path(row.file_name)
            if row.file_name and final.exists():
                # Killed after the rename: the file may already be on its way; keep its number and chain.
                SyncBatchOut.update(status="exported", sha256=envelope.file_sha256(final), size=final.stat().st_size,
                                    exported_at=clock.stamp()).where(SyncBatchOut.sequence == row.sequence).execute()
                adopted.append(row.sequence)
            elif clock.now() - clock.parse_stamp(row.started_at) < RUNNING_FOR:
                # Perhaps still running (a second click, a second window): taking its number would give
                # two different files one sequence number.
                raise Conflict(f"第 {row.sequence} 批正在导出（开始于 {clock.display(row.started_at)}）。请等它完成后"
                               f"再导出；若那次导出已中断，{RUNNING_FOR.seconds // 60} 分钟后可以重新导出。")
            else:
                SyncBatchOut.delete().where(SyncBatchOut.sequence == row.sequence).execute()
        last = SyncBatchOut.select().order_by(SyncBatchOut.sequence.desc()).first()
        sequence = (last.sequence if last else 0) + 1
        previous = last.sha256 if last and last.status == "exported" else ""
        SyncBatchOut.create(sequence=sequence, status="writing", file_name=str(folder / file_name(code, sequence)),
                            previous_hash=previous, province=province, started_at=clock.stamp())
        tx.object_uid, tx.detail = str(sequence), {"adopted": adopted}
    return sequence, previous, adopted


def _release(sequence: int) -> None:
    """An export that failed before its rename gives its number back."""
    raw_connection().execute("DELETE FROM sync_batch_out WHERE sequence = ? AND status = 'writing'", (sequence,))


def export_batch(actor: Actor, folder: Path, progress: Progress | None = None,
                 cancelled: Callable[[], bool] | None = None) -> Exported:
    require(actor, Permission.SYNC_EXPORT)
    center = _district()
    signer_id, signer = keys.own_signer()
    province = keys.recipient()
    folder = Path(folder)
    check_folder_writable(folder)
    kinds = travelling_kinds()
    sequence, previous, adopted = _reserve(actor, folder, center.code, province.center_code)
    final = folder / file_name(center.code, sequence)
    try:
        with tempfile.SpooledTemporaryFile(max_size=64 * 1024 ** 2) as spool:
            packed = Compressor(spool)
            try:
                Cancelled.check(cancelled, STOPPED)
                manifest, counts = _read_records(center.code, kinds, packed, progress, cancelled)
                packed.finish()
            finally:
                packed.close()
            Cancelled.check(cancelled, STOPPED)  # the last moment a cancel leaves no file
            header = {
                "type": "batch", "schema_version": SCHEMA_VERSION, "app_version": __version__,
                "from": center.code, "from_name": center.name, "signer_key": signer_id,
                "to": province.center_code, "recipient_key": province.key_id,
                "sequence": sequence, "previous_hash": previous, "counts": counts, "created_at": clock.stamp(),
            }
            sealed = envelope.write_file(final, header, packed, signer, keys.enc_public_of(province))
    except BaseException:
        if not final.exists():
            _release(sequence)
        raise
    _mark(actor, sequence, final, sealed, packed.count, manifest)
    return Exported(sequence, final, sealed.sha256, sealed.size, packed.count, counts, adopted)


def _read_records(origin: str, kinds: list[records.Kind], packed: Compressor, progress: Progress | None,
                  cancelled: Callable[[], bool] | None) -> tuple[dict[str, tuple[list[str], list[int]]], dict[str, int]]:
    conn = raw_connection()
    manifest: dict[str, tuple[list[str], list[int]]] = {}
    counts: dict[str, int] = {}
    conn.execute("BEGIN")  # one snapshot of every kind (WAL: writers are not held up)
    try:
        # For the progress bar an upper bound will do: counting what is pending would read everything twice.
        total = sum(conn.execute(f'SELECT count(*) FROM "{k.table}"').fetchone()[0] for k in kinds) if progress else 0
        done = 0
        for kind in kinds:
            uids: list[str] = []
            revs: list[int] = []
            rows = conn.execute(records.export_sql(kind), (origin,))
            if kind.tree:
                rows = _parents_first(list(rows), kind)
            prefix = f'{{"k":"{kind.name}","u":"'.encode()
            for uid, rev, data in rows:
                encoded = data.encode("utf-8")
                digest = hashlib.sha256(encoded).hexdigest()
                packed.add(b"".join((prefix, uid.encode(), f'","r":{rev},"h":"{digest}","d":'.encode(), encoded, b"}")))
                uids.append(uid)
                revs.append(rev)
                done += 1
                if done % 2000 == 0:
                    Cancelled.check(cancelled, STOPPED)
                    if progress is not None:
                        progress(done, total)
            manifest[kind.name] = (uids, revs)
            counts[kind.name] = len(uids)
        if progress is not None:
            progress(done, max(total, done))
    finally:
        conn.execute("COMMIT")
    return manifest, counts


def _parents_first(rows: list[tuple[str, int, str]], kind: records.Kind) -> list[tuple[str, int, str]]:
    """A tree's records ordered so that each parent comes before its children."""
    key = records.ref_key(kind.self_refs[0])
    parent = {uid: json.loads(data).get(key) for uid, _, data in rows}
    placed: set[str] = set()
    out: list[tuple[str, int, str]] = []
    pending = rows
    while pending:
        ready = [r for r in pending if parent[r[0]] not in parent or parent[r[0]] in placed]
        later = [r for r in pending if not (parent[r[0]] not in parent or parent[r[0]] in placed)]
        if not ready:  # a cycle cannot be stored, but never loop on one
            ready, later = later, []
        out += ready
        placed.update(r[0] for r in ready)
        pending = later
    return out


def _mark(actor: Actor, sequence: int, final: Path, sealed: envelope.Sealed, count: int,
          manifest: dict[str, tuple[list[str], list[int]]]) -> None:
    with write(actor, Permission.SYNC_EXPORT, "sync_batch_export", "sync_batch_out", str(sequence)) as tx:
        SyncBatchOut.update(status="exported", sha256=sealed.sha256, size=sealed.size, record_count=count,
                            exported_at=clock.stamp(), exported_by=actor.user_id,
                            file_name=str(final)).where(SyncBatchOut.sequence == sequence).execute()
        conn = raw_connection()
        sql = ("INSERT INTO sync_state (uid, kind, sent_rev, sent_batch) VALUES (?, ?, ?, ?)"
               " ON CONFLICT(uid) DO UPDATE SET sent_rev = excluded.sent_rev, sent_batch = excluded.sent_batch")
        for kind, (uids, revs) in manifest.items():
            conn.executemany(sql, ((u, kind, r, sequence) for u, r in zip(uids, revs)))
        tx.detail = {"file": final.name, "records": count, "sha256": sealed.sha256}
