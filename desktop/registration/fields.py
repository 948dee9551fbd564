"""The registration form's fields: one row each, with label, widget and inline error.

Values go in and out as plain Python values so the form, drafts and
``core.tickets.registration.TicketInput`` share one shape.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QTime, Qt, Signal
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDateTimeEdit,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from core import clock
from desktop import theme
from desktop.widgets.inputs import DateTimeEdit
from desktop.widgets.pickers import PinyinPicker


# Alt+key jumps to each field: its label's mnemonic (or its check box's), in the form's order.
# 26 letters for the fields that can show together (pinyin initials where they were free);
# fields never shown together share one (前期处理情况/建议理由: by category; 答复内容/不予受理原因:
# by disposition; the 不稳定因素 and 突发事件 elements: by emergency type), and those elements
# take Alt+6…9, 0, next to the knowledge base's Alt+1…5. The menus give up their Alt letters
# to make room (F10 opens them). tests/desktop/registration/test_registration_keys.py checks every state.
JUMP_KEYS: dict[str, str] = {
    "caller_phone": "H", "caller_name": "X", "channel": "Q", "received_at": "S", "hotline": "R",
    "caller_contact": "L", "caller_org": "G", "caller_address": "Z", "confidential": "B", "visit_consent": "V",
    "category": "F", "topic_id": "W", "urgency": "J", "emergency_type": "I", "risk_level": "K",
    "occurred_at": "E", "region_code": "Y", "address": "D", "landmark": "M", "reported_unit": "U",
    "title": "T", "content": "N", "prior_handling": "P", "suggestion_reason": "P",
    "threat_action": "6", "threat_time_place": "7",
    "incident_status": "6", "incident_scope": "7", "incident_harm": "8", "emergency_called": "9",
    "onsite_departments": "0",
    "disposition": "C", "reply": "A", "not_accepted_reason": "A", "referral": "O",
}


def keyed(text: str, name: str) -> str:
    """``来电号码(&H)``: the text with the field's jump key, which Qt underlines and binds to Alt+H."""
    key = JUMP_KEYS.get(name)
    return f"{text}(&{key})" if key else text


class FieldRow:
    """Label + editor + error line for one field of the ticket."""

    def __init__(self, name: str, label: str, editor: QWidget, hint: str = "") -> None:
        self.name = name
        self.editor = editor
        if isinstance(editor, QCheckBox):  # its own text carries the key; its label is never placed
            editor.setText(keyed(label, name) + editor.text())
            self.base_label = label
        else:
            self.base_label = keyed(label, name)
        self.label = QLabel(self.base_label)
        self.label.setBuddy(editor)
        self.label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.error = QLabel()
        theme.set_text_color(self.error, theme.ERROR)
        theme.small(self.error)
        self.error.setWordWrap(True)
        self.error.hide()
        self.box = QWidget()
        layout = QVBoxLayout(self.box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(editor)
        layout.addWidget(self.error)
        editor.setObjectName(f"field_{name}")
        editor.setAccessibleName(label)
        if hint:
            editor.setToolTip(hint)

    def is_shown(self) -> bool:
        return not self.box.isHidden()

    def set_required(self, required: bool) -> None:
        self.label.setText(f"<span style='color:{theme.ERROR}'>*</span> {self.base_label}" if required else self.base_label)

    def has_error(self) -> bool:
        return bool(self.error.text())

    def set_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))
        theme.mark_invalid(self.editor, bool(message))

    def set_visible(self, visible: bool) -> None:
        self.box.setVisible(visible)
        # A check box carries its own text and its label is never placed;
        # showing a parentless label would open it as a window of its own.
        if self.label.parent() is not None:
            self.label.setVisible(visible)

    # Values -------------------------------------------------------------

    def value(self) -> Any:
        e = self.editor
        if isinstance(e, PinyinPicker):
            return e.value()
        if isinstance(e, QCheckBox):
            return e.isChecked()
        if isinstance(e, QPlainTextEdit):
            return e.toPlainText()
        if isinstance(e, CallTime) and e.is_blank():
            return ""
        if isinstance(e, QDateTimeEdit):
            return clock.stamp(e.dateTime().toPython())
        assert isinstance(e, QLineEdit)
        return e.text()

    def set_value(self, value: Any) -> None:
        e = self.editor
        if isinstance(e, PinyinPicker):
            e.set_value(value)
        elif isinstance(e, QCheckBox):
            e.setChecked(bool(value))
        elif isinstance(e, QPlainTextEdit):
            e.setPlainText(value or "")
        elif isinstance(e, CallTime) and not value:
            e.clear_time()
        elif isinstance(e, QDateTimeEdit):
            when = clock.parse_stamp(value) if value else clock.now()
            e.setDateTime(QDateTime(when.replace(tzinfo=None)))
        else:
            assert isinstance(e, QLineEdit)
            e.setText(value or "")

    def on_change(self, callback: Callable[[], None]) -> None:
        e = self.editor
        if isinstance(e, PinyinPicker):
            e.value_changed.connect(callback)
            e.lineEdit().textEdited.connect(lambda _t: callback())
        elif isinstance(e, QCheckBox):
            e.toggled.connect(lambda _v: callback())
        elif isinstance(e, QPlainTextEdit):
            e.textChanged.connect(callback)
        elif isinstance(e, QDateTimeEdit):
            e.dateTimeChanged.connect(lambda _v: callback())
        else:
            e.textChanged.connect(lambda _t: callback())


def line(placeholder: str = "", max_length: int = 0) -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    if max_length:
        edit.setMaxLength(max_length)
    return edit


def text(placeholder: str = "", height: int = 80) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setPlaceholderText(placeholder)
    edit.setTabChangesFocus(True)  # keyboard-first: Tab leaves the box, as in every other field
    edit.setMinimumHeight(height)
    return edit


def picker(placeholder: str = "输入文字或拼音首字母") -> PinyinPicker:
    """An empty picker; RegistrationView fills every picker off the UI thread after start."""
    return PinyinPicker(placeholder=placeholder)


class CallTime(DateTimeEdit):
    """诉求提出时间 (12345 5.1.4.1): blank between calls, set when the next call starts.

    The form fills it at the first keystroke of a call, or at Ctrl+N; reaching the field
    itself (``reached``: to correct the time of a letter or of a call noted on paper) starts
    the call too, so the operator edits from the moment shown, never from the blank.
    """

    reached = Signal()
    BLANK = QDateTime(QDate(2000, 1, 1), QTime(0, 0))

    def __init__(self) -> None:
        super().__init__()
        self.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.setCalendarPopup(True)
        self.setMinimumDateTime(self.BLANK)
        self.setSpecialValueText("来电开始时自动填写")  # what the minimum shows: no call yet
        self.clear_time()

    def is_blank(self) -> bool:
        return self.dateTime() == self.BLANK

    def clear_time(self) -> None:
        self.setDateTime(self.BLANK)

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt name)
        self.reached.emit()  # first, so the field shows the time it then starts from
        super().focusInEvent(event)
