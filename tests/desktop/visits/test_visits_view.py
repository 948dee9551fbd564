"""回访 by keyboard (issue 17): a visit found dissatisfied, the dispatcher's 二次办理, the unit's second
answer and the second visit — through the real widgets, keys only."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QInputDialog

from core.dispatch import handling
from core.dispatch.handling import FeedbackInput
from core.visits import record
from db.models import Assignment
from desktop.visits.view import VisitsView
from desktop.worker import Runner
from tests.core.dispatch.test_dispatch import units  # noqa: F401 (a fixture)
from tests.core.visits.test_visits import closed, visitor  # noqa: F401 (fixtures)
from tests.helpers import type_text


def _view(qtbot, actor, runner) -> VisitsView:
    view = VisitsView(actor, runner)
    qtbot.addWidget(view)
    view.resize(1300, 760)
    view.show()
    qtbot.waitExposed(view)
    return view


def _choose(qtbot, box, label: str) -> None:
    """A combo chosen by keys, as a person does with the list closed: ↓ until the answer shows."""
    qtbot.waitUntil(lambda: QApplication.focusWidget() is box)
    wanted = box.findText(label)
    assert wanted > 0
    while box.currentIndex() < wanted:
        qtbot.keyClick(box, Qt.Key.Key_Down)
    assert box.currentText() == label


@pytest.fixture
def runner():
    r = Runner()
    yield r
    r.wait()


def test_a_whole_visit_by_keyboard_with_re_handling_and_the_second_visit(qtbot, operator, dispatcher, visitor,  # noqa: F811
                                                                          units, runner, monkeypatch):
    ticket = closed(operator, dispatcher, units)
    view = _view(qtbot, visitor, runner)
    panel = view.visits
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1)
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)  # open the sheet
    qtbot.waitUntil(lambda: panel.sheet is not None)
    assert "拨打" in panel.header.text() and "13812345678" in panel.header.text()
    assert "首问语" in panel.phrases.text() and "主要措施" in panel.feedback.text()
    assert QApplication.focusWidget() is panel.contacted  # the first answer takes the cursor

    qtbot.keyClick(panel, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # nothing chosen: refused, kept
    qtbot.waitUntil(panel.errors.isVisible)
    assert "承办单位是否联系" in panel.errors.text() and panel.sheet is not None

    _choose(qtbot, panel.contacted, "尝试联系")
    qtbot.keyClick(panel, Qt.Key.Key_J, Qt.KeyboardModifier.AltModifier)
    _choose(qtbot, panel.solved, "未解决")
    qtbot.keyClick(panel, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    _choose(qtbot, panel.satisfaction, "不满意")
    assert panel.about["efficiency"].isEnabled()
    qtbot.keyClick(panel, Qt.Key.Key_Tab)  # to the first of 不满意方面
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.about["efficiency"])
    qtbot.keyClick(panel.about["efficiency"], Qt.Key.Key_Space)
    qtbot.keyClick(panel, Qt.Key.Key_Y, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.comment)
    type_text(qtbot, panel.comment, "拖了一个多月")  # Chinese committed by the input method
    qtbot.keyClick(panel, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: panel.sheet is None and "已保存回访" in panel.status.text())
    (visit,) = record.ReturnVisit.select()
    assert (visit.unit_contacted, visit.solved, visit.satisfaction, visit.dissatisfied_with, visit.comment) == (
        "tried", "unsolved", "dissatisfied", '["efficiency"]', "拖了一个多月")
    qtbot.waitUntil(lambda: panel.table.rowCount() == 0)

    # The dispatcher decides 二次办理 in the same area's other tab (the visitor has none).
    assert view.rehandling is None
    decide = _view(qtbot, dispatcher, runner)
    assert decide.visits is None
    rehandling = decide.rehandling
    qtbot.waitUntil(lambda: rehandling.table.rowCount() == 1)
    monkeypatch.setattr(QInputDialog, "getMultiLineText", lambda *a, **k: ("请到现场复查并答复诉求人", True))
    rehandling.table.setFocus()
    qtbot.keyClick(rehandling.table, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "二次办理（第 1 次）" in rehandling.status.text())
    qtbot.waitUntil(lambda: rehandling.table.rowCount() == 0)
    decide.close()  # back at the visitor's desk
    view.activateWindow()
    qtbot.waitActive(view)

    # The unit answers again; once its feedback is reviewed the ticket is back for a second visit.
    lead = Assignment.get(Assignment.ticket == ticket)
    handling.record_feedback(dispatcher, FeedbackInput(lead.id, "resolved", {"measures": "已复查", "caller_told": "已告知"}))
    runner.write(lambda: handling.review_feedback(dispatcher, lead.id, True))  # heard by the visitor's screen
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1)
    assert panel.table.item(0, 4).text() == "第 2 次"
    panel.table.setFocus()
    panel.table.selectRow(0)
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.sheet is not None and panel.sheet.due.round == 2)
    assert "第 2 次回访" in panel.header.text() and "第 1 次：已回访" in panel.feedback.text()
    _choose(qtbot, panel.contacted, "已联系")
    qtbot.keyClick(panel, Qt.Key.Key_J, Qt.KeyboardModifier.AltModifier)
    _choose(qtbot, panel.solved, "解决")
    qtbot.keyClick(panel, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    _choose(qtbot, panel.satisfaction, "满意")
    qtbot.keyClick(panel, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: panel.sheet is None and "已保存回访" in panel.status.text())
    rounds = [(v.round, v.satisfaction, v.rehandled) for v in record.ReturnVisit.select().order_by(record.ReturnVisit.round)]
    assert rounds == [(1, "dissatisfied", True), (2, "satisfied", False)]


def test_calls_that_reach_nobody_by_keyboard(qtbot, operator, dispatcher, visitor, units, runner):  # noqa: F811
    closed(operator, dispatcher, units)
    view = _view(qtbot, visitor, runner)
    panel = view.visits
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1)
    for attempt in range(1, 4):
        panel.table.setFocus()
        panel.table.selectRow(0)
        qtbot.keyClick(panel.table, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: panel.sheet is not None)
        qtbot.keyClick(panel, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: panel.sheet is None)
        if attempt < 3:
            qtbot.waitUntil(lambda: panel.table.rowCount() == 1 and bool(panel.due) and panel.due[0].attempts == attempt)
    qtbot.waitUntil(lambda: panel.table.rowCount() == 0)  # 无法联系 after three
    assert record.ReturnVisit.get().status == "unreachable"


def test_a_manager_corrects_a_score_by_keyboard_and_a_reason_is_required(qtbot, operator, dispatcher, visitor,  # noqa: F811
                                                                         manager, units, runner, monkeypatch):
    from desktop.visits import view as visits_view

    ticket = closed(operator, dispatcher, units)
    record.record_visit(visitor, ticket, record.VisitInput("tried", "unsolved", "dissatisfied", ["attitude"]))
    area = _view(qtbot, manager, runner)
    panel = area.record
    area.setCurrentWidget(panel)  # the 回访记录 tab
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1)
    answers = iter([("basic", ""), ("basic", "诉求人来电更正评价")])  # first without a reason: asked again
    seen: list[str] = []

    def fill(dialog) -> QDialog.DialogCode:
        seen.append(dialog.error.text())
        level, reason = next(answers, (None, None))
        if level is None:
            return QDialog.DialogCode.Rejected
        dialog.level.setCurrentIndex(dialog.level.findData(level))
        dialog.reason.setPlainText(reason)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(visits_view.CorrectionDialog, "exec", fill)
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert len(seen) == 2 and seen[1].startswith("修改回访评价必须写明理由"), seen  # asked again, typed kept
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1 and panel.table.item(0, 5).text() == "基本满意")
    assert panel.table.item(0, 6).text() == "不满意"  # the first score stays in sight
    assert not _view(qtbot, visitor, runner).record.button.isVisibleTo(area)  # a visitor cannot correct


def test_a_manager_sets_the_sample_and_the_clock_and_the_queue_follows(qtbot, operator, dispatcher, manager, units,  # noqa: F811
                                                                      runner):
    closed(operator, dispatcher, units, category="consult", caller_phone="13900000009")
    area = _view(qtbot, manager, runner)
    panel, box = area.visits, area.settings
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1)
    qtbot.waitUntil(lambda: box.spins["share_percent"].value() == 100)
    box.spins["share_percent"].setValue(0)  # no consults in the sample
    box.save()
    qtbot.waitUntil(lambda: box.status.text().startswith("回访设置已保存"))
    qtbot.waitUntil(lambda: panel.table.rowCount() == 0)  # the queue heard the setting change
    assert record.settings().share_percent == 0


def test_ctrl_s_pressed_twice_saves_one_visit_and_shows_no_error(qtbot, operator, dispatcher, visitor, units,  # noqa: F811
                                                                 runner):
    ticket = closed(operator, dispatcher, units)
    view = _view(qtbot, visitor, runner)
    panel = view.visits
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1)
    panel.open_row(0)
    qtbot.waitUntil(lambda: panel.sheet is not None)
    for box, label in ((panel.contacted, "已联系"), (panel.solved, "解决"), (panel.satisfaction, "满意")):
        box.setCurrentIndex(box.findText(label))
    qtbot.keyClick(panel, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(panel, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: panel.sheet is None and "已保存回访" in panel.status.text())
    qtbot.wait(100)
    assert record.ReturnVisit.select().count() == 1 and not panel.errors.isVisible() and ticket
