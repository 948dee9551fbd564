"""`main.py kb import / search / export` as a subprocess, as an admin's script would run them."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import docx
import pytest

from tests.e2e.test_program import run
from tests.helpers import file_sha256

pytestmark = pytest.mark.slow


@pytest.fixture
def center_file(db_path) -> Path:
    """A set-up center database on disk, closed so only the program under test holds it."""
    from core import store
    from core.center import profile as center

    store.open_center(db_path)
    center.setup_center("12345", "320102", "南京市玄武区12345热线", "admin", "管理员", "admin-pass-1")
    store.close_center()
    return db_path


def _files(folder: Path) -> list[Path]:
    table = folder / "住建局报送.csv"
    with open(table, "w", encoding="gb18030", newline="") as fh:
        csv.writer(fh).writerows([
            ["编号", "标题", "正文", "关键词", "分类"],
            ["ZJ-1", "住房公积金提取办理指南", "职工购买自住住房，可以申请提取住房公积金。", "公积金", "住房/公积金"],
            ["ZJ-2", "物业费收费标准", "住宅物业服务收费实行政府指导价。", "物业", "住房/物业"],
        ])
    lines = folder / "燃气.jsonl"
    lines.write_text(json.dumps({"id": "RQ-1", "title": "燃气泄漏应急处置",
                                 "body": "闻到燃气味时，立即关闭燃气阀门，开窗通风。"}, ensure_ascii=False) + "\n",
                     encoding="utf-8")
    document = docx.Document()
    document.add_heading("ETC 办理与注销", 1)
    document.add_paragraph("ETC 卡可在合作银行网点办理。")
    word = folder / "交通.docx"
    document.save(str(word))
    return [table, lines, word]


def test_import_search_export_and_reimport(center_file, tmp_path):
    files = [str(p) for p in _files(tmp_path)]
    imported = run("kb", "import", "--db", str(center_file), *files, "--publish", "--json")
    assert imported.returncode == 0, imported.stderr
    report = json.loads(imported.stdout)
    assert (report["added"], report["rejected"], report["status"]) == (4, [], "published")

    found = run("kb", "search", "--db", str(center_file), "公积金怎么提取", "--json", "--limit", "3")
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)
    assert hits[0]["title"] == "住房公积金提取办理指南"
    assert {"id", "title", "score", "snippet", "version", "status", "flags"} <= set(hits[0])
    assert "<b>" in hits[0]["snippet"] and hits[0]["status"] == "published"
    plain = run("kb", "search", "--db", str(center_file), "ETC")
    assert plain.returncode == 0 and "ETC 办理与注销" in plain.stdout.splitlines()[0]

    out = tmp_path / "导出.xlsx"
    exported = run("kb", "export", "--db", str(center_file), "--out", str(out))
    assert exported.returncode == 0 and "4 篇" in exported.stdout, exported.stderr
    again = run("kb", "import", "--db", str(center_file), str(out))
    assert again.returncode == 0 and "未变 4" in again.stdout, again.stdout + again.stderr


def test_rejected_import_writes_nothing_and_exits_1(center_file, tmp_path):
    files = [str(p) for p in _files(tmp_path)]
    bad = tmp_path / "坏.jsonl"
    bad.write_text('{"title": "缺正文"}\n', encoding="utf-8")
    before = file_sha256(center_file)
    result = run("kb", "import", "--db", str(center_file), *files, str(bad))
    assert result.returncode == 1
    assert "整批未导入" in result.stdout and "《坏.jsonl》第 1 行：请填写正文" in result.stdout
    assert "Traceback" not in result.stderr
    assert file_sha256(center_file) == before


def test_bad_query_and_missing_database(center_file, tmp_path):
    result = run("kb", "search", "--db", str(center_file), '"*(', "--json")
    assert result.returncode == 2 and "没有可以查找的" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""
    missing = tmp_path / "typo.db"
    assert run("kb", "search", "--db", str(missing), "公积金").returncode == 2
    assert run("kb", "export", "--db", str(missing), "--out", str(tmp_path / "x.csv")).returncode == 2
    assert not missing.exists()
