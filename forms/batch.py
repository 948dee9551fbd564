"""归档: archive forms for every ticket finished in a date range, into one folder.

The folder is named for the range (``归档表 2026-11-01 至 2026-11-30``) and each
file for its ticket (``320102-20261105-0007-投诉处理归档表.docx``), so files sort by
date; ``目录.csv`` lists them with their SHA-256 for the clerk. Each file is written
whole or not at all, in the transaction that records it (a form that cannot be
written takes no number and leaves no record); a cancelled or failed batch leaves the complete files and a
目录 of exactly those. Tickets that cannot be archived (the form lacks data) are
listed, not fatal; a broken template or a full disk stops the batch.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from core import clock, tabular
from core.errors import StorageError, ValidationError
from core.roles import Actor, Permission
from core.service import require
from db.connection import raw_connection
from forms import issue
from forms.catalog import DocumentKind, archive_kind
from forms.contexts import MissingData
from core.files import check_folder_writable, file_error, write_atomically
from forms.templates import Template, active

Progress = Callable[[int, int], bool]  # (done, total) -> keep going?
INDEX_NAME = "目录.csv"


@dataclass
class BatchResult:
    folder: Path
    total: int
    written: list[issue.Issued] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (ticket number, why)
    cancelled: bool = False
    seconds: float = 0.0

    def summary(self) -> str:
        text = f"共 {self.total} 张工单，已写出 {len(self.written)} 份归档表到“{self.folder}”"
        if self.skipped:
            text += f"，{len(self.skipped)} 张未能归档"
        if self.cancelled:
            text += "（已取消，其余未写出）"
        return text + "。"


def finished_between(start: dt.date, end: dt.date) -> list[tuple[int, str, str, str]]:
    """(ticket id, number, hotline, category) of tickets finished on ``start``..``end``, by number."""
    rows = raw_connection().execute(
        "SELECT t.id, t.number, t.hotline, t.category FROM ticket t WHERE t.status IN ('closed', 'not_accepted') AND t.id IN ("
        " SELECT e.ticket_id FROM ticket_event e"
        " WHERE e.kind IN ('closed', 'direct_answered', 'not_accepted') AND e.at >= ? AND e.at < ?)"
        " ORDER BY t.number",
        (clock.day_start(start), clock.day_end_exclusive(end)))
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def folder_for(parent: Path, start: dt.date, end: dt.date) -> Path:
    base = f"归档表 {start:%Y-%m-%d} 至 {end:%Y-%m-%d}"
    folder, n = parent / base, 2
    while folder.exists():
        folder, n = parent / f"{base} ({n})", n + 1
    return folder


def archive_forms(actor: Actor, start: dt.date, end: dt.date, parent: Path,
                  progress: Progress | None = None) -> BatchResult:
    """Issue and write the archive form of every ticket finished in the range."""
    if end < start:
        raise ValidationError.single("end", f"结束日期（{end:%Y-%m-%d}）早于开始日期（{start:%Y-%m-%d}），请重新选择。")
    require(actor, Permission.DOCUMENT_ISSUE)  # before a folder is made
    check_folder_writable(parent)
    tickets = finished_between(start, end)
    folder = folder_for(parent, start, end)
    result = BatchResult(folder, len(tickets))
    began = time.perf_counter()
    if not tickets:
        return result
    try:
        folder.mkdir(parents=True)
    except OSError as exc:
        raise file_error(exc, parent, folder.name) from exc
    loaded: dict[DocumentKind, Template] = {}
    try:
        for done, (ticket_id, number, hotline, category) in enumerate(tickets):
            if progress is not None and not progress(done, len(tickets)):
                result.cancelled = True
                break
            kind = archive_kind(hotline, category)
            template = loaded.get(kind) or loaded.setdefault(kind, active(kind))
            try:
                made = issue.issue(actor, kind, ticket_id, template=template, target=folder.joinpath)
            except MissingData as exc:
                result.skipped.append((number, exc.message))
                continue
            result.written.append(dataclasses.replace(made, content=b""))  # 1,000 files stay on disk, not in memory
        else:
            if progress is not None:
                progress(len(tickets), len(tickets))
    finally:
        _write_index(result)
        result.seconds = time.perf_counter() - began
    return result


def _write_index(result: BatchResult) -> None:
    """目录.csv (UTF-8 with BOM so Excel reads the Chinese) of the files really written."""
    rows: list[list[object]] = [["序号", "工单编号", "归档表", "文件名", "SHA-256", "出具时间"]]
    rows += [[i, d.ticket_number, d.kind.label, d.file_name, d.sha256, clock.display(d.issued_at)]
             for i, d in enumerate(result.written, 1)]
    rows += [["", number, "未归档", "", "", why] for number, why in result.skipped]
    out = io.StringIO(newline="")
    tabular.write_csv(out, rows)  # a reason or a name starting with "=" stays text in Excel
    try:
        write_atomically(result.folder / INDEX_NAME, out.getvalue().encode("utf-8-sig"))
    except StorageError:
        if result.written:  # the files are there; a missing index must not hide a full disk
            raise
