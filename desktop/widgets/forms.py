"""The frame every 派单督办 dialog shares: named fields with an error line each, plain
保存 / 取消 buttons, the write on the runner, and a failed save that keeps what was typed.

Buttons are plain QPushButtons with autoDefault off: a QDialogButtonBox makes 保存 the
default button when shown, and Enter in a one-line field would then save a half-written
form (and a dialog asking about unsaved changes hung tests at teardown).
"""
from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core import clock
from core.errors import ValidationError
from core.dispatch.reads import DueMark
from desktop import theme
from desktop.errors import show_error
from desktop.widgets.inputs import ComboBox, DateEdit, DateTimeEdit
from desktop.worker import Runner

NO_DAY = QDate(2000, 1, 1)


class KeyButton(QPushButton):
    """A button Enter presses as well as Space (keyboard first), never a dialog's default."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setAutoDefault(False)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            self.click()
            return
        super().keyPressEvent(event)


class TimeEdit(DateTimeEdit):
    """When something happened, to the minute; starts at now.

    ``given()`` is None while the time is left as it was: the service then takes the
    moment of saving, to the second. The minute shown is not used, since a step done
    within the minute of the one before would otherwise seem to come before it.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.setCalendarPopup(True)
        self.set_value(clock.now())

    def value(self) -> dt.datetime:
        d, t = self.date(), self.time()
        return dt.datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), tzinfo=clock.LOCAL_TZ)

    def given(self) -> dt.datetime | None:
        return None if self.dateTime() == self._initial else self.value()

    def set_value(self, value: dt.datetime) -> None:
        value = clock.to_local(value)
        self.setDateTime(QDateTime(QDate(value.year, value.month, value.day), QTime(value.hour, value.minute)))
        self._initial = self.dateTime()


class DayEdit(DateEdit):
    """A calendar day; ``optional`` ones show ``empty_text`` at their lowest value, meaning none."""

    def __init__(self, day: dt.date | None = None, optional: bool = False, empty_text: str = "不指定",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDisplayFormat("yyyy-MM-dd")
        self.setCalendarPopup(True)
        self.optional = optional
        if optional:
            self.setMinimumDate(NO_DAY)
            self.setSpecialValueText(empty_text)
        self.set_value(day)

    def value(self) -> dt.date | None:
        d = self.date()
        if self.optional and d == NO_DAY:
            return None
        return dt.date(d.year(), d.month(), d.day())

    def set_value(self, day: dt.date | None) -> None:
        if day is None:
            today = clock.today()
            self.setDate(NO_DAY if self.optional else QDate(today.year, today.month, today.day))
        else:
            self.setDate(QDate(day.year, day.month, day.day))


def push_button(text: str, slot: Callable[[], Any], primary: bool = False) -> QPushButton:
    """A plain button: Enter in a field never presses it (no auto-default)."""
    button = QPushButton(text)
    button.setAutoDefault(False)
    if primary:
        button.setStyleSheet(theme.PRIMARY_SHEET)
    button.clicked.connect(slot)
    return button


def text_box(placeholder: str = "", text: str = "", lines: int = 3) -> QPlainTextEdit:
    """Several lines: Enter is a new line, Tab moves on."""
    box = QPlainTextEdit(text)
    box.setPlaceholderText(placeholder)
    box.setTabChangesFocus(True)
    box.setFixedHeight(12 + lines * box.fontMetrics().lineSpacing())
    return box


def line(placeholder: str = "", text: str = "") -> QLineEdit:
    edit = QLineEdit(text)
    edit.setPlaceholderText(placeholder)
    return edit


def choices(pairs: list[tuple[str, Any]], current: Any = None) -> QComboBox:
    box = ComboBox()
    for label, value in pairs:
        box.addItem(label, value)
    if current is not None:
        box.setCurrentIndex(max(0, box.findData(current)))
    return box


def coded(kind: type, current: Any = None) -> QComboBox:
    """A fixed code list (core.vocab) by its Chinese labels."""
    return choices([(m.label, m.value) for m in kind], current)


def field_value(widget: QWidget) -> Any:
    """What a field holds, to tell whether anything was typed since the dialog opened."""
    if isinstance(widget, QLineEdit):
        return widget.text()
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    if isinstance(widget, QComboBox):
        return widget.currentText()
    if isinstance(widget, QAbstractButton):
        return widget.isChecked()
    if isinstance(widget, QDateTimeEdit):  # QDateEdit is one too
        return widget.dateTime().toString("yyyy-MM-dd HH:mm")
    if isinstance(widget, QListWidget):
        return [widget.item(i).text() for i in range(widget.count())]
    return None


def note(text: str, color: str = "#555") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    theme.set_text_color(label, color)
    return label


class ActionDialog(QDialog):
    """One step of the handling, recorded by staff: subclasses add fields and call ``submit``."""

    saved = Signal(str)  # what happened, for the status bar

    def __init__(self, runner: Runner, title: str, intro: str = "", save_text: str = "保存",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.setWindowTitle(title)
        self.setMinimumWidth(560)
        self.fields: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self.rows: dict[str, QWidget] = {}
        self._loaded: list[Any] | None = None
        self._saving = False
        self.body = QVBoxLayout(self)
        if intro:
            self.intro = note(intro, "#333")
            self.intro.setObjectName("dialogIntro")
            self.body.addWidget(self.intro)
        # The fields scroll, the buttons stay: 派单 of an urgent ticket is taller than a 1366×768 screen.
        fields = QWidget()
        self.form = QFormLayout(fields)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(fields)
        self.body.addWidget(self.scroll, 1)
        self.status = QLabel()
        self.status.setObjectName("dialogStatus")
        self.status.setWordWrap(True)
        theme.set_text_color(self.status, theme.ERROR)
        self.save_button = KeyButton(f"{save_text} (Ctrl+S)")
        self.save_button.setObjectName("saveButton")
        self.save_button.setStyleSheet(theme.PRIMARY_SHEET)
        cancel = KeyButton("取消 (Esc)")
        self.save_button.clicked.connect(self.save)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(cancel)
        self.buttons = buttons
        for keys in ("Ctrl+S", "Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, activated=self.save)

    def finish_layout(self) -> None:
        """Called by subclasses once their fields are in."""
        self.body.addLayout(self.buttons)

    def add(self, name: str, label: str, widget: QWidget, hint: str = "", shown: QWidget | None = None) -> QWidget:
        """A row for the field ``widget`` (its value, its error mark), drawn as ``shown`` if given."""
        box = QVBoxLayout()
        box.setSpacing(2)
        box.addWidget(shown or widget)
        if hint:
            hint_label = QLabel(hint)
            hint_label.setWordWrap(True)
            theme.small(hint_label)
            theme.set_text_color(hint_label, "#666")
            box.addWidget(hint_label)
        error = QLabel()
        error.setWordWrap(True)
        error.setObjectName(f"error_{name}")
        theme.set_text_color(error, theme.ERROR)
        theme.small(error)
        error.hide()
        box.addWidget(error)
        widget.setObjectName(name)
        self.fields[name] = widget
        self.errors[name] = error
        holder = QWidget()
        holder.setLayout(box)
        box.setContentsMargins(0, 0, 0, 0)
        self.rows[name] = holder
        self.form.addRow(f"{label}：" if label else "", holder)
        self.watch(name)
        return widget

    def watch(self, name: str) -> None:
        """A refused save's mark under the field goes as soon as the field is edited."""
        widget, clear = self.fields[name], lambda *_args: self._unmark(name)
        if isinstance(widget, QLineEdit):
            widget.textEdited.connect(clear)
        elif isinstance(widget, QPlainTextEdit):
            widget.textChanged.connect(clear)
        elif isinstance(widget, QComboBox):
            widget.currentIndexChanged.connect(clear)
            widget.editTextChanged.connect(clear)
        elif isinstance(widget, QAbstractButton):
            widget.toggled.connect(clear)
        elif isinstance(widget, QDateTimeEdit):  # QDateEdit is one too
            widget.dateTimeChanged.connect(clear)
        elif isinstance(widget, QListWidget):
            widget.model().rowsInserted.connect(clear)
            widget.model().rowsRemoved.connect(clear)

    def _unmark(self, name: str) -> None:
        if self.errors[name].isVisibleTo(self):
            self.errors[name].hide()
            theme.mark_invalid(self.fields[name], False)

    def show_row(self, name: str, visible: bool) -> None:
        self.form.setRowVisible(self.rows[name], visible)

    # typed or not ---------------------------------------------------------

    def snapshot(self) -> list[Any]:
        return [field_value(w) for w in self.fields.values()]

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        super().showEvent(event)
        if self._loaded is None:
            self._loaded = self.snapshot()
            room = self.screen().availableGeometry()  # never taller than the screen: 保存 stays in sight
            self.resize(min(self.width(), room.width() - 16), min(self.height(), room.height() - 40))

    def mark_loaded(self) -> None:
        """What is in the fields now counts as untouched (after a prefill that came late)."""
        self._loaded = self.snapshot()

    def dirty(self) -> bool:
        return self._loaded is not None and self.snapshot() != self._loaded

    def reject(self) -> None:
        """Esc or 取消: ask only when something was typed; wait while a save is running."""
        if self._saving:
            return  # the answer is on its way: closing now would lose it (and a refused save's marks)
        if self.dirty():
            answer = QMessageBox.question(self, "放弃填写？", "填写的内容尚未保存，确定放弃吗？",
                                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                          QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return
        super().reject()

    # saving ---------------------------------------------------------------

    def save(self) -> None:
        """Subclasses gather their input and call ``submit``."""
        raise NotImplementedError

    def submit(self, work: Callable[[], Any], message: str | Callable[[Any], str]) -> None:
        if self._saving or not self.save_button.isEnabled():
            return  # a save is running, or the form is not ready
        self._saving = True
        self.clear_marks()
        self.status.setText("正在保存…")
        theme.set_text_color(self.status, "#555")
        self.save_button.setEnabled(False)
        self.runner.write(work, lambda result: self._saved(result, message), self._failed, owner=self)

    def clear_marks(self) -> None:
        for name, label in self.errors.items():
            label.hide()
            theme.mark_invalid(self.fields[name], False)

    def _saved(self, result: Any, message: str | Callable[[Any], str]) -> None:
        self._saving = False
        self.saved.emit(message(result) if callable(message) else message)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        theme.set_text_color(self.status, theme.ERROR)
        if not isinstance(exc, ValidationError):
            self.status.setText("未保存，填写的内容仍在。")
            show_error(self, exc)
            return
        self.show_problems(exc.fields)

    def show_problems(self, problems: dict[str, str]) -> None:
        """Each message under its field; one the form has no field for goes in the status line."""
        loose = []
        for name, message in problems.items():
            target = self.field_for(name)
            if target is None:
                loose.append(message)
                continue
            self.errors[target].setText(message)
            self.errors[target].show()
            theme.mark_invalid(self.fields[target], True)
        marked = [n for n in problems if self.field_for(n) is not None]
        self.status.setText("；".join(loose) if loose else f"未保存：{len(marked)} 处需要修改，已在对应栏目下标出。")
        if marked:
            first = self.fields[self.field_for(marked[0])]  # type: ignore[index]
            first.setFocus()
            self.scroll.ensureWidgetVisible(first)

    def field_for(self, name: str) -> str | None:
        """The field a service's error names (subclasses map names that differ)."""
        return name if name in self.fields else None


# ---------------------------------------------------------------- due times as users read them

NEAR_COLOR = "#b36b00"  # amber: 临近 (催办)


def due_color(mark: DueMark | None) -> str | None:
    """Red when late, amber when near, None otherwise."""
    if mark is None or mark.met_at:
        return None
    return theme.ERROR if mark.late else NEAR_COLOR if mark.near else None


def due_text(mark: DueMark | None, with_state: bool = True) -> str:
    """``2026-11-23 23:59（剩 5 小时）暂定``; '' without a clock."""
    if mark is None:
        return ""
    text = mark.display
    if with_state:
        text += f"（{mark.state}）"
    return text + (" 暂定" if mark.provisional and not mark.met_at else "")


def done_color(mark: DueMark | None) -> str | None:
    """A stopped clock: green on time, red when met late, grey when stopped without its step."""
    if mark is None or not mark.met_at:
        return None
    if mark.cancelled:
        return "#777777"
    return "#c62828" if mark.met_at > mark.due_at else "#2e7d32"


def due_html(mark: DueMark | None) -> str:
    if mark is None:
        return "—"
    color = due_color(mark) or done_color(mark) or "#333"
    return f"<span style='color:{color}'>{html.escape(due_text(mark))}</span>"
