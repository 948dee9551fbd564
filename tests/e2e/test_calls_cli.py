"""`main.py calls import / figures` as a subprocess, as a center's nightly script would run them (issue 17)."""
from __future__ import annotations

import json

import pytest

from tests.core.calls import samples
from tests.e2e.test_program import run
from tests.e2e.test_units_cli import center_file  # noqa: F401 (a fixture)
from tests.helpers import file_sha256

pytestmark = pytest.mark.slow


def test_import_then_figures_then_the_same_file_again(center_file):  # noqa: F811
    month = samples.FOLDER / samples.CSV_NAME
    before = file_sha256(center_file)
    dry = run("calls", "import", "--db", str(center_file), str(month), "--dry-run")
    assert dry.returncode == 0 and "试导入" in dry.stdout, dry.stderr
    assert file_sha256(center_file) == before

    done = run("calls", "import", "--db", str(center_file), str(month), "--json")
    report = json.loads(done.stdout)
    assert done.returncode == 0 and report["ok"] and report["added"] == len(samples.calls())

    figures = run("calls", "figures", "--db", str(center_file), "--from", "2026-10-01", "--to", "2026-10-31")
    assert figures.returncode == 0 and "接通率" in figures.stdout and "连续 24 小时最低接通率" in figures.stdout

    again = run("calls", "import", "--db", str(center_file), str(month))
    assert again.returncode != 0 and "导入过" in again.stderr + again.stdout
    assert "Traceback" not in again.stderr


def test_a_bad_row_exits_non_zero_naming_it(center_file, tmp_path):  # noqa: F811
    bad = tmp_path / "bad.csv"
    bad.write_text("呼入时间,主叫号码,是否接通,等待时长,通话时长\n2026-10-01 08:00:00,13800000000,接通,-4,60\n",
                   encoding="utf-8")
    result = run("calls", "import", "--db", str(center_file), str(bad))
    assert result.returncode == 1 and "第 2 行" in result.stdout and "等待时长" in result.stdout


def test_the_visit_queue_of_a_demo_center(tmp_path):
    """`main.py visits queue` lists what a visitor has to call back (issue 17)."""
    db = tmp_path / "demo.db"
    made = run("demo", "--db", str(db), "--tickets", "300", "--seed", "1")
    assert made.returncode == 0, made.stderr
    listed = run("visits", "queue", "--db", str(db), "--as", "visitor", "--json")
    assert listed.returncode == 0, listed.stderr
    due = json.loads(listed.stdout)
    assert due and all(d["due_at"] > d["closed_at"] for d in due)
    text = run("visits", "queue", "--db", str(db), "--as", "visitor")
    assert "回访时限" in text.stdout


def test_evaluations_imported_by_the_command(center_file, tmp_path):  # noqa: F811
    """`main.py visits import-evaluations`: a bad row exits 1 naming it; nothing is taken."""
    bad = tmp_path / "评价.csv"
    bad.write_text("工单编号,评价渠道,评价结果,评价内容,评价时间\n320102-20991231-0001,短信,满意,,2026-11-20 10:00\n",
                   encoding="utf-8")
    result = run("visits", "import-evaluations", "--db", str(center_file), str(bad))
    assert result.returncode == 1 and "第 2 行" in result.stdout and "找不到工单" in result.stdout, result.stderr
