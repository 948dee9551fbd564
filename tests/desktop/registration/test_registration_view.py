"""受理登记 driven with the keyboard, as an operator on the phone would."""
from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from core import clock
from core.center import profile as center
from core.tickets import drafts
from core.tickets import reads as tickets
from core.tickets.reads import TicketFilter
from desktop.registration.view import DRAFT_FORM, RegistrationView
from desktop.worker import Runner
from tests.helpers import type_text


@pytest.fixture(autouse=True)
def _on_a_named_day(frozen_clock):
    """These tests name their dates (2026-11-24 07:30 in Nanjing), whatever HOTLINE_DESK_TEST_NOW says."""
    frozen_clock.set(dt.datetime(2026, 11, 24, 7, 30, tzinfo=clock.LOCAL_TZ))


def focused_name() -> str:
    widget = QApplication.focusWidget()
    while widget is not None and not widget.objectName().startswith("field_"):
        widget = widget.parentWidget()
    return widget.objectName().removeprefix("field_") if widget else ""


def type_and_tab(qtbot, text: str) -> None:
    widget = QApplication.focusWidget()
    if text:
        type_text(qtbot, widget, text)
    # Where a keyboard sends the key: to a picker's open suggestion list, if there is one.
    qtbot.keyClick(QApplication.activePopupWidget() or QApplication.focusWidget(), Qt.Key.Key_Tab)


def wait_idle(qtbot, runner: Runner) -> None:
    qtbot.waitUntil(lambda: not runner.busy, timeout=5000)


def test_complaint_registered_by_keyboard_alone_then_found_in_list(qtbot, window, operator):
    """Appendix C.3 elements typed field by field with Tab; Ctrl+S saves; the list finds it."""
    reg = window.registration
    qtbot.waitUntil(lambda: focused_name() == "caller_phone", timeout=2000)
    type_and_tab(qtbot, "025-8456 1234")
    assert focused_name() == "caller_name"
    type_and_tab(qtbot, "李建国")
    assert focused_name() == "channel"
    type_and_tab(qtbot, "")  # 电话 already chosen
    assert focused_name() == "received_at"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)  # date/time: now
    # Skip the optional caller fields to the category.
    while focused_name() != "category":
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    type_and_tab(qtbot, "ts")  # pinyin initials of 投诉
    assert reg.rows["category"].value() == "complaint"
    assert focused_name() == "topic_id"
    type_and_tab(qtbot, "zswr")  # 噪声污染
    assert "噪声污染" in reg.rows["topic_id"].editor.currentText()
    assert focused_name() == "urgency"
    type_and_tab(qtbot, "")
    assert focused_name() == "occurred_at"
    type_and_tab(qtbot, "11月20日晚10点后")
    assert focused_name() == "region_code"
    type_and_tab(qtbot, "")
    assert focused_name() == "address"
    type_and_tab(qtbot, "梅园新村街道长江后街6号")
    assert focused_name() == "landmark"
    type_and_tab(qtbot, "")
    assert focused_name() == "reported_unit"
    type_and_tab(qtbot, "某建筑工程有限公司")
    assert focused_name() == "title"
    type_and_tab(qtbot, "")
    assert focused_name() == "content"
    type_and_tab(qtbot, "工地夜间施工噪音扰民，十点后仍在打桩。")
    assert focused_name() == "prior_handling"
    type_and_tab(qtbot, "已向街道反映，未解决")

    with qtbot.waitSignal(reg.ticket_saved, timeout=5000) as saved:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    ticket_id, number = saved.args
    assert number.startswith("320102-")
    assert "已保存工单" in reg.status.text()
    assert reg.rows["content"].value() == ""  # ready for the next caller
    assert focused_name() == "caller_phone"

    # The list (Ctrl+2) finds it by phone number.
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    listing = window.ticket_list
    assert window.stack.currentWidget() is listing
    listing.phone.setFocus()
    qtbot.keyClicks(listing.phone, "02584561234")
    with qtbot.waitSignal(listing.model.page_loaded, timeout=5000):
        qtbot.keyClick(listing.phone, Qt.Key.Key_Return)
    assert listing.model.rowCount() == 1
    assert listing.model.ticket_id(0) == ticket_id
    detail = tickets.detail(operator, ticket_id)
    values = dict(detail.fields)
    assert values["来电人"] == "李建国"
    assert values["被反映单位"] == "某建筑工程有限公司"
    assert values["前期处理情况"] == "已向街道反映，未解决"
    assert values["问题分类"] == "生态环境 / 噪声污染"


def test_failed_save_names_each_missing_field_and_keeps_everything_typed(qtbot, window, operator):
    reg = window.registration
    reg.rows["caller_phone"].editor.setFocus()
    qtbot.keyClicks(reg.rows["caller_phone"].editor, "13800001111")
    reg.rows["category"].set_value("report")
    reg.rows["content"].editor.setFocus()
    type_text(qtbot, reg.rows["content"].editor, "某超市销售过期食品")
    qtbot.keyClick(reg.rows["content"].editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "未保存" in reg.status.text(), timeout=5000)
    # 12345 appendix C.3: name, time, place, object, prior handling.
    for name in ("caller_name", "occurred_at", "address", "reported_unit", "prior_handling"):
        assert reg.rows[name].error.isVisibleTo(reg), name
        assert "附录C.3" in reg.rows[name].error.text()
    assert reg.rows["content"].value() == "某超市销售过期食品"
    assert reg.rows["caller_phone"].value() == "13800001111"
    assert tickets.count(operator, TicketFilter()) == 0


def test_caller_history_appears_as_number_is_typed_and_ctrl_d_marks_repeat(qtbot, window, operator):
    from core.tickets import registration
    from core.tickets.registration import TicketInput

    first = registration.register(operator, TicketInput(
        caller_phone="13912345678", content="公积金怎么提取", category="consult"))
    reg = window.registration
    phone = reg.rows["caller_phone"].editor
    phone.setFocus()
    qtbot.keyClicks(phone, "139 1234 5678")
    qtbot.waitUntil(lambda: reg.history.count() == 1, timeout=5000)
    assert first.number in reg.history.item(0).text()
    qtbot.keyClick(phone, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert first.number in reg.repeat_label.text()
    reg.rows["category"].set_value("consult")
    reg.rows["content"].set_value("再次咨询公积金提取")
    with qtbot.waitSignal(reg.ticket_saved, timeout=5000) as saved:
        reg.save()
    detail = tickets.detail(operator, saved.args[0])
    assert dict(detail.fields)["重复件，原工单"] == first.number


def test_not_accepted_reason_fills_the_referral_to_tell_the_caller(qtbot, window, operator):
    """12345 5.1.2.2: an emergency call is registered as not accepted with the referral, never dropped."""
    reg = window.registration
    reg.rows["caller_phone"].set_value("13700000000")
    reg.rows["category"].set_value("help")
    reg.rows["disposition"].set_value("not_accepted")
    assert reg.rows["referral"].label.isVisibleTo(reg)
    reg.rows["not_accepted_reason"].set_value("emergency_line")
    assert "110" in reg.rows["referral"].value()
    reg.rows["content"].set_value("家门口有人打架")
    with qtbot.waitSignal(reg.ticket_saved, timeout=5000) as saved:
        reg.save()
    row = tickets.list_page(operator, TicketFilter())[0]
    assert row.id == saved.args[0] and row.status == "不予受理"


def test_draft_autosaves_and_comes_back_after_a_crash(qtbot, operator):
    runner = Runner()
    info = center.current_center()
    view = RegistrationView(operator, info, runner)
    qtbot.addWidget(view)
    view._autosave.setInterval(10)
    view.rows["content"].editor.setFocus()
    type_text(qtbot, view.rows["content"].editor, "来电人反映楼道灯坏了")
    qtbot.waitUntil(lambda: drafts.load_draft(operator, DRAFT_FORM) is not None and
                    "楼道灯" in drafts.load_draft(operator, DRAFT_FORM), timeout=5000)
    runner.wait()
    # "Crash": a fresh view for the same operator, as after a restart.
    again = RegistrationView(operator, info, Runner())
    qtbot.addWidget(again)
    assert again.rows["content"].value() == "来电人反映楼道灯坏了"
    assert again.banner.isVisibleTo(again)


def test_confidential_flag_masks_the_caller_in_the_list(qtbot, window, operator):
    reg = window.registration
    reg.rows["caller_phone"].set_value("13566667777")
    reg.rows["caller_name"].set_value("赵敏")
    reg.rows["confidential"].editor.setChecked(True)
    reg.rows["category"].set_value("consult")
    reg.rows["content"].set_value("咨询举报奖励")
    with qtbot.waitSignal(reg.ticket_saved, timeout=5000):
        reg.save()
    rows = tickets.list_page(operator, TicketFilter())
    assert rows[0].caller_name == "赵*" and rows[0].caller_phone == "135****7777"


def test_only_the_main_window_is_open(qtbot, window):
    """No stray top-level widgets: a parentless label once opened as a window of its own."""
    reg = window.registration
    reg.rows["urgency"].set_value("urgent")
    reg.rows["category"].set_value("suggestion")
    visible = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w.isWindow() and not w.isHidden()
               and w.windowType() not in (Qt.WindowType.Popup, Qt.WindowType.ToolTip)]
    assert visible == [window]


def test_ctrl_n_asks_before_discarding_a_call_in_progress(qtbot, window, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    reg = window.registration
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    asked: list[str] = []

    def question(parent, title, text, *args):
        asked.append(title)
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", question)
    reg.rows["caller_phone"].editor.setFocus()
    qtbot.keyClicks(reg.rows["caller_phone"].editor, "13900001111")
    qtbot.keyClick(reg.rows["caller_phone"].editor, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert asked == ["放弃当前登记？"]
    assert reg.rows["caller_phone"].value() == "13900001111"  # "No" keeps the call
    qtbot.keyClick(reg.rows["caller_phone"].editor, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert reg.rows["caller_phone"].value() == ""
    qtbot.keyClick(reg.rows["caller_phone"].editor, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert len(asked) == 2  # an empty form is cleared without asking


# --- 诉求提出时间: the moment the call starts (12345 5.1.4.1) ------------------------------------

def _received_at(operator, ticket_id: int) -> str:
    return dict(tickets.detail(operator, ticket_id).fields)["诉求提出时间"]


def _consult_typed(qtbot, reg, phone: str) -> None:
    """A consult typed from the first keystroke: number, category, matter."""
    editor = reg.rows["caller_phone"].editor
    editor.setFocus()
    qtbot.keyClicks(editor, phone)
    reg.rows["category"].set_value("consult")
    reg.rows["content"].editor.setFocus()
    type_text(qtbot, reg.rows["content"].editor, "咨询公积金提取")


def _saved_by_ctrl_s(qtbot, reg) -> int:
    with qtbot.waitSignal(reg.ticket_saved, timeout=5000) as saved:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    return saved.args[0]


def test_the_call_time_is_the_first_keystroke_not_when_the_form_was_cleared(qtbot, window, operator, frozen_clock):
    reg = window.registration
    _consult_typed(qtbot, reg, "13800001111")
    first = _saved_by_ctrl_s(qtbot, reg)
    assert _received_at(operator, first) == "2026-11-24 07:30"
    # The form is cleared for the next caller and waits; the time shows no call yet.
    assert reg.rows["received_at"].value() == ""
    assert reg.rows["received_at"].editor.text() == "来电开始时自动填写"
    frozen_clock.advance(hours=1)  # an idle hour
    _consult_typed(qtbot, reg, "13800002222")
    assert reg.rows["received_at"].value() == "2026-11-24T08:30:00+08:00"
    frozen_clock.advance(minutes=3)  # the call goes on; its time stays where it began
    second = _saved_by_ctrl_s(qtbot, reg)
    assert _received_at(operator, second) == "2026-11-24 08:30"


def test_the_call_time_of_the_first_call_after_start_up_is_its_first_keystroke(qtbot, window, operator, frozen_clock):
    frozen_clock.advance(hours=1, minutes=5)  # the program opened at 07:30, the first call at 08:35
    reg = window.registration
    _consult_typed(qtbot, reg, "13800003333")
    assert _received_at(operator, _saved_by_ctrl_s(qtbot, reg)) == "2026-11-24 08:35"


def test_ctrl_n_starts_the_next_call_at_once(qtbot, window, operator, frozen_clock):
    reg = window.registration
    _consult_typed(qtbot, reg, "13800001111")
    _saved_by_ctrl_s(qtbot, reg)
    frozen_clock.advance(hours=1)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # "next caller"
    assert reg.rows["received_at"].value() == "2026-11-24T08:30:00+08:00"
    frozen_clock.advance(minutes=2)  # the caller speaks before anything is typed
    _consult_typed(qtbot, reg, "13800004444")
    assert _received_at(operator, _saved_by_ctrl_s(qtbot, reg)) == "2026-11-24 08:30"


def test_tabbing_into_the_call_time_starts_the_call_there_to_be_corrected(qtbot, window, frozen_clock):
    """A letter's date is corrected in the field: it starts from now, never from the blank."""
    reg = window.registration
    frozen_clock.advance(hours=2)
    reg.rows["received_at"].editor.setFocus()
    assert reg.rows["received_at"].value() == "2026-11-24T09:30:00+08:00"


def test_a_restored_draft_keeps_the_time_its_call_began(qtbot, operator, frozen_clock):
    runner = Runner()
    info = center.current_center()
    view = RegistrationView(operator, info, runner)
    qtbot.addWidget(view)
    view._autosave.setInterval(10)
    view.rows["content"].editor.setFocus()
    type_text(qtbot, view.rows["content"].editor, "来电人反映楼道灯坏了")
    qtbot.waitUntil(lambda: "楼道灯" in (drafts.load_draft(operator, DRAFT_FORM) or ""), timeout=5000)
    runner.wait()
    frozen_clock.advance(minutes=40)  # the program restarted after a crash
    again = RegistrationView(operator, info, Runner())
    qtbot.addWidget(again)
    type_text(qtbot, again.rows["content"].editor, "，已三天")
    assert again.rows["received_at"].value() == "2026-11-24T07:30:00+08:00"


def test_a_message_under_a_field_goes_when_the_field_is_put_right(qtbot, window):
    reg = window.registration
    phone = reg.rows["caller_phone"].editor
    phone.setFocus()
    qtbot.keyClicks(phone, "138")
    reg.rows["category"].set_value("report")
    reg.rows["content"].editor.setFocus()
    type_text(qtbot, reg.rows["content"].editor, "某超市销售过期食品")
    qtbot.keyClick(reg.rows["content"].editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "未保存" in reg.status.text(), timeout=5000)
    name, number = reg.rows["caller_name"], reg.rows["caller_phone"]
    assert name.error.isVisibleTo(reg) and "3 位" in number.error.text()
    name.editor.setFocus()
    type_text(qtbot, name.editor, "匿名")
    assert not name.error.isVisibleTo(reg) and name.editor.styleSheet() == ""  # put right: the mark goes
    assert reg.rows["address"].error.isVisibleTo(reg)  # the others stay until they are
    phone.setFocus()
    qtbot.keyClicks(phone, "0")
    assert "4 位" in number.error.text()  # still short: the message follows what is typed
    qtbot.keyClicks(phone, "0")
    assert not number.error.isVisibleTo(reg)
