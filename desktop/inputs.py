"""Combo boxes, date and number fields that leave the mouse wheel to the page unless focused.

Qt's QComboBox and QAbstractSpinBox take focus from a passing wheel and step their value
with it: scrolling the registration form over 处理方式 turned it into 不予受理. These take
focus only by a click, Tab or a jump key (StrongFocus) and, while not focused, pass the wheel
on to what holds them, so the scroll area scrolls. Every such field in ``desktop/`` is one of
these (tests/desktop/test_inputs.py walks the screens to see).

A subclass, not an application-wide event filter: a Python filter runs for every event of
the program, and each call waits for the GIL while a worker thread runs Python (the
cold-start figures in the README); ``wheelEvent`` runs Python only for a wheel.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QComboBox, QDateEdit, QDateTimeEdit, QSpinBox


class WheelOnlyWhenFocused:
    """Mixin for a QComboBox or QAbstractSpinBox subclass (it comes first in the bases)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # type: ignore[attr-defined]

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt name)
        if self.hasFocus():  # type: ignore[attr-defined]
            super().wheelEvent(event)  # type: ignore[misc]
        else:
            event.ignore()  # to the parent: the scroll area under the pointer scrolls


class ComboBox(WheelOnlyWhenFocused, QComboBox):
    pass


class DateEdit(WheelOnlyWhenFocused, QDateEdit):
    pass


class DateTimeEdit(WheelOnlyWhenFocused, QDateTimeEdit):
    pass


class SpinBox(WheelOnlyWhenFocused, QSpinBox):
    pass
