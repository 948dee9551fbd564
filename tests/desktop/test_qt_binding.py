"""Guards against Qt binding releases known to corrupt Python's reference counts.

PySide6 6.12.0 decremented None once per ``QStandardItem.data()`` of an unset
role; the pickers call it thousands of times and the program died with
"deallocating None". requirements.txt pins a release without the bug.
"""
from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel


def test_reading_an_unset_role_leaves_none_refcount_alone(qapp):
    model = QStandardItemModel()
    item = QStandardItem("噪声污染")
    model.appendRow(item)
    before = sys.getrefcount(None)
    for _ in range(1000):
        assert item.data(Qt.ItemDataRole.UserRole + 7) is None
    assert sys.getrefcount(None) - before > -200  # the bad release: -1000 and -2000 here


def test_filling_and_clearing_a_model_leaves_none_refcount_alone(qapp):
    model = QStandardItemModel()
    before = sys.getrefcount(None)
    for i in range(1000):
        row = QStandardItem(f"项{i}")
        row.setData(f"v{i}", Qt.ItemDataRole.UserRole + 1)
        model.appendRow(row)
    model.clear()
    assert sys.getrefcount(None) - before > -200  # the bad release: -1000 and -2000 here
