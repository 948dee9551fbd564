"""Small pieces the areas share: a field's error line, a coloured status line, a read-only
table, the folder a file dialog starts in."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractItemView, QLabel, QTableWidget, QTableWidgetItem, QWidget

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


def read_only_table(columns: Sequence[str], name: str) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(columns))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    return table


def fill_table(table: QTableWidget, rows: Sequence[Sequence[object]], right_aligned: Sequence[int] = ()) -> None:
    """Replace the table's rows; numbers in ``right_aligned`` columns line up on the right."""
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            item = QTableWidgetItem("" if value is None else str(value))
            if c in right_aligned:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)


def hint_label(text: str) -> QLabel:
    """A small grey paragraph that explains a screen in a sentence or two."""
    label = QLabel(text)
    label.setWordWrap(True)
    theme.small(label)
    theme.set_text_color(label, GREY)
    return label


def panel_shortcut(panel: QWidget, keys: str, slot: Callable[[], object]) -> QShortcut:
    """A key for one tab's panel: tabs side by side each have their own F5 without stealing it."""
    return QShortcut(QKeySequence(keys), panel, activated=slot, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)


def documents_folder() -> Path:
    """The person's 文档 folder, where a file dialog starts; the home folder if there is none."""
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    path = Path(found) if found else Path.home()
    return path if path.is_dir() else Path.home()
