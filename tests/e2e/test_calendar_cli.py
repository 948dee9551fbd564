"""`main.py calendar import / show` as a subprocess, as an admin's script would run them."""
from __future__ import annotations

import json

import pytest

from tests.core.deadlines.test_calendar_import import NOTICE_2027, notice_2027
from tests.e2e.test_kb_cli import center_file  # noqa: F401 (fixture)
from tests.e2e.test_program import run
from tests.helpers import file_sha256

pytestmark = pytest.mark.slow


def test_show_a_known_year_then_import_next_year_and_show_it(center_file, tmp_path):  # noqa: F811
    shown = run("calendar", "show", "--db", str(center_file), "2026")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert "2026 年的工作日历已知" in lines[0] and "chinesecalendar" in lines[0]
    assert "2026-02-14 周六 上班（调休） 春节 内置数据" in lines
    assert "2026-10-01 周四 放假 国庆节 内置数据" in lines
    assert len(lines) == 1 + 39

    unknown = run("calendar", "show", "--db", str(center_file), "2027")
    assert unknown.returncode == 1 and "2027 年的节假日安排尚未导入" in unknown.stdout

    imported = run("calendar", "import", "--db", str(center_file), str(notice_2027(tmp_path)), "--json")
    assert imported.returncode == 0, imported.stderr
    report = json.loads(imported.stdout)
    assert (report["added"], report["changed"], report["newly_known"]) == (len(NOTICE_2027), 0, [2027])

    again = run("calendar", "import", "--db", str(center_file), str(notice_2027(tmp_path)), "--as", "admin")
    assert again.returncode == 0 and f"未变 {len(NOTICE_2027)} 天" in again.stdout, again.stdout + again.stderr

    known = run("calendar", "show", "--db", str(center_file), "2027")
    assert known.returncode == 0, known.stdout
    assert "已导入放假通知“2027.json”" in known.stdout and "admin" in known.stdout.splitlines()[0]
    assert "2027-02-20 周六 上班（调休） 春节 放假通知" in known.stdout


def test_a_bad_notice_exits_nonzero_and_leaves_the_database_alone(center_file, tmp_path):  # noqa: F811
    bad = tmp_path / "2027.json"
    bad.write_text('[{"name": "春节", "date": "2027-02-30", "isOffDay": true}]', encoding="utf-8")
    before = file_sha256(center_file)
    result = run("calendar", "import", "--db", str(center_file), str(bad))
    assert result.returncode == 2 and result.stdout == ""
    assert "“2027.json”第 1 条：日期“2027-02-30”不存在" in result.stderr and "Traceback" not in result.stderr
    assert file_sha256(center_file) == before
    missing = tmp_path / "typo.db"
    assert run("calendar", "show", "--db", str(missing), "2026").returncode == 2 and not missing.exists()
