"""系统管理 · 工作日历: a year's days, a notice imported, a day set and cleared by the admin."""
from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from core.deadlines import workcalendar
from db.models import Deadline
from desktop.admin.imports import ImportReportDialog
from desktop.admin.work_calendar import CalendarView
from desktop.worker import Runner
from tests.core.dispatch.test_dispatch import register
from tests.helpers import commit

# A test fixture shaped like holiday-cn's 2027.json. The 2027 notice is not out yet
# (DESIGN "Deadlines"): these dates are made up for the test, not the real arrangement.
NOTICE_2027 = {
    "year": 2027,
    "days": [
        {"name": "元旦", "date": "2027-01-01", "isOffDay": True},
        {"name": "春节", "date": "2027-02-06", "isOffDay": False},
        *({"name": "春节", "date": f"2027-02-{d:02d}", "isOffDay": True} for d in range(7, 14)),
        {"name": "国庆节", "date": "2027-10-01", "isOffDay": True},
    ],
}


@pytest.fixture
def view(qtbot, center_db, monkeypatch):
    monkeypatch.setattr(ImportReportDialog, "exec", lambda self: 0)  # the report dialog is read in the test
    runner = Runner()
    widget = CalendarView(center_db, runner)
    qtbot.addWidget(widget)
    widget.resize(1280, 760)
    widget.show()
    widget.activateWindow()
    qtbot.waitActive(widget)
    widget.year.setValue(2026)  # the last year chinesecalendar knows, whatever year the tests run in
    qtbot.waitUntil(lambda: widget.table.rowCount() > 20, timeout=5000)
    yield widget
    runner.wait()


def _choose_year(qtbot, view: CalendarView, year: int) -> None:
    view.year.setFocus()
    view.year.selectAll()
    qtbot.keyClicks(view.year, str(year))
    qtbot.keyClick(view.year, Qt.Key.Key_Return)


def test_a_2027_notice_makes_the_year_known_and_recomputes_provisional_deadlines(qtbot, view, operator, monkeypatch,
                                                                                 tmp_path):
    ticket = register(operator, hours_ago=1)
    Deadline.update(provisional=True).where(Deadline.ticket == ticket).execute()
    _choose_year(qtbot, view, 2027)
    qtbot.waitUntil(lambda: "尚未导入" in view.year_state.text(), timeout=5000)
    assert view.pages.currentWidget() is view.empty
    path = tmp_path / "2027.json"
    path.write_text(json.dumps(NOTICE_2027, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(CalendarView, "_ask_notice_file", lambda self: str(path))
    view.import_notice()
    qtbot.waitUntil(lambda: view.table.rowCount() == 10, timeout=5000)
    assert view.year_state.text().startswith("2027 年的工作日历已知：已导入放假通知“2027.json”")
    assert "2027 年的工作日历现已可用" in view.status.text()
    assert "已按新日历重新计算 1 个临时时限" in view.status.text()
    assert [view.table.item(1, c).text() for c in range(5)] == ["2027-02-06", "周六", "上班（调休）", "春节", "放假通知"]
    assert "2027" in view.known.text()


def test_a_malformed_notice_names_the_bad_date_and_changes_nothing(qtbot, view, monkeypatch, tmp_path):
    bad = {"year": 2027, "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": True},
                                  {"name": "春节", "date": "2027-02-30", "isOffDay": True}]}
    path = tmp_path / "2027.json"
    path.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(CalendarView, "_ask_notice_file", lambda self: str(path))
    errors: list[str] = []
    monkeypatch.setattr("desktop.admin.work_calendar.show_error", lambda parent, exc: errors.append(exc.message))
    view.import_notice()
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert "第 2 条" in errors[0] and "2027-02-30" in errors[0] and "整个文件未导入" in errors[0]
    assert view.status.text() == "《2027.json》未导入。"
    assert not workcalendar.year_info(2027).known


def test_the_admin_sets_a_working_day_by_keyboard_and_del_clears_it(qtbot, view):
    view.day.setFocus()
    qtbot.keyClick(view.day, Qt.Key.Key_Home)
    qtbot.keyClicks(view.day, "2026-10-03")
    assert view.day.date().toString("yyyy-MM-dd") == "2026-10-03"
    view.off.setFocus()
    qtbot.keyClick(view.off, Qt.Key.Key_Down)  # 上班
    view.name.setFocus()
    view.name.clear()
    commit(view.name, "国庆节调休上班")
    qtbot.keyClick(view.name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.status.text().startswith("已设置 2026-10-03"), timeout=5000)
    qtbot.waitUntil(lambda: view.clear_button.isEnabled(), timeout=5000)
    row = view.table.currentRow()
    assert [view.table.item(row, c).text() for c in (0, 2, 3, 4)] == ["2026-10-03", "上班（调休）", "国庆节调休上班",
                                                                     "管理员设置"]
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: view.status.text() == "已清除 2026-10-03 的设置。", timeout=5000)
    assert workcalendar.current().day_info(workcalendar.dt.date(2026, 10, 3)).source == workcalendar.SOURCE_BUILTIN


def test_an_empty_name_is_refused_and_the_choice_stays(qtbot, view):
    view.day.setDate(view.day.date().addDays(40))
    view.off.setCurrentIndex(1)
    view.name.clear()
    view.name.setFocus()
    qtbot.keyClick(view.name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.name_error.isVisible(), timeout=5000)
    assert "请填写名称" in view.name_error.text() and view.off.currentIndex() == 1


def test_the_alerts_show_as_a_red_banner(qtbot, center_db, monkeypatch):
    monkeypatch.setattr(workcalendar, "alerts", lambda today: ["请导入 2027 年放假通知：跨入 2027 年的工作日时限暂只按周末计算。"])
    runner = Runner()
    widget = CalendarView(center_db, runner)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: widget.banner.isVisible(), timeout=5000)
    assert widget.banner.text().startswith("请导入 2027 年放假通知")
    runner.wait()
