"""派单督办 on screen: queues, the handling panel and its keys, driven as a dispatcher,
a supervisor and a manager would (12345 5.2.2, 5.2.3)."""
from __future__ import annotations

import datetime as dt

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QMessageBox

from core import clock
from core.dispatch import sending as dispatch
from core.dispatch import handling
from core.dispatch import reads as handling_reads
from core.dispatch.handling import FeedbackInput
from db.models import Assignment, Deadline, Ticket, Topic
from desktop import theme
from desktop.dispatch.dialogs import DispatchDialog, FeedbackDialog
from desktop.dispatch.queues import PENDING, QueueModel
from desktop.dispatch.steps import ExtensionDecisionDialog, ExtensionDialog, FeedbackReviewDialog, SignOffDialog
from desktop.dispatch.view import DispatchView
from desktop.worker import Runner
from tests.core.dispatch.test_dispatch import register, send
from tests.core.dispatch.test_handling_reads import make_city
from tests.helpers import commit

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")


def shared_fixtures() -> tuple:
    """The fixtures both 派单督办 screen tests use (tests/desktop/conftest.py is another engineer's)."""

    @pytest.fixture(autouse=True)
    def questions(monkeypatch) -> list[str]:
        """Every "discard what was typed?" question is answered Yes and remembered: a question left
        open would hang the test at teardown, when a dialog with typed text is closed."""
        asked: list[str] = []
        monkeypatch.setattr(QMessageBox, "question",
                            lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes)
        return asked

    @pytest.fixture
    def city(center_db) -> dict[str, int]:
        return make_city(center_db)

    @pytest.fixture
    def runner():
        made = Runner()
        yield made
        made.wait()

    return questions, city, runner


questions, city, runner = shared_fixtures()


@pytest.fixture
def open_view(qtbot, runner):
    def make(actor) -> DispatchView:
        view = DispatchView(actor, runner)
        qtbot.addWidget(view)
        view.resize(1130, 780)
        view.show()
        qtbot.waitExposed(view)
        view.activateWindow()
        return view

    return make


def dialog_of(qtbot, kind):
    """The dialog of ``kind`` the keys opened, active as a desktop makes a new dialog."""
    qtbot.waitUntil(lambda: any(isinstance(w, kind) and w.isVisible() for w in QApplication.topLevelWidgets()),
                    timeout=5000)
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible())
    if QApplication.activeWindow() is not dialog:
        dialog.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5000)
    return dialog


def closed(dialog) -> bool:
    """Saved dialogs close and are deleted."""
    return not shiboken6.isValid(dialog) or not dialog.isVisible()


def press(qtbot, view: DispatchView, key: Qt.Key, modifiers=Qt.KeyboardModifier.ControlModifier) -> None:
    """A key pressed where the focus is (in the area: its keys work anywhere in it)."""
    qtbot.waitUntil(lambda: not view.runner.busy, timeout=5000)
    target = QApplication.focusWidget()
    if target is None or not (target is view or view.isAncestorOf(target)):
        target = view.pending.table
        target.setFocus()
    if QApplication.activeWindow() is not view.window():
        view.activateWindow()  # a desktop gives the window back when a dialog closes; offscreen does not
        qtbot.waitUntil(lambda: QApplication.activeWindow() is view.window(), timeout=5000)
    qtbot.keyClick(target, key, modifiers)


def unit_row(view: DispatchView, unit: str):
    tree = view.panel.assignments
    return next(tree.topLevelItem(i) for i in range(tree.topLevelItemCount()) if tree.topLevelItem(i).text(0) == unit)


def test_a_pending_ticket_is_dispatched_signed_fed_back_and_closed_by_keyboard(qtbot, operator, dispatcher, city,
                                                                                open_view):
    ticket = register(operator, topic_id=Topic.get(Topic.name == "施工扰民").id)
    view = open_view(dispatcher)
    notices: list[str] = []
    view.notice.connect(notices.append)
    qtbot.waitUntil(lambda: view.panel.ticket_id == ticket, timeout=5000)  # the first pending ticket, shown at once
    assert view.tabs.tabText(0) == "待派单 1"
    view.pending.table.setFocus()

    press(qtbot, view, Qt.Key.Key_D)
    dialog = dialog_of(qtbot, DispatchDialog)
    qtbot.waitUntil(lambda: dialog.context is not None and "签收时限" in dialog.preview.text(), timeout=5000)
    assert dialog.chip_buttons[0].text().endswith("区城市管理局")
    qtbot.keyClick(dialog, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)  # the first suggestion
    assert dialog.lead.value() == city["区城市管理局"]
    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: closed(dialog), timeout=5000)
    assert notices == ["已派单至 区城市管理局（牵头）"]
    qtbot.waitUntil(lambda: view.panel.current_assignment() is not None
                    and view.panel.current_assignment().status_label == "待签收", timeout=5000)
    qtbot.waitUntil(lambda: view.tabs.tabText(0) == "待派单 0", timeout=5000)

    press(qtbot, view, Qt.Key.Key_K)
    sign = dialog_of(qtbot, SignOffDialog)
    commit(sign.person, "刘科长")
    qtbot.keyClick(sign, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: view.panel.current_assignment().status_label == "办理中", timeout=5000)

    press(qtbot, view, Qt.Key.Key_R)
    feedback = dialog_of(qtbot, FeedbackDialog)
    assert feedback.result.currentData() == "resolved"
    feedback.fields["measures"].setFocus()
    commit(feedback.fields["measures"], "已责令工地夜间停工")
    qtbot.keyClick(feedback.fields["measures"], Qt.Key.Key_Tab)
    commit(QApplication.focusWidget(), "已电话告知张先生")
    assert feedback.fields["caller_told"].toPlainText() == "已电话告知张先生"
    qtbot.keyClick(feedback, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: view.panel.current_assignment().status_label == "已反馈待审核", timeout=5000)

    press(qtbot, view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    review = dialog_of(qtbot, FeedbackReviewDialog)
    assert "已责令工地夜间停工" in review.intro.text()
    qtbot.keyClick(review, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: Ticket.get_by_id(ticket).status == "closed", timeout=5000)
    qtbot.waitUntil(lambda: "已办结" in view.panel.header.text(), timeout=5000)
    assert notices[-1] == "区城市管理局的反馈审核通过，工单已办结"
    assert not any(b.isEnabled() for b in view.panel.buttons.values())


def test_an_extension_asked_by_the_dispatcher_and_approved_by_the_manager_moves_the_due_date(
        qtbot, operator, dispatcher, manager, city, open_view):
    ticket = register(operator)
    (lead,) = send(dispatcher, ticket, city["区城市管理局"])
    dispatch.sign_off(dispatcher, lead, "刘科长")
    before = Deadline.get((Deadline.assignment == lead) & (Deadline.stage == "feedback")).due_at[:10]
    view = open_view(dispatcher)
    view.tabs.setCurrentWidget(view.in_progress)
    qtbot.waitUntil(lambda: view.in_progress.model.rowCount() == 1, timeout=5000)
    view.in_progress.table.setFocus()
    view.in_progress.table.selectRow(0)
    qtbot.waitUntil(lambda: view.panel.current_assignment() is not None, timeout=5000)
    assert unit_row(view, "区城市管理局").text(4).startswith(before)
    assert "decide_extension" not in view.panel.buttons  # a dispatcher never approves

    press(qtbot, view, Qt.Key.Key_E)
    ask = dialog_of(qtbot, ExtensionDialog)
    until = clock.now().date() + dt.timedelta(days=30)
    ask.until.set_value(until)
    commit(ask.reason, "需协调产权单位共同整改")
    qtbot.keyClick(ask, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: closed(ask), timeout=5000)
    qtbot.waitUntil(lambda: "延期待批" in unit_row(view, "区城市管理局").text(2), timeout=5000)

    boss = open_view(manager)
    boss.tabs.setCurrentWidget(boss.reviews)
    qtbot.waitUntil(lambda: boss.reviews.model.rowCount() == 1, timeout=5000)
    assert boss.reviews.model.row(0).task == "延期待审批"
    boss.reviews.table.setFocus()
    boss.reviews.table.selectRow(0)
    qtbot.waitUntil(lambda: boss.panel.can("decide_extension"), timeout=5000)
    qtbot.keyClick(boss.reviews.table, Qt.Key.Key_Return)  # Enter goes to the step the row waits for …
    assert QApplication.focusWidget() is boss.panel.buttons["decide_extension"]
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)  # … and Enter takes it
    decide = dialog_of(qtbot, ExtensionDecisionDialog)
    assert decide.decision.currentData() is True
    qtbot.keyClick(decide, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: unit_row(boss, "区城市管理局").text(4).startswith(until.isoformat()), timeout=5000)
    qtbot.waitUntil(lambda: boss.reviews.model.rowCount() == 0, timeout=5000)
    view.refresh()
    qtbot.waitUntil(lambda: unit_row(view, "区城市管理局").text(4).startswith(until.isoformat()), timeout=5000)
    qtbot.waitUntil(lambda: view.in_progress.model.rowCount() == 1
                    and view.in_progress.model.row(0).due.due_at.startswith(until.isoformat()), timeout=5000)


def test_the_reminder_list_shows_an_overdue_item_in_red(qtbot, operator, supervisor, city, open_view):
    late = register(operator, hours_ago=30)  # 24 hours to dispatch: 6 hours late
    register(operator, hours_ago=1)  # in time: not listed
    view = open_view(supervisor)
    assert view.tabs.currentWidget() is view.reminders  # a supervisor starts at what is late
    model = view.reminders.model
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=5000)
    row = model.row(0)
    assert (row.ticket_id, row.task, row.unit) == (late, "督办", "本中心")
    due_column = [c.header for c in model.columns].index("时限")
    cell = model.index(0, due_column)
    assert "超期 6 小时" in cell.data()
    assert cell.data(Qt.ItemDataRole.ForegroundRole).color() == QColor(theme.ERROR)
    qtbot.waitUntil(lambda: view.overdue.rowCount() == 1, timeout=5000)
    assert (view.overdue.item(0, 0).text(), view.overdue.item(0, 2).text()) == ("本中心", "1")
    assert view.panel.buttons.keys() == {"supervise", "answer_supervision"}  # no dispatch steps for a supervisor


def test_steps_are_enabled_by_the_selected_units_status_and_say_why_not(qtbot, operator, dispatcher, city,
                                                                         open_view):
    ticket = register(operator)
    lead, co = send(dispatcher, ticket, city["区城市管理局"], city["新街口街道"])
    dispatch.sign_off(dispatcher, lead, "刘科长")
    view = open_view(dispatcher)
    view.panel.show_ticket(ticket, co)
    qtbot.waitUntil(lambda: view.panel.current_assignment_id() == co, timeout=5000)
    panel = view.panel
    assert panel.can("sign_off") and not panel.can("feedback")
    assert "请选择一个已签收" in panel.buttons["feedback"].toolTip()
    panel.assignments.setCurrentItem(unit_row(view, "区城市管理局"))
    assert panel.can("feedback") and not panel.can("sign_off") and not panel.can("dispatch")
    assert [unit_row(view, u).text(1) for u in ("区城市管理局", "新街口街道")] == ["牵头", "协办"]


def test_a_provisional_deadline_is_marked_and_explained(qtbot, operator, dispatcher, city, open_view):
    ticket = register(operator)
    Deadline.update(provisional=True).where(Deadline.ticket == ticket).execute()
    view = open_view(dispatcher)
    model = view.pending.model
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=5000)
    cell = model.index(0, [c.header for c in PENDING].index("派单时限"))
    assert "暂定" in cell.data()
    assert "放假安排尚未导入" in cell.data(Qt.ItemDataRole.ToolTipRole)


def test_queues_page_from_sql_and_pass_the_model_tester(qtbot, qtmodeltester, operator, dispatcher, runner):
    for hours in range(1, 6):
        register(operator, hours_ago=hours)
    model = QueueModel(runner, PENDING, lambda after, n: handling_reads.pending_page(dispatcher, after, n), page=2)
    model.refresh()
    qtbot.waitUntil(lambda: model.rowCount() == 2 and model.canFetchMore(), timeout=5000)
    while model.canFetchMore():
        model.fetchMore()
        qtbot.waitUntil(lambda: not model.loading, timeout=5000)
    assert model.rowCount() == 5
    numbers = [model.row(i).number for i in range(5)]
    assert numbers == sorted(numbers, reverse=True)  # registered 1…5 hours ago: the last one runs out first
    qtmodeltester.check(model, force_py=True)


def test_a_12365_complaint_is_accepted_with_ctrl_d_then_dispatched(qtbot, center_db, operator, dispatcher, city,
                                                                    open_view):
    from db.models import Center
    from desktop.dispatch.steps import AcceptDialog

    Center.update(kind="both").execute()
    ticket = register(operator, hotline="12365", reported_unit="某超市", risk_level="3",
                      content="在某超市买到过期牛奶，要求退一赔十。")
    view = open_view(dispatcher)
    qtbot.waitUntil(lambda: view.panel.ticket_id == ticket, timeout=5000)
    assert view.pending.model.row(0).task == "待决定受理"
    assert view.panel.buttons["accept"].isVisibleTo(view) and not view.panel.buttons["dispatch"].isVisibleTo(view)
    view.pending.table.setFocus()
    press(qtbot, view, Qt.Key.Key_D)
    accept = dialog_of(qtbot, AcceptDialog)
    qtbot.keyClick(accept, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: Ticket.get_by_id(ticket).status == "accepted", timeout=5000)
    qtbot.waitUntil(lambda: view.panel.can("dispatch"), timeout=5000)
    assert view.panel.buttons["dispatch"].isVisibleTo(view)


def test_a_co_unit_fed_back_is_reviewed_without_closing_the_ticket(qtbot, operator, dispatcher, city, open_view):
    ticket = register(operator)
    _lead, co = send(dispatcher, ticket, city["区城市管理局"], city["新街口街道"])
    dispatch.sign_off(dispatcher, co, "街道王主任")
    handling.record_feedback(dispatcher, FeedbackInput(co, "resolved", {"measures": "配合城管局现场劝离",
                                                                        "caller_told": "已告知"}))
    view = open_view(dispatcher)
    view.tabs.setCurrentWidget(view.reviews)
    qtbot.waitUntil(lambda: view.reviews.model.rowCount() == 1, timeout=5000)
    view.reviews.table.selectRow(0)
    qtbot.waitUntil(lambda: view.panel.current_assignment_id() == co, timeout=5000)
    view.panel.trigger("review_feedback")
    review = dialog_of(qtbot, FeedbackReviewDialog)
    assert review.decision.itemText(0) == "审核通过"  # a co-handling unit's approval does not close
    review.save()
    qtbot.waitUntil(lambda: Assignment.get_by_id(co).status == "closed", timeout=5000)
    assert Ticket.get_by_id(ticket).status == "dispatched"


def test_the_lists_refresh_each_minute_with_what_others_wrote(qtbot, operator, dispatcher, open_view):
    register(operator)
    view = open_view(dispatcher)
    qtbot.waitUntil(lambda: view.pending.model.rowCount() == 1, timeout=5000)
    qtbot.waitUntil(lambda: view.panel.ticket_id is not None, timeout=5000)
    shown = view.panel.ticket_id
    register(operator, hours_ago=20)  # an operator at another desk; it runs out sooner
    assert view.timer.interval() == 60_000 and view.timer.isActive()
    view.timer.timeout.emit()
    qtbot.waitUntil(lambda: view.pending.model.rowCount() == 2, timeout=5000)
    assert view.tabs.tabText(0) == "待派单 2"
    current = view.pending.current_row()
    assert current is not None and current.ticket_id == shown  # the selection stays on its ticket
    assert view.panel.ticket_id == shown


def test_a_ticket_chosen_elsewhere_is_shown_even_while_the_lists_load(qtbot, operator, dispatcher, city, open_view):
    first = register(operator, hours_ago=20)  # first in 待派单
    (lead,) = send(dispatcher, register(operator), city["区城市管理局"])
    other = Assignment.get_by_id(lead).ticket_id
    view = open_view(dispatcher)
    view.show_ticket(other)  # as the 工作台 does, maybe before the lists have answered
    qtbot.waitUntil(lambda: view.pending.model.rowCount() == 1 and not view.runner.busy, timeout=5000)
    assert view.panel.ticket_id == other != first  # the list's first row did not take its place
    assert view.panel.current_assignment_id() == lead


def test_a_supervisor_supervises_with_ctrl_u_and_records_the_answer(qtbot, operator, dispatcher, supervisor, city,
                                                                    open_view):
    from desktop.dispatch.steps import SupervisionAnswerDialog, SupervisionDialog

    ticket = register(operator, hours_ago=3)
    (lead,) = send(dispatcher, ticket, city["区城市管理局"])
    Deadline.update(due_at=clock.stamp(clock.now() - dt.timedelta(hours=1))).where(
        (Deadline.assignment == lead) & (Deadline.stage == "sign_off")).execute()
    view = open_view(supervisor)
    qtbot.waitUntil(lambda: view.panel.ticket_id == ticket and view.panel.can("supervise"), timeout=5000)
    view.reminders.table.setFocus()
    press(qtbot, view, Qt.Key.Key_U)
    dialog = dialog_of(qtbot, SupervisionDialog)
    assert dialog.unit.currentData() == city["区城市管理局"]  # the unit selected in the panel
    commit(dialog.content, "电话督促城管局立即签收")
    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    panel = view.panel
    qtbot.waitUntil(lambda: panel.supervisions.topLevelItemCount() == 1, timeout=5000)
    assert panel.tabs.tabText(1) == "督办记录（1）" and not panel.can("answer_supervision")
    panel.supervisions.setCurrentItem(panel.supervisions.topLevelItem(0))
    assert panel.can("answer_supervision")
    panel.buttons["answer_supervision"].setFocus()
    qtbot.keyClick(panel.buttons["answer_supervision"], Qt.Key.Key_Return)
    answer = dialog_of(qtbot, SupervisionAnswerDialog)
    commit(answer.answer, "已签收，今日到现场")
    qtbot.keyClick(answer, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: panel.supervisions.topLevelItemCount() == 1
                    and "已签收，今日到现场" in panel.supervisions.topLevelItem(0).text(4), timeout=5000)
