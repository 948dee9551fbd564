"""The mouse wheel never changes a combo box, date or number field the user has not focused
(desktop.widgets.inputs): the page scrolls instead; a field the user is in still takes the wheel."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QCalendarWidget, QComboBox, QMessageBox, QWidget

from core.center import profile as center
from desktop.admin.accounts import AccountDialog
from desktop.documents.archive_batch import ArchiveBatchDialog
from desktop.dispatch.dialogs import DispatchDialog
from desktop.dispatch.steps import SurgeDialog
from desktop.widgets.inputs import WheelOnlyWhenFocused
from desktop.kb.editor import ArticleEditor
from desktop.main_window import MainWindow
from desktop.mediation.dialogs import PartyDialog
from desktop.setup_dialog import SetupDialog
from desktop.worker import Runner
from tests.core.dispatch.test_dispatch import register

DESKTOP = Path(__file__).resolve().parents[2] / "desktop"


@pytest.fixture(autouse=True)
def discard_answered_yes(monkeypatch):
    """A dialog a wheel did change asks before it closes; left open, that question would hang teardown."""
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)


@pytest.fixture
def runner():
    made = Runner()
    yield made
    made.wait()


def wheel_over(widget: QWidget, notches: int = -1) -> None:
    """A real wheel turn over the middle of ``widget``, through the window system as a mouse gives it."""
    window = widget.window()
    QTest.wheelEvent(window.windowHandle(), widget.mapTo(window, widget.rect().center()), QPoint(0, 120 * notches))


def test_scrolling_the_registration_form_over_the_disposition_leaves_it_and_scrolls(qtbot, window):
    reg = window.registration
    window.resize(1000, 500)  # the form is longer than the window
    phone = reg.rows["caller_phone"].editor
    phone.setFocus()
    disposition = reg.rows["disposition"].editor
    reg.scroll.ensureWidgetVisible(disposition)
    bar = reg.scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: disposition.isVisible() and bar.maximum() > bar.value())
    at = bar.value()
    wheel_over(disposition)
    assert disposition.value() == "register"  # not 直接答复, not 不予受理
    assert bar.value() > at
    assert QApplication.focusWidget() is phone  # the wheel did not take the focus either


def test_the_field_the_user_is_in_still_takes_the_wheel(qtbot, window):
    reg = window.registration
    disposition = reg.rows["disposition"].editor
    reg.scroll.ensureWidgetVisible(disposition)
    qtbot.waitUntil(disposition.isVisible)
    disposition.setFocus()
    wheel_over(disposition)
    assert disposition.value() == "direct_answer"


def test_a_dialogs_combo_keeps_its_value_under_a_passing_wheel(qtbot, operator, dispatcher, runner):
    dialog = DispatchDialog(dispatcher, runner, register(operator))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.context is not None, timeout=5000)
    dialog.opinion.setFocus()
    method = dialog.method
    before = method.currentIndex()
    wheel_over(method)
    wheel_over(dialog.dispatched_at)
    assert method.currentIndex() == before
    assert dialog.dispatched_at.given() is None  # the time as it was


def _unguarded(root: QWidget) -> list[str]:
    """Combo boxes and spin boxes under ``root`` that a passing wheel would change."""
    found = []
    for w in root.findChildren(QWidget):
        if isinstance(w, (QComboBox, QAbstractSpinBox)) and not isinstance(w, WheelOnlyWhenFocused):
            parent = w.parentWidget()
            while parent is not None and not isinstance(parent, QCalendarWidget):
                parent = parent.parentWidget()
            if parent is None:  # a calendar pop-up's own year box is Qt's, and focused when used
                found.append(f"{type(w).__name__} {w.objectName()!r} in {type(w.window()).__name__}")
    return found


@pytest.mark.usefixtures("cheap_password_hashing")
def test_every_screen_and_dialog_uses_the_guarded_fields(qtbot, center_db, operator, dispatcher, db_path, runner,
                                                         request):
    roots: list[QWidget] = []
    for actor in (center_db, operator, dispatcher):
        win = MainWindow(actor, center.current_center(), db_path)
        qtbot.addWidget(win)
        request.addfinalizer(win.runner.wait)
        for row in range(len(win.areas)):  # every area, built
            win.nav.setCurrentRow(row)
        roots.append(win)
    ticket = register(operator)
    for dialog in (DispatchDialog(dispatcher, runner, ticket), SurgeDialog(dispatcher, runner),
                   SetupDialog(runner), ArchiveBatchDialog(dispatcher, runner), ArticleEditor(center_db, runner),
                   AccountDialog(None), PartyDialog(runner)):
        qtbot.addWidget(dialog)
        roots.append(dialog)
    assert [problem for root in roots for problem in _unguarded(root)] == []


def test_no_screen_builds_a_bare_qt_combo_or_spin_box():
    """The source too: a field added later uses desktop.widgets.inputs, or this names it."""
    bare = re.compile(r"(?<![\w.])Q(ComboBox|DateEdit|DateTimeEdit|TimeEdit|SpinBox|DoubleSpinBox)\(")
    found = [f"{path.name}:{n}" for path in sorted(DESKTOP.glob("*.py")) if path.name != "inputs.py"
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if bare.search(line)]
    assert found == []
