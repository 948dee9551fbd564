"""forms.batch: archive forms of a date range into one folder a clerk can file."""
from __future__ import annotations

import csv
import datetime as dt
import errno
import os
from pathlib import Path

import docx
import pytest

from core import clock, tabular
from core.errors import StorageError, ValidationError
from db.models import Center, IssuedDocument
from core import files as outputs
from forms import batch
from tests.core.dispatch.test_dispatch import register
from tests.forms.test_issue import closed_consult


def today() -> dt.date:
    return clock.now().date()


def test_a_batch_writes_each_form_and_an_index(operator, dispatcher, tmp_path):
    """A center running both hotlines: 12365 tickets on appendices C-E, 12345 ones as 诉求工单."""
    Center.update(kind="both").execute()
    consults = [closed_consult(operator, hotline="12365") for _ in range(2)] + [closed_consult(operator)]
    refused = register(operator, category="report", disposition="not_accepted", not_accepted_reason="out_of_scope",
                       referral="请向区人民法院咨询。", hotline="12365")
    register(operator)  # still open: not in the batch
    seen = []
    result = batch.archive_forms(dispatcher, today(), today(), tmp_path, lambda d, t: seen.append((d, t)) or True)
    assert result.folder == tmp_path / f"归档表 {today():%Y-%m-%d} 至 {today():%Y-%m-%d}"
    assert (result.total, len(result.written), result.skipped, result.cancelled) == (4, 4, [], False)
    assert seen[-1] == (4, 4)
    names = sorted(p.name for p in result.folder.iterdir())
    assert "目录.csv" in names and len(names) == 5
    assert sum(n.endswith("-咨询处理归档表.docx") for n in names) == 2
    assert sum(n.endswith("-诉求工单.docx") for n in names) == 1
    assert sum(n.endswith("-举报处理归档表.docx") for n in names) == 1
    rows = list(csv.reader((result.folder / "目录.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["序号", "工单编号", "归档表", "文件名", "SHA-256", "出具时间"] and len(rows) == 5
    report_form = next(result.folder.glob("*举报处理归档表.docx"))
    text = "\n".join(c.text for t in docx.Document(str(report_form)).tables for r in t.rows for c in r.cells)
    assert "不予受理" in text
    assert IssuedDocument.select().count() == 4 and len(consults) == 3 and refused
    again = batch.archive_forms(dispatcher, today(), today(), tmp_path)
    assert again.folder.name.endswith("(2)")  # a second run never writes into the first one's folder


def test_cancel_keeps_only_whole_files_and_lists_them(operator, dispatcher, tmp_path):
    for _ in range(4):
        closed_consult(operator)
    result = batch.archive_forms(dispatcher, today(), today(), tmp_path, lambda done, total: done < 2)
    assert result.cancelled and len(result.written) == 2
    files = sorted(p.name for p in result.folder.glob("*.docx"))
    assert files == sorted(d.file_name for d in result.written)
    for name in files:
        docx.Document(str(result.folder / name))  # each opens: nothing half-written
    assert not [p for p in result.folder.iterdir() if p.name.startswith(".")]
    assert "已取消" in result.summary()


def test_bad_ranges_and_unwritable_folders_are_refused_before_anything(operator, dispatcher, tmp_path, monkeypatch):
    closed_consult(operator)
    out = tmp_path / "U盘"
    out.mkdir()
    with pytest.raises(ValidationError, match="早于开始日期"):
        batch.archive_forms(dispatcher, today(), today() - dt.timedelta(days=1), out)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(outputs.tempfile, "mkstemp", full)
    with pytest.raises(StorageError, match="磁盘空间不足"):
        batch.archive_forms(dispatcher, today(), today(), out)
    assert not IssuedDocument.select().exists() and list(out.iterdir()) == []


def test_a_disk_that_fills_up_mid_batch_numbers_only_what_was_written(operator, dispatcher, tmp_path, monkeypatch):
    """The third form finds no room: the batch stops, the two written are recorded and listed, the
    third took no record (tests/e2e/test_full_disk.py fills a real disk)."""
    for _ in range(4):
        closed_consult(operator)
    real_replace = os.replace
    written: list[str] = []

    def fills_up(src, dst, *args, **kwargs):
        if Path(dst).suffix == ".docx" and Path(dst).parent.parent == tmp_path:
            if len(written) == 2:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            written.append(Path(dst).name)
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", fills_up)
    with pytest.raises(StorageError, match="磁盘空间不足"):
        batch.archive_forms(dispatcher, today(), today(), tmp_path)
    folder = next(tmp_path.glob("归档表 *"))
    assert sorted(p.name for p in folder.glob("*.docx")) == sorted(written)
    assert sorted(d.file_name for d in IssuedDocument.select()) == sorted(written)
    index = list(csv.reader((folder / batch.INDEX_NAME).read_text(encoding="utf-8-sig").splitlines()))
    assert sorted(row[3] for row in index[1:]) == sorted(written)


def test_the_index_writes_a_cell_that_looks_like_a_formula_as_text(tmp_path):
    """目录.csv is opened in Excel by the clerk: no cell of it may run (OWASP CSV injection)."""
    result = batch.BatchResult(tmp_path, 1, skipped=[("=HYPERLINK(\"http://x\")", "-缺少答复内容")])
    batch._write_index(result)
    rows = list(csv.reader((tmp_path / batch.INDEX_NAME).read_text(encoding="utf-8-sig").splitlines()))
    assert rows[1] == ["", "'=HYPERLINK(\"http://x\")", "未归档", "", "", "'-缺少答复内容"]
    assert not any(c.startswith(tabular.FORMULA_START) for row in rows for c in row)


def test_an_empty_range_makes_no_folder(center_db, dispatcher, tmp_path):
    result = batch.archive_forms(dispatcher, dt.date(2020, 1, 1), dt.date(2020, 1, 31), tmp_path)
    assert result.total == 0 and not result.folder.exists()
