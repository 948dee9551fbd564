"""`main.py units import / export` as a subprocess, as an admin's script would run them."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.e2e.test_program import run
from tests.helpers import file_sha256

pytestmark = pytest.mark.slow


@pytest.fixture
def center_file(center_db, db_path) -> Path:
    """The conftest center, closed so only the program under test holds the file."""
    from core import store

    store.close_center()
    return db_path


def _table(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="gb18030", newline="") as fh:  # as WPS saves CSV on Chinese Windows
        csv.writer(fh).writerows([["单位名称", "上级单位", "单位类别", "值班电话", "职责事项", "状态"], *rows])
    return path


def test_import_export_and_reimport(center_file, tmp_path):
    table = _table(tmp_path / "名录.csv", [
        ["新街口街道", "玄武区人民政府", "街道", "025-85550201", "占道经营、噪声污染", "在用"],
        ["玄武区人民政府", "", "区人民政府", "025-85550101", "其他", ""],
        ["南京港华燃气玄武服务站", "", "公共服务企业", "025-85550401", "供气", ""],
    ])
    before = file_sha256(center_file)
    dry = run("units", "import", "--db", str(center_file), str(table), "--dry-run")
    assert dry.returncode == 0 and "新增 3" in dry.stdout and "试运行" in dry.stdout, dry.stderr
    assert file_sha256(center_file) == before

    imported = run("units", "import", "--db", str(center_file), str(table), "--as", "admin", "--json")
    assert imported.returncode == 0, imported.stderr
    report = json.loads(imported.stdout)
    assert (report["added"], report["written"], report["rejected"]) == (3, True, [])
    assert report["units"][0]["path"] == "玄武区人民政府/新街口街道"

    out = tmp_path / "导出.xlsx"
    exported = run("units", "export", "--db", str(center_file), "--out", str(out))
    assert exported.returncode == 0 and "3 个承办单位" in exported.stdout, exported.stderr
    again = run("units", "import", "--db", str(center_file), str(out))
    assert again.returncode == 0 and "未变 3" in again.stdout, again.stdout + again.stderr


def test_a_rejected_file_changes_nothing_and_exits_1(center_file, tmp_path):
    table = _table(tmp_path / "坏.csv", [
        ["新街口街道", "玄武区人民政府", "街道", "", "", ""],
        ["区城管局", "区政府", "政府部门", "", "", ""],
    ])
    before = file_sha256(center_file)
    result = run("units", "import", "--db", str(center_file), str(table))
    assert result.returncode == 1 and "整批未导入" in result.stdout
    assert "拒绝 第 2 行：上级单位“玄武区人民政府”不存在" in result.stdout
    assert "拒绝 第 3 行：上级单位“区政府”不存在" in result.stdout
    assert "Traceback" not in result.stderr and file_sha256(center_file) == before
    missing = tmp_path / "typo.db"
    assert run("units", "export", "--db", str(missing), "--out", str(tmp_path / "x.xlsx")).returncode == 2
    assert not missing.exists()
    wrong = run("units", "export", "--db", str(center_file), "--out", str(tmp_path / "x.pdf"))
    assert wrong.returncode == 2 and "请用 .xlsx 或 .csv 结尾" in wrong.stderr
