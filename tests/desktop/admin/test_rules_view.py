"""系统管理 · 时限规则: a rule edited in the table, saved as a version, checked in 试算; reminder settings."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from core.deadlines import clocks as deadlines
from core.deadlines import reminders
from core.deadlines.rules import PROFILE_12345
from desktop.admin.rules import AMOUNT, RulesView, conditions
from desktop.worker import Runner
from tests.helpers import commit

NORMAL_DISPATCH = [r.key for r in PROFILE_12345].index("dispatch.normal")


@pytest.fixture
def view(qtbot, center_db):
    runner = Runner()
    widget = RulesView(center_db, runner)
    qtbot.addWidget(widget)
    widget.resize(1130, 760)
    widget.show()
    widget.activateWindow()
    qtbot.waitActive(widget)
    qtbot.waitUntil(lambda: widget.table.rowCount() == len(PROFILE_12345), timeout=5000)
    yield widget
    runner.wait()


def _type_start(qtbot, view: RulesView, text: str) -> None:
    view.trial.start.setFocus()
    qtbot.keyClick(view.trial.start, Qt.Key.Key_Home)
    qtbot.keyClicks(view.trial.start, text)


def test_an_edited_amount_saved_as_a_new_version_is_what_the_trial_gives(qtbot, view):
    view.trial.category.setCurrentIndex(view.trial.category.findText("投诉"))
    _type_start(qtbot, view, "2026-11-23 09:00")
    qtbot.keyClick(view.trial.start, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.trial.result.text().startswith("时限："), timeout=5000)
    assert view.trial.result.text().startswith("时限：2026-11-24 09:00")  # 24 hours, the standard's
    assert "按标准默认规则" in view.trial.result.text()

    view.table.setFocus()
    view.table.setCurrentCell(NORMAL_DISPATCH, AMOUNT)
    qtbot.keyClick(view.table, Qt.Key.Key_1)  # typing opens the editor, which takes the rest
    qtbot.keyClicks(view.table.focusWidget(), "2")
    qtbot.keyClick(view.table.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.table.item(NORMAL_DISPATCH, AMOUNT).text() == "12", timeout=5000)
    assert view.status.text().startswith("有 1 条规则已修改") and not view.save_button.isEnabled()
    view.note.setFocus()
    commit(view.note, "试行：一般诉求 12 小时内派单")
    assert view.save_button.isEnabled()
    qtbot.keyClick(view.note, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.status.text().startswith("已保存为第 1 版"), timeout=5000)
    qtbot.waitUntil(lambda: view.version.text().startswith("现行：第 1 版"), timeout=5000)
    assert "试行" in view.version.text() and view.note.text() == ""
    assert deadlines.rule_set("12345").rules[NORMAL_DISPATCH].amount == 12

    view.trial.start.setFocus()
    qtbot.keyClick(view.trial.start, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "第 1 版" in view.trial.result.text(), timeout=5000)
    assert view.trial.result.text().startswith("时限：2026-11-23 21:00")
    assert "一般诉求：自受理登记起 12 小时" in view.trial.result.text()


def test_restore_defaults_makes_a_new_version_equal_to_the_standard(qtbot, view, monkeypatch, center_db):
    rules = list(deadlines.rule_set("12345").rules)
    deadlines.save_rules(center_db, "12345", rules[:-1], "删掉一条")
    monkeypatch.setattr(RulesView, "_confirm", lambda self, title, text: True)
    view.restore_defaults()
    qtbot.waitUntil(lambda: view.version.text().startswith("现行：第 2 版"), timeout=5000)
    assert view.table.rowCount() == len(PROFILE_12345)
    assert deadlines.rule_set("12345").rules == PROFILE_12345


def test_a_stage_without_a_rule_says_so_and_12365_shows_its_own(qtbot, view):
    view.profile.setCurrentIndex(view.profile.findData("12365"))
    qtbot.waitUntil(lambda: view.table.rowCount() == 8, timeout=5000)
    assert view.table.item(0, 1).text() == "诉求分类：咨询、求助、建议"
    view.trial.stage.setCurrentIndex(view.trial.stage.findData("accept"))  # 受理: complaints and reports only
    view.trial.category.setCurrentIndex(view.trial.category.findText("咨询"))
    view.trial.run()
    qtbot.waitUntil(lambda: "没有适用" in view.trial.result.text(), timeout=5000)


def test_conditions_read_as_words():
    rule = PROFILE_12345[0]
    assert conditions(rule) == "紧急类型：突发事件、不稳定因素、疫情"
    assert conditions(PROFILE_12345[NORMAL_DISPATCH]) == "其余情形"


def test_reminder_settings_are_saved(qtbot, view):
    spin = view.reminder_box.spins["escalate_hours"]
    qtbot.waitUntil(lambda: spin.value() == 24, timeout=5000)
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "12")
    view.reminder_box.save()
    qtbot.waitUntil(lambda: view.reminder_box.status.text().startswith("提醒设置已保存"), timeout=5000)
    assert reminders.settings().escalate_hours == 12


def test_a_length_core_refuses_keeps_the_edit_and_the_note(qtbot, view):
    row = [r.key for r in PROFILE_12345].index("sign_off.normal")  # 1 个工作日
    view.table.setFocus()
    view.table.setCurrentCell(row, AMOUNT)
    qtbot.keyClick(view.table, Qt.Key.Key_3)
    qtbot.keyClicks(view.table.focusWidget(), "000")
    qtbot.keyClick(view.table.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.table.item(row, AMOUNT).text() == "3000", timeout=5000)
    view.note.setFocus()
    commit(view.note, "签收放宽")
    qtbot.keyClick(view.note, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.status.text().startswith("未保存："), timeout=5000)
    assert "1 到 2500 之间的整数个工作日" in view.status.text()
    assert view.note.text() == "签收放宽" and view.rules[row].amount == 3000 and view.save_button.isEnabled()
    assert deadlines.rule_set("12345").version == 0
