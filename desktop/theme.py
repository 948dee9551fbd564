"""Look of the program: Fusion style, a calm palette, and a few per-widget style sheets.

An application-wide Qt style sheet puts every widget through QStyleSheetStyle
and tripled the time to build the registration form (0.13 s of a cold start);
so colours come from the palette, and style sheets are set only on the few
widgets that need them (the area list, the save button, a field in error).
"""
from __future__ import annotations

from PySide6.QtGui import QBrush, QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QWidget

# Fonts present on Windows first, then macOS, then Linux with Noto CJK.
UI_FONTS = ["Microsoft YaHei UI", "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC",
            "WenQuanYi Micro Hei"]

ACCENT = "#2e75b6"
NAVY = "#1f4e79"
ERROR = "#c0392b"
WARNING_BG = "#fcf8e3"

NAV_SHEET = f"""
QListWidget {{ background: {NAVY}; color: white; border: none; font-size: 15px; padding-top: 8px; }}
QListWidget::item {{ padding: 12px 14px; }}
QListWidget::item:selected {{ background: {ACCENT}; color: white; }}
"""
PRIMARY_SHEET = f"""
QPushButton {{ background: {ACCENT}; color: white; border: none; border-radius: 4px; padding: 7px 18px; font-weight: bold; }}
QPushButton:disabled {{ background: #9bb8d3; }}
"""
INVALID_SHEET = f"border: 2px solid {ERROR}; background: #fff5f5;"


def apply(app: QApplication) -> None:
    app.setStyle("Fusion")
    font = QFont()
    font.setFamilies(UI_FONTS)
    font.setPixelSize(14)
    app.setFont(font)
    palette = app.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor("#f5f7fa"))
    palette.setColor(QPalette.ColorRole.Base, QColor("white"))
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#f0f4f8"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#cfe2f3"))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("black"))
    palette.setColor(QPalette.ColorRole.Accent, QColor(ACCENT))
    palette.setColor(QPalette.ColorRole.Link, QColor(ACCENT))
    app.setPalette(palette)


def set_text_color(widget: QWidget, color: str) -> None:
    """Coloured text without a style sheet (error lines, hints)."""
    palette = widget.palette()
    palette.setColor(QPalette.ColorRole.WindowText, QColor(color))
    palette.setColor(QPalette.ColorRole.Text, QColor(color))
    widget.setPalette(palette)


def brush(color: str) -> QBrush:
    """For a table cell's text colour (a warning count, a rejected import)."""
    return QBrush(QColor(color))


def mark_invalid(widget: QWidget, invalid: bool) -> None:
    widget.setStyleSheet(INVALID_SHEET if invalid else "")


def small(widget: QWidget) -> None:
    font = widget.font()
    font.setPixelSize(12)
    widget.setFont(font)
