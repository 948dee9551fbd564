"""Fixtures for the screens."""
from __future__ import annotations

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from core.center import profile as center
from desktop.main_window import MainWindow


@pytest.fixture
def window(qtbot, operator, db_path):
    win = MainWindow(operator, center.current_center(), db_path)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.registration.rows["region_code"].editor.loaded, timeout=10_000)
    yield win
    win.runner.wait()


@pytest.fixture(autouse=True)
def focus_back_from_closed_popups(qapp):
    """Qt's offscreen platform makes every window it shows the focus window, a picker's suggestion
    list too, and gives nothing back when the list closes (qoffscreenwindow.cpp, setVisible); the
    list's focus proxy, the picker, then takes the focus, and the main window's widgets take none.
    A window system gives the focus back to the window under the list, to the field it was in:
    so does this."""
    last: dict = {"window": None, "field": None}

    def focus_window_changed(window) -> None:
        if window is None:
            return
        if window.isVisible():
            field, last["field"] = last["field"], None
            if field is not None and window == last["window"] and shiboken6.isValid(field) and field.isVisible():
                field.setFocus(Qt.FocusReason.OtherFocusReason)
            last["window"] = window
        elif last["window"] is not None and last["window"].isVisible():
            last["field"] = QApplication.focusWidget()
            last["window"].requestActivate()

    qapp.focusWindowChanged.connect(focus_window_changed)
    yield
    qapp.focusWindowChanged.disconnect(focus_window_changed)


@pytest.fixture
def themed(qapp):
    """The program's own look (its 14-pixel CJK font sets every size), for tests of what fits a
    screen; put back for the other tests."""
    from desktop import theme

    style, font, palette = qapp.style().name(), qapp.font(), qapp.palette()
    theme.apply(qapp)
    yield
    qapp.setStyle(style)
    qapp.setFont(font)
    qapp.setPalette(palette)
