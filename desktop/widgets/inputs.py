"""Combo boxes, date and number fields that leave the mouse wheel to the page unless focused,
and date fields that Tab leaves.

Qt's QComboBox and QAbstractSpinBox take focus from a passing wheel and step their value
with it: scrolling the registration form over 处理方式 turned it into 不予受理. These take
focus only by a click, Tab or a jump key (StrongFocus) and, while not focused, pass the wheel
on to what holds them, so the scroll area scrolls. Every such field in ``desktop/`` is one of
these (tests/desktop/widgets/test_inputs.py walks the screens to see).

A subclass, not an application-wide event filter: a Python filter runs for every event of
the program, and each call waits for the GIL while a worker thread runs Python (the
cold-start figures in the README); ``wheelEvent`` runs Python only for a wheel.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeyEvent, QWheelEvent
from PySide6.QtWidgets import QComboBox, QDateEdit, QDateTimeEdit, QSpinBox, QWidget

from core import clock


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


class TabLeaves:
    """Mixin for a QDateTimeEdit: Tab goes to the next field, not to the next part of the date
    (Qt's default: five Tabs through 年 月 日 时 分). Typing the digits moves through the
    parts by itself, and so do a typed "-" or ":" and ← →."""

    _typing = False

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt name)
        self._typing = True  # a separator typed moves to the next part through focusNextPrevChild
        try:
            super().keyPressEvent(event)  # type: ignore[misc]
        finally:
            self._typing = False

    def focusNextPrevChild(self, forward: bool) -> bool:  # noqa: N802 (Qt name)
        if self._typing:
            return super().focusNextPrevChild(forward)  # type: ignore[misc]
        return QWidget.focusNextPrevChild(self, forward)  # type: ignore[arg-type]  # Tab: the next field


class ComboBox(WheelOnlyWhenFocused, QComboBox):
    pass


class DateEdit(WheelOnlyWhenFocused, TabLeaves, QDateEdit):
    """A day; an optional one shows its special text (不限, 不指定) at its lowest date."""

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt name)
        # Digits typed over the special text did nothing: they now start from today's date,
        # its year selected, so "20261125" gives 2026-11-25.
        if self.specialValueText() and self.date() == self.minimumDate() and event.text().isdigit():
            today = clock.today()
            self.setDate(QDate(today.year, today.month, today.day))
            self.setSelectedSection(QDateTimeEdit.Section.YearSection)
        super().keyPressEvent(event)


class DateTimeEdit(WheelOnlyWhenFocused, TabLeaves, QDateTimeEdit):
    pass


class SpinBox(WheelOnlyWhenFocused, QSpinBox):
    pass
