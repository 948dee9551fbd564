"""The main window fits a 1366×768 laptop (and a 1920×1080 screen at 150 %) with the save bar in
sight and the registration form without sideways scrolling; it opens where it was last closed."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, QSize

from core.center import profile as center
from desktop.main_window import PREFERRED_SIZE, MainWindow, first_size

pytestmark = pytest.mark.usefixtures("cheap_password_hashing", "themed")

# What the screen leaves for windows, its taskbar (40 points) taken off.
LAPTOP = QSize(1366, 768 - 40)
SCALED_150 = QSize(1920 * 2 // 3, 1080 * 2 // 3 - 40)  # 1920×1080 at 150 %: 1280×680 points


def _window(qtbot, actor, db_path, size: QSize | None = None) -> MainWindow:
    win = MainWindow(actor, center.current_center(), db_path)
    qtbot.addWidget(win)
    if size is not None:
        win.resize(size)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_the_first_size_leaves_room_for_the_title_bar_and_the_taskbar():
    for room in (LAPTOP, SCALED_150):
        size = first_size(room)
        assert size.width() <= room.width() - 16 and size.height() <= room.height() - 40
    assert first_size(QSize(1920, 1040)) == PREFERRED_SIZE  # a large screen: the preferred size


@pytest.mark.parametrize("room", [LAPTOP, SCALED_150], ids=["1366x768", "1920x1080 at 150%"])
def test_every_area_fits_the_first_size(qtbot, operator, dispatcher, center_db, db_path, room):
    size = first_size(room)
    for actor in (operator, dispatcher, center_db):
        win = _window(qtbot, actor, db_path)
        for title in win.areas:
            win.show_area(title)  # each area built: the window's least size is the largest of theirs
        least = win.minimumSizeHint()
        assert least.width() <= size.width() and least.height() <= size.height(), (actor.username, least, size)
        win.close()
        win.runner.wait()


@pytest.mark.parametrize("room", [LAPTOP, SCALED_150], ids=["1366x768", "1920x1080 at 150%"])
def test_registration_shows_its_save_bar_and_needs_no_sideways_scrolling(qtbot, operator, db_path, room):
    win = _window(qtbot, operator, db_path, first_size(room))
    reg = win.registration
    qtbot.waitUntil(lambda: reg.scroll.viewport().width() > 0)
    assert reg.scroll.horizontalScrollBar().maximum() == 0
    assert reg.scroll.widget().minimumSizeHint().width() <= reg.scroll.viewport().width()
    for button in (reg.save_button, reg.new_button):
        shown = QRect(button.mapTo(win, QPoint(0, 0)), button.size())
        assert button.isVisible() and win.rect().contains(shown), (button.text(), shown, win.rect())
    assert win.size() == first_size(room)
    win.close()
    win.runner.wait()


def test_the_window_opens_where_it_was_closed(qtbot, operator, db_path):
    win = _window(qtbot, operator, db_path)
    win.resize(700, 560)  # within the test screen (800×800): Qt keeps a restored window on its screen
    win.move(30, 40)
    qtbot.waitUntil(lambda: win.size() == QSize(700, 560))
    where = win.geometry()
    win.close()
    win.runner.wait()
    again = _window(qtbot, operator, db_path)
    assert again.geometry() == where
    again.close()
    again.runner.wait()
