"""The 派单督办 dialogs typed into as staff do: a refused save keeps everything, Esc asks only
when something was typed, Enter in a multi-line field is a new line, never a save."""
from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from core import clock
from core.dispatch import sending as dispatch
from core.dispatch import reads as handling_reads
from core.dispatch import supervision
from core.dispatch.handling import FEEDBACK_ELEMENTS
from core.dispatch.supervision import SupervisionInput
from db.models import Assignment, Supervision, Surge, TicketEvent
from desktop.dispatch.dialogs import DispatchDialog, FeedbackDialog
from desktop.dispatch.steps import ReturnReviewDialog, SupervisionAnswerDialog, SupervisionDialog, SurgeDialog
from tests.core.dispatch.test_dispatch import register, send
from tests.desktop.dispatch.test_dispatch_view import shared_fixtures
from tests.helpers import commit

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")


questions, city, runner = shared_fixtures()


@pytest.fixture
def shown(qtbot):
    def show(dialog):
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5000)
        return dialog

    return show


def dispatch_dialog(qtbot, shown, actor, runner, ticket: int) -> DispatchDialog:
    dialog = shown(DispatchDialog(actor, runner, ticket))
    qtbot.waitUntil(lambda: dialog.context is not None and "反馈时限" in dialog.preview.text(), timeout=5000)
    return dialog


def saved(dialog) -> None:
    dialog.save()


def test_a_dispatch_without_a_unit_is_refused_and_keeps_the_typed_opinion(qtbot, shown, operator, dispatcher, city,
                                                                          runner):
    ticket = register(operator)
    dialog = dispatch_dialog(qtbot, shown, dispatcher, runner, ticket)
    assert not dialog.save_button.isDefault() and not dialog.save_button.autoDefault()
    dialog.opinion.clear()
    dialog.opinion.setFocus()
    commit(dialog.opinion, "请今日到现场核实")
    qtbot.keyClick(dialog.opinion, Qt.Key.Key_Return)  # a new line, not a save
    commit(dialog.opinion, "并电话回复诉求人")
    assert dialog.opinion.toPlainText() == "请今日到现场核实\n并电话回复诉求人"
    assert not Assignment.select().exists()
    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.errors["lead_unit_id"].isVisible(), timeout=5000)
    assert "请选择牵头承办单位" in dialog.errors["lead_unit_id"].text()
    assert dialog.isVisible() and dialog.opinion.toPlainText() == "请今日到现场核实\n并电话回复诉求人"
    assert "1 处需要修改" in dialog.status.text()
    assert not Assignment.select().exists()


def test_the_mark_under_a_refused_field_goes_when_the_field_is_edited(qtbot, shown, operator, dispatcher, city,
                                                                       runner):
    dialog = dispatch_dialog(qtbot, shown, dispatcher, runner, register(operator))
    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.errors["lead_unit_id"].isVisible(), timeout=5000)
    assert dialog.lead.styleSheet() != ""  # marked in red
    dialog.lead.setFocus()
    qtbot.keyClicks(dialog.lead.lineEdit(), "csgl")
    assert not dialog.errors["lead_unit_id"].isVisible() and dialog.lead.styleSheet() == ""


def test_enter_adds_the_co_handling_unit_typed_as_the_hint_says(qtbot, shown, operator, dispatcher, city, runner):
    dialog = dispatch_dialog(qtbot, shown, dispatcher, runner, register(operator))
    assert "回车" in dialog.co_picker.lineEdit().placeholderText()
    added = lambda: [dialog.co_list.item(i).text() for i in range(dialog.co_list.count())]  # noqa: E731
    dialog.co_picker.setFocus()
    qtbot.keyClicks(dialog.co_picker.lineEdit(), "csgl")  # 区城市管理局, its suggestions open
    popup = dialog.co_picker.completer().popup()
    qtbot.waitUntil(popup.isVisible, timeout=5000)
    qtbot.keyClick(popup, Qt.Key.Key_Return)  # where the keyboard sends it while the list is open
    assert added() == ["区城市管理局"]
    qtbot.waitUntil(lambda: dialog.co_picker.currentText() == "", timeout=5000)  # ready for the next
    qtbot.keyClicks(dialog.co_picker.lineEdit(), "xjkjd")  # 新街口街道
    qtbot.waitUntil(popup.isVisible, timeout=5000)
    qtbot.keyClick(popup, Qt.Key.Key_Escape)  # the list closed, Enter still adds what is typed
    qtbot.keyClick(dialog.co_picker.lineEdit(), Qt.Key.Key_Return)
    assert added() == ["区城市管理局", "新街口街道"]
    qtbot.waitUntil(lambda: dialog.co_picker.currentText() == "", timeout=5000)
    qtbot.keyClicks(dialog.co_picker.lineEdit(), "qqqq")
    qtbot.keyClick(QApplication.activePopupWidget() or dialog.co_picker.lineEdit(), Qt.Key.Key_Return)
    assert "没有找到“qqqq”" in dialog.status.text() and len(added()) == 2
    assert dialog.isVisible()  # Enter never saved the dialog


def test_an_urgent_dispatch_fits_the_screen_with_its_buttons_in_sight(qtbot, themed, shown, operator, dispatcher,
                                                                        city, runner):
    """派单 of an urgent ticket has the most rows (phone call, police, emergency management): they
    scroll, 派单 and 取消 stay on the screen (it was 799 points tall, past a 768 one)."""
    ticket = register(operator, urgency="urgent", emergency_type="utilities")
    dialog = dispatch_dialog(qtbot, shown, dispatcher, runner, ticket)
    room = dialog.screen().availableGeometry()
    assert dialog.frameGeometry().height() <= room.height()
    cancel = next(b for b in dialog.findChildren(QPushButton) if b.text() == "取消 (Esc)")
    for button in (dialog.save_button, cancel):
        assert button.isVisible() and dialog.rect().contains(QRect(button.mapTo(dialog, QPoint(0, 0)), button.size()))


def test_the_lead_is_found_by_pinyin_or_chosen_from_a_chip_by_tab_and_enter(qtbot, shown, operator, dispatcher,
                                                                             city, runner):
    ticket = register(operator)
    dialog = dispatch_dialog(qtbot, shown, dispatcher, runner, ticket)
    dialog.lead.setFocus()
    qtbot.keyClicks(dialog.lead.lineEdit(), "csgl")  # 区城市管理局 by its initials
    popup = dialog.lead.completer().popup()
    qtbot.waitUntil(popup.isVisible, timeout=5000)
    qtbot.keyClick(popup, Qt.Key.Key_Tab)
    assert dialog.lead.value() == city["区城市管理局"]
    # a chip, reached with the keyboard: Enter presses it
    chip = next(c for c in dialog.chip_buttons if c.text().endswith("新街口街道"))
    chip.setFocus()
    qtbot.keyClick(chip, Qt.Key.Key_Return)
    assert dialog.lead.value() == city["新街口街道"] and dialog.isVisible()


def test_co_units_are_added_and_removed_and_one_that_is_also_lead_is_marked(qtbot, shown, operator, dispatcher, city,
                                                                             runner):
    ticket = register(operator)
    dialog = dispatch_dialog(qtbot, shown, dispatcher, runner, ticket)
    dialog.lead.set_value(city["区城市管理局"])
    dialog.co_picker.set_value(city["新街口街道"])
    dialog.co_picker.set_value(city["区城市管理局"])
    qtbot.waitUntil(lambda: dialog.co_list.count() == 2, timeout=5000)
    assert dialog.co_unit_ids() == [city["新街口街道"], city["区城市管理局"]]
    saved(dialog)
    qtbot.waitUntil(lambda: dialog.errors["co_unit_ids"].isVisible(), timeout=5000)
    assert "不能同时作为协办单位" in dialog.errors["co_unit_ids"].text()
    dialog.co_list.setFocus()
    dialog.co_list.setCurrentRow(1)
    qtbot.keyClick(dialog.co_list, Qt.Key.Key_Delete)
    assert dialog.co_unit_ids() == [city["新街口街道"]]
    messages = []
    dialog.saved.connect(messages.append)
    saved(dialog)
    qtbot.waitUntil(lambda: Assignment.select().count() == 2, timeout=5000)
    assert messages == ["已派单至 区城市管理局（牵头）等 2 个单位"]


def test_the_preview_follows_the_complex_box_and_a_time_limit_set_by_the_center(qtbot, shown, operator, dispatcher,
                                                                                city, runner):
    ticket = register(operator)
    dialog = dispatch_dialog(qtbot, shown, dispatcher, runner, ticket)
    assert "7 天" in dialog.preview.text()
    dialog.complex.setChecked(True)
    qtbot.waitUntil(lambda: "15 天" in dialog.preview.text(), timeout=5000)
    day = clock.now().date() + dt.timedelta(days=40)
    dialog.feedback_due.set_value(day)
    qtbot.waitUntil(lambda: f"{day:%Y-%m-%d} 23:59" in dialog.preview.text(), timeout=5000)
    assert "按指定的办理时限" in dialog.preview.text()


def test_an_urgent_dispatch_asks_for_the_phone_call_and_who_was_told(qtbot, shown, operator, dispatcher, city,
                                                                      runner):
    ticket = register(operator, hours_ago=0.2, urgency="urgent", emergency_type="instability",
                      details={"threat_action": "到区政府门口聚集", "threat_time_place": "明天上午", "prior_handling": "无"})
    dialog = dispatch_dialog(qtbot, shown, dispatcher, runner, ticket)
    assert dialog.phoned_person.isVisibleTo(dialog) and dialog.police_told.isVisibleTo(dialog)
    assert not dialog.emergency_told.isVisibleTo(dialog)
    assert "15 分钟" in dialog.preview.text()
    dialog.lead.set_value(city["新街口街道"])
    saved(dialog)
    qtbot.waitUntil(lambda: dialog.errors["phoned_person"].isVisible(), timeout=5000)
    assert dialog.errors["police_told"].isVisible()
    commit(dialog.phoned_person, "值班员周某")
    dialog.police_told.setCurrentIndex(dialog.police_told.findData(True))
    saved(dialog)
    qtbot.waitUntil(lambda: Assignment.select().count() == 1, timeout=5000)
    event = TicketEvent.get((TicketEvent.ticket == ticket) & (TicketEvent.kind == "dispatched"))
    assert "电话告知 值班员周某" in event.summary and "已报公安部门" in event.summary


def test_esc_closes_at_once_when_nothing_was_typed_and_asks_otherwise(qtbot, shown, operator, dispatcher, city,
                                                                      runner, questions, monkeypatch):
    ticket = register(operator)
    dialog = dispatch_dialog(qtbot, shown, dispatcher, runner, ticket)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and questions == []  # the prefilled opinion is not "typed"
    dialog = dispatch_dialog(qtbot, shown, dispatcher, runner, ticket)
    commit(dialog.opinion, "补充一句")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: questions.append(a[2]) or QMessageBox.StandardButton.No)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible() and questions == ["填写的内容尚未保存，确定放弃吗？"]
    dialog.opinion.setPlainText(dialog.context.opinion)  # back to what it was
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_feedback_asks_the_elements_of_the_result_chosen(qtbot, shown, operator, dispatcher, city, runner):
    ticket = register(operator)
    (lead,) = send(dispatcher, ticket, city["区城市管理局"])
    dispatch.sign_off(dispatcher, lead, "刘科长")
    view = handling_reads.handling_of(dispatcher, ticket).assignment(lead)
    dialog = shown(FeedbackDialog(dispatcher, runner, view, "complaint"))

    def visible() -> dict[str, str]:
        return {k: dialog.element_labels[k].text() for k in dialog.element_labels
                if dialog.fields[k].isVisibleTo(dialog)}

    assert visible() == {k: f"{v}：" for k, v in FEEDBACK_ELEMENTS["resolved"].items()}
    commit(dialog.fields["caller_told"], "已电话告知张先生")
    dialog.result.setCurrentIndex(dialog.result.findData("unresolved"))
    assert visible() == {k: f"{v}：" for k, v in FEEDBACK_ELEMENTS["unresolved"].items()}
    assert dialog.fields["caller_told"].toPlainText() == "已电话告知张先生"  # kept across results
    commit(dialog.fields["reason"], "产权不清")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.errors["next_steps"].isVisible(), timeout=5000)
    assert dialog.errors["planned_on"].isVisible() and not dialog.errors["reason"].isVisible()
    assert "下一步工作措施" in dialog.errors["next_steps"].text()
    commit(dialog.fields["next_steps"], "协调产权单位")
    commit(dialog.fields["planned_on"], "12月底前")
    dialog.save()
    qtbot.waitUntil(lambda: Assignment.get_by_id(lead).status == "feedback", timeout=5000)
    feedback = handling_reads.handling_of(dispatcher, ticket).assignment(lead)
    assert ("落实时间", "12月底前") in feedback.feedback and ("反馈方式", "电话") in feedback.feedback


def test_a_return_refused_without_a_reason_is_told_then_recorded(qtbot, shown, operator, dispatcher, city, runner):
    ticket = register(operator)
    (lead,) = send(dispatcher, ticket, city["新街口街道"])
    dispatch.ask_return(dispatcher, lead, "不属于街道职责")
    view = handling_reads.handling_of(dispatcher, ticket).assignment(lead)
    dialog = shown(ReturnReviewDialog(dispatcher, runner, view))
    assert "不属于街道职责" in dialog.intro.text()
    dialog.decision.setCurrentIndex(dialog.decision.findData(False))
    dialog.save()
    qtbot.waitUntil(lambda: dialog.errors["note"].isVisible(), timeout=5000)
    commit(dialog.note, "噪声来自街道辖区内工地，属属地管理")
    dialog.save()
    qtbot.waitUntil(lambda: Assignment.get_by_id(lead).status == "dispatched", timeout=5000)


def test_a_supervisor_records_a_supervision_and_its_answer(qtbot, shown, operator, dispatcher, supervisor, city,
                                                            runner):
    ticket = register(operator)
    send(dispatcher, ticket, city["区城市管理局"])
    h = handling_reads.handling_of(supervisor, ticket)
    dialog = shown(SupervisionDialog(supervisor, runner, h, city["区城市管理局"]))
    assert dialog.unit.currentData() == city["区城市管理局"] and dialog.kind.currentText() == "系统督办"
    dialog.save()
    qtbot.waitUntil(lambda: dialog.errors["content"].isVisible(), timeout=5000)
    commit(dialog.content, "电话督促城管局今日签收")
    dialog.save()
    qtbot.waitUntil(lambda: Supervision.select().count() == 1, timeout=5000)
    (row,) = supervision.supervisions_of(ticket)
    answer = shown(SupervisionAnswerDialog(supervisor, runner, row))
    commit(answer.answer, "已签收，明日到现场")
    answer.save()
    qtbot.waitUntil(lambda: Supervision.get().answer == "已签收，明日到现场", timeout=5000)


def test_a_surge_ending_before_it_starts_is_marked(qtbot, shown, manager, runner):
    dialog = shown(SurgeDialog(manager, runner))
    commit(dialog.reason, "寒潮导致供水诉求激增")
    dialog.ends.set_value(clock.now() - dt.timedelta(hours=2))
    dialog.save()
    qtbot.waitUntil(lambda: dialog.errors["ends"].isVisible(), timeout=5000)
    assert not Surge.select().exists()
    dialog.ends.set_value(clock.now() + dt.timedelta(hours=12))
    dialog.save()
    qtbot.waitUntil(lambda: Surge.select().count() == 1, timeout=5000)


def test_a_supervision_with_no_unit_reachable_by_tab(qtbot, shown, operator, dispatcher, supervisor, runner):
    ticket = register(operator)
    supervision.supervise(supervisor, SupervisionInput(ticket, "system", "电话催办本中心尽快派单"))
    h = handling_reads.handling_of(supervisor, ticket)
    dialog = shown(SupervisionDialog(supervisor, runner, h))
    order = []
    widget = dialog.kind
    widget.setFocus()
    for _ in range(4):
        order.append(QApplication.focusWidget().objectName())
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert order == ["kind", "unit_id", "content", "at"]  # Tab leaves the multi-line field
