"""The one place errors become messages: typed errors as dialogs, bugs as a crash note.

A traceback never reaches a user; it goes to the log file instead.
"""
from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from PySide6.QtWidgets import QMessageBox, QWidget

from core.errors import HotlineError, ValidationError

log = logging.getLogger("hotline.desktop")


def message_for(exc: BaseException) -> tuple[str, str]:
    """(title, text) for any exception, in Chinese."""
    if isinstance(exc, ValidationError):
        return exc.title, "\n".join(exc.fields.values())
    if isinstance(exc, HotlineError):
        return exc.title, exc.message
    return "程序出错", "程序遇到了一个意外错误，已写入日志。您填写的内容没有丢失，请重试；如反复出现，请联系管理员。"


def show_error(parent: QWidget | None, exc: BaseException) -> None:
    if not isinstance(exc, HotlineError):
        log.error("unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
    title, text = message_for(exc)
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    box.exec()


def install_excepthook() -> None:
    """Uncaught exceptions in slots: log the traceback, show a calm message."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        log.error("uncaught: %s", "".join(traceback.format_exception(kind, exc, tb)))
        try:
            show_error(None, exc)
        except Exception:  # never recurse while reporting
            sys.__excepthook__(kind, exc, tb)

    sys.excepthook = hook
