"""Start the GUI: open the database, first-launch setup, login, main window."""
from __future__ import annotations

import logging
import os
import sys
import time
from logging.handlers import RotatingFileHandler
from pathlib import Path

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from core import APP_NAME, paths, store
from core.center import profile as center
from core.center import users
from core.errors import HotlineError, StorageError
from desktop import qt_chinese, theme
from desktop.damage_check import DamageCheck
from desktop.errors import install_excepthook, show_error

log = logging.getLogger("hotline.desktop")

def _log_to_file() -> None:
    folder = paths.data_home() / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(folder / "hotline.log", maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("hotline").addHandler(handler)
    logging.getLogger("hotline").setLevel(logging.INFO)


def make_app() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
    qt_chinese.install(app)  # 确定/取消/是/否 on Qt's own dialogs and menus
    theme.apply(app)
    return app  # type: ignore[return-value]


def _fatal(message: str) -> int:
    QMessageBox.critical(None, APP_NAME, message)
    return 2


def _report_when_shown(widget: QWidget, marker: str, started: float, close: Callable[[], object]) -> None:
    """For benchmarks and end-to-end tests: print ``marker seconds`` once painted, then close."""

    def report() -> None:
        print(f"{marker} {time.perf_counter() - started:.3f}", flush=True)
        QTimer.singleShot(0, close)

    class _Watch(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
            if event.type() == QEvent.Type.Show:
                widget.removeEventFilter(self)
                QTimer.singleShot(0, report)  # after the first paint the show queued
            return False

    watch = _Watch(widget)
    widget.installEventFilter(watch)


def run(db_path: Path, demo: bool = False, login: str | None = None, exit_after_show: bool = False) -> int:
    try:
        return _run(db_path, demo, login, exit_after_show)
    finally:
        store.stop_damage_check()
        store.close_center()  # checkpointed and closed however the program ends


def _run(db_path: Path, demo: bool, login: str | None, exit_after_show: bool) -> int:
    started = time.perf_counter()
    app = make_app()
    _log_to_file()
    install_excepthook()
    # A scripted start (end-to-end tests, benchmarks) has nobody to close a dialog: it prints.
    fatal = _print_fatal if exit_after_show else _fatal
    try:
        store.open_center(db_path)
    except HotlineError as exc:
        return fatal(f"无法打开数据库：\n{db_path}\n\n{exc.message}")

    try:
        if not center.is_set_up():
            if demo:
                from demo import fill as demo_data

                demo_data.fill_demo(3000, seed=1)
                login = login or "op1"
            else:
                from desktop.runner_dialogs import first_launch

                if not first_launch():
                    return 0
        check = DamageCheck()  # while the person logs in: desktop.damage_check
        info = center.current_center()
        assert info is not None
        actor = None
        if login and os.environ.get("HOTLINE_DESK_PASSWORD"):
            # Scripted start (end-to-end tests, kiosk set-ups): the password comes from the environment.
            actor = users.authenticate(login, os.environ["HOTLINE_DESK_PASSWORD"])
        if actor is None:
            from desktop.login_dialog import LoginDialog

            dialog = LoginDialog(info, login or "")
            if exit_after_show:
                _report_when_shown(dialog, "login-shown", started, dialog.reject)
            if dialog.exec() != QDialog.DialogCode.Accepted or dialog.actor is None:
                return 0
            actor = dialog.actor
        damage = check.wait()
    except HotlineError as exc:
        if isinstance(exc, StorageError):  # a file that fails to read is closed as it is
            store.refuse_writes(exc.message)
        if exit_after_show:
            return _print_fatal(exc.message)
        show_error(None, exc)
        return 2
    if damage:
        store.refuse_writes(damage)  # closed as it is: its log is kept for whoever repairs it
        return fatal(f"没有打开数据库：\n{db_path}\n\n{damage}")

    from desktop.main_window import MainWindow

    window = MainWindow(actor, info, db_path)
    if damage is None:  # a large file still being read: the check goes on behind the window
        check.watch(window)
    if exit_after_show:
        _report_when_shown(window, "main-window-shown", started, window.close)
    window.show()
    return app.exec()


def _print_fatal(message: str) -> int:
    print(message, file=sys.stderr, flush=True)
    return 2
