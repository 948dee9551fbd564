"""Start the GUI: open the database, first-launch setup, login, main window."""
from __future__ import annotations

import logging
import os
import sys
import time
from logging.handlers import RotatingFileHandler
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from core import APP_NAME, center, paths, store, users
from core.errors import HotlineError
from desktop.errors import install_excepthook, show_error

log = logging.getLogger("hotline.desktop")

# Fonts present on Windows first, then macOS, then Linux with Noto CJK.
UI_FONTS = ["Microsoft YaHei UI", "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC",
            "WenQuanYi Micro Hei"]


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
    font = QFont()
    font.setFamilies(UI_FONTS)
    font.setPointSize(10)
    app.setFont(font)
    qss = paths.asset("style.qss")
    if qss.exists():
        app.setStyleSheet(qss.read_text(encoding="utf-8"))
    return app  # type: ignore[return-value]


def _fatal(message: str) -> int:
    QMessageBox.critical(None, APP_NAME, message)
    return 2


def run(db_path: Path, demo: bool = False, login: str | None = None, exit_after_show: bool = False) -> int:
    started = time.perf_counter()
    app = make_app()
    _log_to_file()
    install_excepthook()
    try:
        store.open_center(db_path)
    except HotlineError as exc:
        return _fatal(f"无法打开数据库：\n{db_path}\n\n{exc.message}")

    try:
        if not center.is_set_up():
            if demo:
                from core import demo as demo_data

                demo_data.fill_demo(3000, seed=1)
                login = login or "op1"
            else:
                from desktop.runner_dialogs import first_launch

                if not first_launch():
                    return 0
        info = center.current_center()
        assert info is not None
        actor = None
        if login and os.environ.get("HOTLINE_DESK_PASSWORD"):
            # Scripted start (end-to-end tests, kiosk set-ups): the password comes from the environment.
            actor = users.authenticate(login, os.environ["HOTLINE_DESK_PASSWORD"])
        if actor is None:
            from desktop.login_dialog import LoginDialog

            dialog = LoginDialog(info, login or "")
            if dialog.exec() != QDialog.DialogCode.Accepted or dialog.actor is None:
                return 0
            actor = dialog.actor
    except HotlineError as exc:
        show_error(None, exc)
        return 2

    from desktop.main_window import MainWindow

    window = MainWindow(actor, info, db_path)
    if exit_after_show:
        def report() -> None:
            print(f"main-window-shown {time.perf_counter() - started:.3f}", flush=True)
            QTimer.singleShot(0, window.close)

        window.shown.connect(lambda: QTimer.singleShot(0, report))
    window.show()
    code = app.exec()
    store.close_center()
    return code
