"""Small pieces the 系统管理 tabs share: a field's error line and a coloured status line."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel

from desktop import theme

GREEN = "#2e7d32"  # done
GREY = "#5f6b7a"  # under way, or by the way


def error_label() -> QLabel:
    """The red line under a field, hidden until core says what is wrong with it."""
    label = QLabel()
    label.setWordWrap(True)
    theme.set_text_color(label, theme.ERROR)
    theme.small(label)
    label.hide()
    return label


def say(label: QLabel, text: str, color: str = GREEN) -> None:
    label.setText(text)
    theme.set_text_color(label, color)
