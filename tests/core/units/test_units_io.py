"""承办单位 Excel/CSV import and export (core.units.import_export): all or nothing, by path, round trips unchanged."""
from __future__ import annotations

import csv
import os
from pathlib import Path

import openpyxl
import pytest

from core import tabular
from demo import units as demo_units
from core.units import tree as units
from core.units import import_export as units_io
from core.errors import PermissionDenied
from core.files import FileNotWritten
from db.models import Audit, Unit
from tests.core.kb.test_kb_io import no_space

HEADER = ["单位名称", "上级单位", "单位类别", "联系人", "值班电话", "电子邮箱", "地址", "职责事项", "关键词", "排序", "状态"]


def _xlsx(path: Path, rows: list[list], header: list[str] = HEADER) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["玄武区承办单位名录（2026 年 11 月）"])  # a title above the header, as people make them
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _csv(path: Path, rows: list[list], header: list[str] = HEADER, encoding: str = "gb18030") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


def _snapshot() -> list[tuple]:
    return [tuple(r.__data__.values()) for r in Unit.select().order_by(Unit.id)]


GOOD = [
    # a child before its parent, and parents named by name, by a partial path and by the full path
    ["珠江路社区", "新街口街道", "社区", "张书记", "025-85550301", "", "", "社区服务", "", "", ""],
    ["新街口街道", "玄武区人民政府", "街道", "李主任", "025-85550201", "xjk@example.gov.cn", "", "占道经营、噪声污染",
     "珠江路，洪武北路", "1", "在用"],
    ["区城市管理局", "玄武区人民政府", "政府部门", "周科长", "02585550102", "", "", "餐饮油烟;违法建设\n施工扰民",
     "油烟 烧烤", 0, ""],
    ["玄武区人民政府", "", "district", "总值班室", "025-85550101", "", "北京东路", "其他", "", "", ""],
    ["洪武北路社区", "玄武区人民政府/新街口街道", "社区/村", "", "", "", "", "", "", "", "停用"],
]


def test_a_new_tree_comes_in_with_parents_after_children(center_db, tmp_path):
    report = units_io.import_units(center_db, _xlsx(tmp_path / "名录.xlsx", GOOD))
    assert report.ok and report.written and report.rejected == []
    assert (report.count("added"), report.count("updated"), report.count("unchanged")) == (5, 0, 0)
    assert [o.row for o in report.outcomes] == [3, 4, 5, 6, 7]  # rows as Excel shows them
    assert [n.path for n in units.unit_tree(include_retired=True)] == [
        "玄武区人民政府", "玄武区人民政府/区城市管理局", "玄武区人民政府/新街口街道",
        "玄武区人民政府/新街口街道/珠江路社区", "玄武区人民政府/新街口街道/洪武北路社区"]
    city = units.get_unit(units.find_units("城市管理")[0].id)
    assert city.matters == ("餐饮油烟", "违法建设", "施工扰民") and city.keywords == ("油烟", "烧烤")
    assert city.duty_phone == "02585550102" and city.sort == 0
    retired = Unit.get(Unit.name == "洪武北路社区")
    assert retired.active is False and retired.kind == "community"
    audit = Audit.get(Audit.action == "unit.import")
    assert "名录.xlsx" in audit.detail and '"added": 5' in audit.detail
    assert "新增 5，更新 0，未变 0" in report.summary()


def test_export_then_import_is_all_unchanged(center_db, tmp_path):
    demo_units.fill_demo_units(center_db)
    units.retire_unit(center_db, units.find_units("和燕路社区")[0].id, "并入红山社区")
    before = _snapshot()
    for name in ("全部.xlsx", "全部.csv"):
        assert units_io.export_units(center_db, tmp_path / name) == len(before)
        report = units_io.import_units(center_db, tmp_path / name)
        assert report.ok and report.count("unchanged") == len(before), report.rejected[:3]
        assert report.count("added") + report.count("updated") == 0
    assert _snapshot() == before
    sheet = openpyxl.load_workbook(tmp_path / "全部.xlsx").active
    assert [c.value for c in sheet[1]] == HEADER
    phone = sheet["E2"]
    assert (phone.value, phone.data_type) == ("025-85550101", "s")  # the leading 0 kept
    assert not list(tmp_path.glob(".hotline-*"))  # no temporary file left beside the exports


def test_a_changed_row_updates_and_a_left_out_column_keeps_its_values(center_db, tmp_path):
    units_io.import_units(center_db, _xlsx(tmp_path / "a.xlsx", GOOD))
    city = Unit.get(Unit.name == "区城市管理局")
    report = units_io.import_units(center_db, _csv(tmp_path / "b.csv", [
        ["区城市管理局", "玄武区人民政府", "政府部门", "025-85550999"],
        ["新街口街道", "玄武区人民政府", "", "025-85550201"],
    ], header=["单位名称", "上级单位", "单位类别", "值班电话"]))
    assert [o.action for o in report.outcomes] == ["updated", "unchanged"]
    after = Unit.get_by_id(city.id)
    assert (after.duty_phone, after.contact, after.matters, after.rev) == ("025-85550999", "周科长", city.matters, 2)


def test_a_dry_run_reports_and_writes_nothing(center_db, tmp_path):
    report = units_io.import_units(center_db, _xlsx(tmp_path / "a.xlsx", GOOD), dry_run=True)
    assert report.ok and report.count("added") == 5 and not report.written
    assert Unit.select().count() == 0 and "试运行" in report.summary()


BAD = [
    ("no name column", None, 0, "找不到“单位名称”列"),
    ("unknown kind", ["区城市管理局", "玄武区人民政府", "城管", "", "", "", "", "", "", "", ""], 4,
     "单位类别“城管”不认识"),
    ("missing parent", ["区城市管理局", "区政府", "政府部门", "", "", "", "", "", "", "", ""], 4,
     "上级单位“区政府”不存在"),
    ("same unit twice", ["玄武区人民政府", "", "区人民政府", "", "", "", "", "", "", "", ""], 4,
     "与第 3 行是同一个单位（玄武区人民政府）"),
    ("bad phone", ["区城市管理局", "玄武区人民政府", "政府部门", "", "转8555", "", "", "", "", "", ""], 4,
     "值班电话只能包含数字"),
    ("bad status", ["区城市管理局", "玄武区人民政府", "政府部门", "", "", "", "", "", "", "", "撤销"], 4,
     "状态“撤销”不认识"),
    ("new without kind", ["区城市管理局", "玄武区人民政府", "", "", "", "", "", "", "", "", ""], 4,
     "新单位“区城市管理局”请填写单位类别"),
    ("retired parent, child in use", ["玄武区人民政府", "", "区人民政府", "", "", "", "", "", "", "", "停用"], 3,
     "“玄武区人民政府”下还有在用的单位（新街口街道），请一并停用"),
]


@pytest.mark.parametrize("case, extra, row, reason", BAD, ids=[b[0] for b in BAD])
def test_a_bad_file_is_refused_whole_naming_the_row(center_db, tmp_path, case, extra, row, reason):
    units_io.import_units(center_db, _xlsx(tmp_path / "base.xlsx", [GOOD[3], GOOD[1]]))
    before = _snapshot()
    # Row 3 the district (good, or the bad row itself), row 4 the bad row, last a good new unit.
    first = extra if row == 3 else GOOD[3]
    rows = [first] + ([extra] if extra and row == 4 else []) + [["新增社区", "新街口街道", "社区"]]
    header = [h if h != "单位名称" else "名称缺失" for h in HEADER] if extra is None else HEADER
    report = units_io.import_units(center_db, _xlsx(tmp_path / "bad.xlsx", rows, header))
    assert not report.ok and not report.written
    assert any(r.row == row and reason in r.reason for r in report.rejected), report.rejected
    assert "整批未导入" in report.summary()
    assert _snapshot() == before  # zero rows changed, the good row included


def test_parents_naming_each_other_are_a_cycle(center_db, tmp_path):
    report = units_io.import_units(center_db, _csv(tmp_path / "环.csv", [
        ["甲单位", "乙单位", "其他单位"], ["乙单位", "甲单位", "其他单位"], ["丙单位", "甲单位", "其他单位"],
    ], header=["单位名称", "上级单位", "单位类别"]))
    reasons = {r.row: r.reason for r in report.rejected}
    assert reasons[2].startswith("上级单位形成循环：甲单位（第 2 行） → 乙单位（第 3 行） → 甲单位（第 2 行）")
    assert "循环" in reasons[3]
    assert reasons[4] == "上级单位“甲单位”在第 2 行，而那一行有误"
    assert Unit.select().count() == 0


def test_a_child_of_a_rejected_row_points_at_that_row(center_db, tmp_path):
    report = units_io.import_units(center_db, _csv(tmp_path / "a.csv", [
        ["区城市管理局", "", "城管"], ["执法大队", "区城市管理局", "其他单位"],
    ], header=["单位名称", "上级单位", "单位类别"]))
    assert [(r.row, r.reason) for r in report.rejected] == [
        (2, "单位类别“城管”不认识，可填：区人民政府、政府部门、街道办事处/乡镇人民政府、社区/村、公共服务企业、其他单位"),
        (3, "上级单位“区城市管理局”在第 2 行，而那一行有误")]


def test_an_ambiguous_parent_name_asks_for_the_path(center_db, tmp_path):
    units_io.import_units(center_db, _xlsx(tmp_path / "a.xlsx", GOOD[:4] + [
        ["和平社区", "玄武区人民政府/新街口街道", "社区"], ["和平社区", "玄武区人民政府", "社区"]]))
    report = units_io.import_units(center_db, _csv(tmp_path / "b.csv", [["一组", "和平社区", "其他"]],
                                                   header=["单位名称", "上级单位", "单位类别"]))
    assert "有多个同名单位（玄武区人民政府/和平社区、玄武区人民政府/新街口街道/和平社区）" in report.rejected[0].reason
    ok = units_io.import_units(center_db, _csv(tmp_path / "c.csv", [["一组", "新街口街道/和平社区", "其他"]],
                                               header=["单位名称", "上级单位", "单位类别"]))
    assert ok.written and units.find_units("一组")[0].path == "玄武区人民政府/新街口街道/和平社区/一组"


@pytest.mark.parametrize("name, content, reason", [
    ("旧.xls", b"\xd0\xcf\x11\xe0", "旧版 .xls 请先另存为 .xlsx"),
    ("单位.txt", b"x", "只能导入 .xlsx 或 .csv 文件"),
    ("坏.xlsx", b"not a zip", "文件已损坏或不是 Excel 工作簿"),
])
def test_unreadable_files_are_named(center_db, tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    report = units_io.import_units(center_db, path)
    assert report.rejected[0].row == 0 and reason in report.rejected[0].reason and not report.written


def test_only_the_admin_imports_and_exports(operator, tmp_path):
    with pytest.raises(PermissionDenied):
        units_io.import_units(operator, _xlsx(tmp_path / "a.xlsx", GOOD))
    with pytest.raises(PermissionDenied):
        units_io.export_units(operator, tmp_path / "out.xlsx")
    assert Unit.select().count() == 0 and not (tmp_path / "out.xlsx").exists()


@pytest.mark.parametrize("name", ["承办单位.xlsx", "承办单位.csv"])
def test_an_export_to_a_full_disk_says_so_in_chinese_and_keeps_the_old_file(center_db, tmp_path, monkeypatch, name):
    demo_units.fill_demo_units(center_db)
    out = tmp_path / "U盘"
    out.mkdir()
    (out / name).write_bytes(b"old")
    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(FileNotWritten, match=f"磁盘空间不足，“{name}”没有写入"):
        units_io.export_units(center_db, out / name)
    assert os.listdir(out) == [name] and (out / name).read_bytes() == b"old"


def test_cells_that_look_like_formulas_stay_text_and_come_back_unchanged(center_db, tmp_path):
    """OWASP CSV injection: a duty phone "+86…" or a contact "=…" must not run in Excel/WPS."""
    units.create_unit(center_db, units.UnitInput(name="区城市管理局", kind="department", contact="=HYPERLINK(\"http://x\")",
                                                 duty_phone="+86 25 8555 0101", address="@总值班室", matters=["-违建"]))
    before = _snapshot()
    units_io.export_units(center_db, tmp_path / "全部.csv")
    units_io.export_units(center_db, tmp_path / "全部.xlsx")
    row = list(csv.reader((tmp_path / "全部.csv").read_text(encoding="utf-8-sig").splitlines()))[1]
    assert [row[3], row[4], row[6], row[7]] == ["'=HYPERLINK(\"http://x\")", "'+86 25 8555 0101", "'@总值班室", "'-违建"]
    cells = next(openpyxl.load_workbook(tmp_path / "全部.xlsx").active.iter_rows(min_row=2))
    assert (cells[3].value, cells[3].data_type) == ("=HYPERLINK(\"http://x\")", "s")
    for name in ("全部.csv", "全部.xlsx"):
        report = units_io.import_units(center_db, tmp_path / name)
        assert report.ok and report.count("unchanged") == 1, report.rejected
    assert _snapshot() == before and not any(c.startswith(tabular.FORMULA_START) for c in row)
