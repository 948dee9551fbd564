"""系统管理 · 承办单位, driven by the keyboard: edit, add, retire, and an Excel import checked first."""
from __future__ import annotations

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from demo import units as demo_units
from core.units import tree as units
from desktop.admin.imports import ImportReportDialog
from desktop.admin.units import UnitsView
from desktop.worker import Runner
from tests.helpers import commit

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def view(qtbot, center_db):
    demo_units.fill_demo_units(center_db)
    runner = Runner()
    widget = UnitsView(center_db, runner)
    qtbot.addWidget(widget)
    widget.resize(1280, 760)
    widget.show()
    widget.activateWindow()
    qtbot.waitActive(widget)
    qtbot.waitUntil(lambda: widget.form.isEnabled() and widget.form.name.text() == demo_units.DISTRICT, timeout=5000)
    yield widget
    runner.wait()


def _unit(name: str) -> units.UnitDetail:
    (node,) = [n for n in units.unit_tree(include_retired=True) if n.name == name]
    return units.get_unit(node.id)


def _choose(qtbot, view: UnitsView, initials: str, name: str) -> None:
    """Find a unit as the admin does: Ctrl+F, pinyin initials."""
    qtbot.keyClick(view.tree, Qt.Key.Key_F, CTRL)
    assert view.filter.hasFocus()
    qtbot.keyClicks(view.filter, initials)
    qtbot.waitUntil(lambda: view.form.name.text() == name, timeout=5000)


def _replace(qtbot, editor, text: str) -> None:
    editor.setFocus()
    qtbot.keyClick(editor, Qt.Key.Key_A, CTRL)
    qtbot.keyClick(editor, Qt.Key.Key_Backspace)
    if text:
        commit(editor, text)


def test_edit_a_unit_and_save(qtbot, view):
    _choose(qtbot, view, "csgl", "区城市管理局")
    _replace(qtbot, view.form.contact, "刘科长")
    _replace(qtbot, view.form.duty_phone, "")
    qtbot.keyClicks(view.form.duty_phone, "025-84001234")
    qtbot.keyClick(view.form.duty_phone, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: view.form.status.text() == "已保存。", timeout=5000)
    saved = _unit("区城市管理局")
    assert (saved.contact, saved.duty_phone) == ("刘科长", "025-84001234")
    qtbot.waitUntil(lambda: view.items[saved.id].text(2) == "025-84001234", timeout=5000)
    assert not view.form.dirty


def test_an_empty_name_is_refused_and_the_other_fields_stay(qtbot, view):
    _choose(qtbot, view, "csgl", "区城市管理局")
    _replace(qtbot, view.form.contact, "刘科长")
    _replace(qtbot, view.form.name, "")
    qtbot.keyClick(view.form.name, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: view.form.errors["name"].isVisible(), timeout=5000)
    assert view.form.errors["name"].text() == "请填写单位名称"
    assert view.form.status.text().startswith("未保存")
    assert view.form.contact.text() == "刘科长" and view.form.name.hasFocus()
    assert _unit("区城市管理局").contact == "周科长"  # nothing written


def test_insert_adds_a_community_under_a_street_and_del_retires_it_with_a_reason(qtbot, view, monkeypatch):
    _choose(qtbot, view, "xjkjd", "新街口街道")
    view.tree.setFocus()
    qtbot.keyClick(view.tree, Qt.Key.Key_Insert)
    assert view.form.name.hasFocus() and view.form.heading.text().endswith("新街口街道”之下")
    assert view.form.kind.currentText() == "社区/村"
    commit(view.form.name, "丹凤街社区")
    qtbot.keyClick(view.form.name, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: view.form.status.text() == "已保存。", timeout=5000)
    added = _unit("丹凤街社区")
    assert added.path == "玄武区人民政府/新街口街道/丹凤街社区"
    qtbot.waitUntil(lambda: view.current_id() == added.id, timeout=5000)

    asked: list[str] = []
    monkeypatch.setattr(UnitsView, "_ask_reason", lambda self, name, text="", error="": asked.append(name) or "社区合并")
    view.tree.setFocus()
    qtbot.keyClick(view.tree, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: not _unit("丹凤街社区").active, timeout=5000)
    assert asked == ["丹凤街社区"]
    qtbot.waitUntil(lambda: view.items[added.id].text(3) == "已停用", timeout=5000)
    assert view.show_retired.isChecked() and view.current_id() == added.id
    assert view.buttons["toggle"].text().startswith("重新启用")
    qtbot.keyClick(view.tree, Qt.Key.Key_Delete)  # restore
    qtbot.waitUntil(lambda: view.items[added.id].text(3) == "在用", timeout=5000)
    assert _unit("丹凤街社区").active
    view.show_retired.setChecked(False)
    assert not view.items[added.id].isHidden()


def _xlsx(path, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["单位名称", "上级单位", "单位类别", "值班电话"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _capture_dialog(monkeypatch, accept: bool) -> list[ImportReportDialog]:
    shown: list[ImportReportDialog] = []

    def execute(dialog):
        shown.append(dialog)
        return QDialog.DialogCode.Accepted if accept else QDialog.DialogCode.Rejected

    monkeypatch.setattr(ImportReportDialog, "exec", execute)
    return shown


def test_an_import_with_a_bad_row_names_the_row_and_imports_nothing(qtbot, view, monkeypatch, tmp_path):
    path = _xlsx(tmp_path / "units.xlsx", [["丹凤街社区", "新街口街道", "社区/村", "025-84001234"],
                                          ["区数据局", "玄武区人民政府", "政府部门", "12"]])
    monkeypatch.setattr(UnitsView, "_ask_open_file", lambda self: str(path))
    shown = _capture_dialog(monkeypatch, accept=True)
    before = len(units.unit_tree(include_retired=True))
    view.buttons["import"].click()
    qtbot.waitUntil(lambda: len(shown) == 1, timeout=5000)
    dialog = shown[0]
    assert dialog.confirm_button is None  # a rejected row: nothing to confirm
    assert "拒绝 1 处，整批未导入" in dialog.summary.text()
    assert dialog.table.item(0, 0).text() == "第 3 行" and "值班电话" in dialog.table.item(0, 2).text()
    assert len(units.unit_tree(include_retired=True)) == before


def test_a_good_import_is_checked_first_then_written_on_confirm(qtbot, view, monkeypatch, tmp_path):
    path = _xlsx(tmp_path / "units.xlsx", [["丹凤街社区", "新街口街道", "社区/村", "025-84001234"],
                                          ["区城市管理局", "玄武区人民政府", "政府部门", "025-85550102"]])
    monkeypatch.setattr(UnitsView, "_ask_open_file", lambda self: str(path))
    shown = _capture_dialog(monkeypatch, accept=True)
    view.buttons["import"].click()
    qtbot.waitUntil(lambda: "新增 1，更新 0，未变 1。" in view.status.text() and "试运行" not in view.status.text(),
                    timeout=5000)
    assert [shown[0].table.item(r, 2).text() for r in range(2)] == ["新增", "未变"]
    assert _unit("丹凤街社区").duty_phone == "025-84001234"
    qtbot.waitUntil(lambda: any(n.name == "丹凤街社区" for n in view.nodes.values()), timeout=5000)


def test_export_writes_the_file_named(qtbot, view, monkeypatch, tmp_path):
    out = tmp_path / "导出.xlsx"
    monkeypatch.setattr(UnitsView, "_ask_save_file", lambda self: str(out))
    view.buttons["export"].click()
    qtbot.waitUntil(lambda: view.status.text().startswith("已导出 41 个承办单位"), timeout=5000)
    assert openpyxl.load_workbook(out).active.max_row == 42


def test_moving_away_from_unsaved_edits_asks_first(qtbot, view, monkeypatch):
    answers = [False, True]
    monkeypatch.setattr(UnitsView, "_discard", lambda self: answers.pop(0))
    _choose(qtbot, view, "csgl", "区城市管理局")
    _replace(qtbot, view.form.contact, "刘科长")
    view.filter.clear()
    view.tree.setFocus()
    qtbot.keyClick(view.tree, Qt.Key.Key_Down)  # "no": stay, with the text typed
    assert view.form.name.text() == "区城市管理局" and view.form.contact.text() == "刘科长"
    assert view.tree.currentItem().text(0) == "区城市管理局"
    qtbot.keyClick(view.tree, Qt.Key.Key_Down)  # "yes": the next unit, nothing saved
    qtbot.waitUntil(lambda: view.form.name.text() == "区市场监督管理局", timeout=5000)
    assert _unit("区城市管理局").contact == "周科长" and answers == []


def test_a_retired_unit_under_a_retired_street_keeps_its_parent_when_edited(qtbot, center_db, monkeypatch):
    demo_units.fill_demo_units(center_db)
    for name in ("湖北路社区", "狮子桥社区", "玄武门街道"):
        units.retire_unit(center_db, _unit(name).id, "街道撤并")
    runner = Runner()
    view = UnitsView(center_db, runner)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.form.isEnabled(), timeout=5000)
    view.show_retired.setChecked(True)
    view.tree.setCurrentItem(view.items[_unit("湖北路社区").id])
    qtbot.waitUntil(lambda: view.form.name.text() == "湖北路社区", timeout=5000)
    assert view.form.parent_picker.currentText() == "玄武区人民政府/玄武门街道（已停用）"
    _replace(qtbot, view.form.contact, "原社区书记")
    qtbot.keyClick(view.form.contact, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: view.form.status.text() == "已保存。", timeout=5000)
    assert _unit("湖北路社区").path == "玄武区人民政府/玄武门街道/湖北路社区"
    runner.wait()
