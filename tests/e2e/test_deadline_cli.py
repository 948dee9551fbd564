"""`main.py deadline`: an admin checks what the rules give before trusting an edited rule."""
from __future__ import annotations

import json

import pytest

from tests.core.deadlines.test_calendar_import import notice_2027
from tests.e2e.test_kb_cli import center_file  # noqa: F401 (fixture)
from tests.e2e.test_program import run

pytestmark = pytest.mark.slow


def due(db, *args: str):
    return run("deadline", "--db", str(db), *args)


def test_the_due_time_and_the_rule_used_are_printed(center_file, tmp_path):  # noqa: F811
    # 12345 5.2.2.2.1: one working day to sign; Saturday 14 Feb 2026 is a make-up working day.
    shown = due(center_file, "--profile", "12345", "--stage", "签收", "--category", "求助", "--urgency", "一般",
                "--from", "2026-02-13 16:00")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == "时限：2026-02-14 23:59 星期六"
    assert lines[1].startswith("规则：sign_off.normal") and "12345 5.2.2.2.1" in lines[1]
    assert "第 0 版（标准默认）" in lines[2]

    urgent = due(center_file, "--profile", "12345", "--stage", "dispatch", "--category", "help", "--urgency", "urgent",
                 "--emergency", "utilities", "--from", "2026-11-20 10:00", "--json")
    assert json.loads(urgent.stdout)["due_at"] == "2026-11-20T12:00:00+08:00"

    # 12365 6.4.4.2: 90 working days from November 2026 reach into 2027 — provisional until its notice.
    args = ("--profile", "12365", "--stage", "complete", "--category", "report", "--from", "2026-11-20 10:00", "--json")
    before = json.loads(due(center_file, *args).stdout)
    assert before["provisional"] and before["rule"]["clause"] == "12365 6.4.4.2"
    assert run("calendar", "import", "--db", str(center_file), str(notice_2027(tmp_path))).returncode == 0
    after = json.loads(due(center_file, *args).stdout)
    assert not after["provisional"]


@pytest.mark.parametrize("args, message", [
    (("--stage", "签收", "--category", "report", "--profile", "12365"), "没有适用于举报的“签收”时限规则"),
    (("--stage", "sign_off", "--category", "x", "--profile", "12345"), "诉求分类“x”不认识"),
    (("--stage", "sign_off", "--category", "help", "--profile", "12345", "--emergency", "flood"), "紧急类型“flood”不认识"),
])
def test_bad_arguments_are_named(center_file, args, message):  # noqa: F811
    result = due(center_file, *args, "--from", "2026-11-20 10:00")
    assert result.returncode == 2 and message in result.stderr


def test_a_malformed_start_time_is_named(center_file):  # noqa: F811
    result = due(center_file, "--profile", "12345", "--stage", "dispatch", "--category", "help", "--from", "2026-13-20")
    assert result.returncode == 2 and "起算时间“2026-13-20”格式不对" in result.stderr
