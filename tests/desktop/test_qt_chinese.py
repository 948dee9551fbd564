"""Qt's own buttons and menus in Chinese after the program's set-up (desktop.app.make_app)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QLocale, QTranslator
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox

from desktop import app as desktop_app


@pytest.fixture
def set_up(qapp):
    """make_app on the test's application; what it set is taken back afterwards, for the other tests."""
    locale, style, font, palette = QLocale(), qapp.style().name(), qapp.font(), qapp.palette()
    desktop_app.make_app()
    yield qapp
    for translator in qapp.findChildren(QTranslator):
        QApplication.removeTranslator(translator)
        translator.deleteLater()
    QLocale.setDefault(locale)
    qapp.setStyle(style)
    qapp.setFont(font)
    qapp.setPalette(palette)


def test_standard_message_box_buttons_say_yes_and_no_in_chinese(set_up, qtbot):
    box = QMessageBox(QMessageBox.Icon.Question, "放弃当前登记？", "确定要清空吗？",
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
                      | QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    texts = {b: box.button(b).text().replace("&", "") for b in (
        QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.Ok, QMessageBox.StandardButton.Cancel)}
    assert texts == {QMessageBox.StandardButton.Yes: "是(Y)", QMessageBox.StandardButton.No: "否(N)",
                     QMessageBox.StandardButton.Ok: "确定", QMessageBox.StandardButton.Cancel: "取消"}


def test_a_text_fields_context_menu_is_in_chinese(set_up, qtbot):
    edit = QLineEdit()
    qtbot.addWidget(edit)
    menu = edit.createStandardContextMenu()
    words = [a.text().split("(")[0] for a in menu.actions() if a.text()]
    assert "复制" in words and "粘贴" in words
    menu.deleteLater()
