"""A clock stood still by HOTLINE_DESK_NOW (end-to-end tests, a training room) is never unnoticed:
every ticket would get the same second and no deadline would run out."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel

from core import clock
from core.center import profile as center
from desktop.main_window import MainWindow


def _window(qtbot, actor, db_path) -> MainWindow:
    win = MainWindow(actor, center.current_center(), db_path)
    qtbot.addWidget(win)
    return win


def test_the_status_bar_says_when_the_clock_stands_still(qtbot, operator, db_path, frozen_clock):
    label = _window(qtbot, operator, db_path).findChild(QLabel, "clockFixed")
    assert label is not None and label.text() == f"时间固定为 {frozen_clock.now:%Y-%m-%d %H:%M}（HOTLINE_DESK_NOW）"


def test_nothing_is_said_when_the_clock_runs(qtbot, operator, db_path, monkeypatch):
    monkeypatch.delenv(clock.ENV_NOW)
    assert _window(qtbot, operator, db_path).findChild(QLabel, "clockFixed") is None
