"""Fixtures for the screens."""
from __future__ import annotations

import pytest

from core import center
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
