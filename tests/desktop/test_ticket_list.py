"""工单查询: the filter bar typed into, with the list's rows and the count it reports."""
from __future__ import annotations

from PySide6.QtCore import Qt

from core import registration
from core.registration import TicketInput
from desktop.ticket_list import TicketListView
from desktop.worker import Runner


def test_unsearchable_text_is_named_and_the_list_keeps_its_rows(qtbot, operator):
    for title in ("燃气泄漏", "路灯不亮"):
        registration.register(operator, TicketInput(category="consult", title=title, content=title + "，请处理",
                                                    caller_phone="13812345678"))
    runner = Runner()
    view = TicketListView(operator, runner)
    qtbot.addWidget(view)
    view.show()
    view.apply()  # the first load and its count are under way when the text is typed
    view.text.setFocus()
    view.text.setText('"*()')  # QTest cannot type '"'; Return below is a real key press
    qtbot.keyClick(view.text, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not runner.busy and view.model.rowCount() == 2, timeout=5000)  # the first load lands
    assert "没有可以查找的汉字、字母或数字" in view.count_label.text()  # and does not cover the message
    assert view.text.text() == '"*()'
    view.text.setText("燃气")
    qtbot.keyClick(view.text, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "共 1 张工单" in view.count_label.text(), timeout=5000)
    assert view.model.rowCount() == 1
    runner.wait()
