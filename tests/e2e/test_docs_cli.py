"""`main.py docs render / batch / check-template` as a subprocess, as a clerk's script runs them."""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess

import docx
import pytest

from core import clock
from tests.e2e.test_program import run
from tests.forms.test_issue import closed_consult
from tests.core.dispatch.test_dispatch import register

pytestmark = pytest.mark.slow


def office_or_skip() -> None:
    if shutil.which("soffice") is None or shutil.which("pdftotext") is None:
        if os.environ.get("HOTLINE_DESK_CI") == "1":
            pytest.fail("CI must convert to PDF: LibreOffice or poppler-utils is missing")
        pytest.skip("LibreOffice / poppler-utils not installed")


@pytest.fixture
def tickets(center_db, operator, dispatcher, db_path):
    """Two consults answered on the spot and one open complaint; the database closed for the program."""
    from core import store
    from db.models import Ticket

    ids = [closed_consult(operator), closed_consult(operator), register(operator)]
    numbers = [Ticket.get_by_id(i).number for i in ids]
    store.close_center()
    return db_path, numbers


def test_render_one_form_with_its_pdf(tickets, tmp_path):
    office_or_skip()
    db, (first, _, _) = tickets
    out = tmp_path / "归档" / "咨询归档.docx"
    out.parent.mkdir()
    done = run("docs", "render", "--db", str(db), "--ticket", first, "--kind", "archive_consult", "--out", str(out),
               "--pdf", "--as", "pd1")
    assert done.returncode == 0, done.stderr
    assert "已出具咨询处理归档表" in done.stdout
    cells = [c.text for t in docx.Document(str(out)).tables for r in t.rows for c in r.cells]
    assert "张先生" in cells and any("按政策可以办理" in c for c in cells)
    text = subprocess.run(["pdftotext", str(out.with_suffix(".pdf")), "-"], capture_output=True, text=True).stdout
    assert first in text and "咨询处理归档表" in text.replace(" ", "")


def test_render_refuses_what_cannot_be_done_and_writes_nothing(tickets, tmp_path):
    db, (_, _, open_one) = tickets
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    cases = [
        (["--ticket", "320102-19990101-0001", "--kind", "work_order", "--out", str(tmp_path / "a.docx")],
         "没有编号为“320102-19990101-0001”的工单"),
        (["--ticket", open_one, "--kind", "archive_complaint", "--out", str(tmp_path / "b.docx")],
         "尚未办结，没有答复时间和答复人员"),
        (["--ticket", open_one, "--kind", "work_order", "--out", str(tmp_path / "c?.docx")],
         "文件名不能包含这些字符：?"),
        (["--ticket", open_one, "--kind", "work_order", "--out", str(tmp_path / "没有这个文件夹" / "d.docx")],
         "没有这个文件夹"),
        (["--ticket", open_one, "--kind", "mediation_letter", "--out", str(tmp_path / "e.docx"), "--as", "op1"],
         "没有“投诉调解”的权限"),
    ]
    for args, message in cases:
        done = run("docs", "render", "--db", str(db), *args)
        assert done.returncode == 2 and message in done.stderr, (args, done.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    import apsw
    with apsw.Connection(str(db)) as conn:
        assert conn.execute("SELECT count(*) FROM issued_document").fetchone()[0] == 0


def test_batch_of_a_day_as_json(tickets, tmp_path):
    db, (first, second, _) = tickets
    day = clock.today().isoformat()  # the program's day, also the subprocess's (HOTLINE_DESK_NOW)
    done = run("docs", "batch", "--db", str(db), "--from", day, "--to", day, "--out", str(tmp_path), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["total"], report["written"], report["skipped"]) == (2, 2, [])
    folder = tmp_path / f"归档表 {day} 至 {day}"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{first}-诉求工单.docx", f"{second}-诉求工单.docx", "目录.csv"])  # a 12345 center (12345 5.5.1)
    bad = run("docs", "batch", "--db", str(db), "--from", "2026-13-01", "--to", day, "--out", str(tmp_path))
    assert bad.returncode == 2 and "日期“2026-13-01”格式不对" in bad.stderr


def test_check_template_names_the_misspelled_placeholder(tmp_path):
    d = docx.Document()
    d.add_paragraph("来电人：{{ caller_nam }}")
    d.add_paragraph("{% if title %}没有结束")
    path = tmp_path / "我的工单.docx"
    buf = io.BytesIO()
    d.save(buf)
    path.write_bytes(buf.getvalue())
    done = run("docs", "check-template", "--kind", "work_order", str(path))
    assert done.returncode == 1
    assert "缺少与“if”配对的结束标签" in done.stdout
