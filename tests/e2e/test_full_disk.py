"""Exports and documents written by the real program into a folder on a really full disk.

A person must read a Chinese message (no traceback, no English system text), find no
half-written file under the name they gave (an earlier export of that name untouched),
and a document that could not be written must not have taken a 文书编号 or left a record.
"""
from __future__ import annotations

import hashlib

import apsw
import pytest

from tests.e2e.full_disk import run_on_full_disk
from tests.forms.test_issue import closed_consult

pytestmark = pytest.mark.slow

OLD = b"an earlier export of the same name"


@pytest.fixture
def center_file(center_db, operator, db_path):
    """Articles, a unit and a consult answered on the spot; the database closed for the program."""
    from core import store
    from core.kb import articles as kb
    from core.units import tree as units
    from core.kb.articles import ArticleInput
    from core.units.tree import UnitInput
    from db.models import Ticket

    for i in range(30):
        kb.save_article(center_db, None, ArticleInput(title=f"社保卡补办第{i}问", body="带身份证到社保经办窗口办理。" * 40))
    units.create_unit(center_db, UnitInput(name="区人力资源和社会保障局", kind="department", duty_phone="+86 25 8555 0101"))
    number = Ticket.get_by_id(closed_consult(operator)).number
    store.close_center()
    return db_path, number


def _refused_in_chinese(done, name: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert f"磁盘空间不足，“{name}”没有写入" in done.stderr, done.stderr
    for english in ("Traceback", "No space left", "Errno", "OSError"):
        assert english not in done.stderr, done.stderr


@pytest.mark.parametrize("command, name", [
    ("kb", "知识库.xlsx"), ("kb", "知识库.csv"), ("kb", "知识库.jsonl"),
    ("units", "承办单位.xlsx"), ("units", "承办单位.csv"),
])
def test_an_export_to_a_full_disk_is_refused_and_leaves_the_old_file(center_file, tmp_path, command, name):
    db, _ = center_file
    folder = tmp_path / "U盘"
    done = run_on_full_disk(folder, command, "export", "--db", str(db), "--out", str(folder / name),
                            before={name: OLD})
    _refused_in_chinese(done, name)
    assert done.files == {name: hashlib.sha256(OLD).hexdigest()}  # no temporary file, the old one whole


def test_a_document_rendered_into_a_full_folder_takes_no_number_and_records_nothing(center_file, tmp_path):
    db, number = center_file
    folder = tmp_path / "文书"
    with apsw.Connection(str(db)) as conn:
        events = conn.execute("SELECT count(*) FROM ticket_event").fetchone()[0]
    done = run_on_full_disk(folder, "docs", "render", "--db", str(db), "--ticket", number, "--kind", "work_order",
                            "--out", str(folder / "诉求工单.docx"))
    _refused_in_chinese(done, "诉求工单.docx")
    assert done.files == {}
    with apsw.Connection(str(db)) as conn:
        assert conn.execute("SELECT count(*) FROM issued_document").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM document_counter").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM ticket_event").fetchone()[0] == events
