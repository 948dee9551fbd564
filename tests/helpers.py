"""Small helpers shared by tests (fixtures live in conftest.py)."""
from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication


def file_sha256(path: Path) -> str:
    """For asserting that a file was left byte for byte untouched."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def type_text(qtbot, widget, text: str) -> None:
    """Type as a person does: ASCII on the keys, Chinese committed by the input method."""
    run = ""
    for ch in text + "\0":
        if ch.isascii() and ch != "\0":
            if run and not run.isascii():
                commit(widget, run)
                run = ""
            run += ch
        else:
            if run and run.isascii():
                qtbot.keyClicks(widget, run)
                run = ""
            if ch != "\0":
                run += ch
    if run:
        commit(widget, run) if not run.isascii() else qtbot.keyClicks(widget, run)


def commit(widget, text: str) -> None:
    event = QInputMethodEvent("", [])
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)
