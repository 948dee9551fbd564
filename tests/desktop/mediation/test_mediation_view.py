"""调解与文书 on screen, driven by the keyboard as a mediator (and the head) would: a complaint's
mediation from 开始调解 to the 调解书 in its documents list (12365 6.3.5.2.2, 6.3.5.2.3)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox

from core.center import profile as center
from core.mediation import cases as mediation
from db.models import Ticket, TicketEvent
from desktop.documents.preview import DocumentPreview
from desktop.main_window import MainWindow
from desktop.mediation.dialogs import CloseDialog, ConcludeDialog, PartyDialog, SessionDialog
from desktop.mediation.view import MediationView
from forms import pdf
from tests.core.dispatch.test_dispatch import register
from tests.core.mediation.test_mediation import GOOD_ID, parties, session
from tests.desktop.dispatch.test_dispatch_view import closed, dialog_of
from tests.desktop.documents.test_document_preview import no_office, runner  # noqa: F401 - fixtures
from tests.helpers import commit

# Previews here say "no LibreOffice" at once (tests/desktop/documents/test_document_preview.py converts).
pytestmark = pytest.mark.usefixtures("cheap_password_hashing", "no_office")


class Answers(list):
    """Answers to the questions to come, first to last; ``asked`` keeps each question's text."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []


@pytest.fixture
def answers(monkeypatch) -> Answers:
    """Questions (保存 / 放弃 / 取消) are answered from this list; one not expected fails the test
    (an open question would hang it at teardown)."""
    queue = Answers()

    def question(_parent, _title, text, *_a, **_k):
        queue.asked.append(text)
        assert queue, f"unexpected question: {text}"
        return queue.pop(0)

    monkeypatch.setattr(QMessageBox, "question", question)
    return queue


@pytest.fixture
def open_view(qtbot, runner):
    def make(actor) -> MediationView:
        view = MediationView(actor, runner)
        qtbot.addWidget(view)
        view.resize(1130, 780)
        view.show()
        qtbot.waitExposed(view)
        view.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is view, timeout=5000)
        return view

    return make


def press(qtbot, view, key: Qt.Key, modifiers=Qt.KeyboardModifier.ControlModifier, target=None) -> None:
    """A key pressed where the focus is in the area (its keys work anywhere in it)."""
    qtbot.waitUntil(lambda: not view.runner.busy, timeout=5000)
    if QApplication.activeWindow() is not view.window():
        view.activateWindow()  # a desktop gives the window back when a dialog closes; offscreen does not
        qtbot.waitUntil(lambda: QApplication.activeWindow() is view.window(), timeout=5000)
    target = target or QApplication.focusWidget()
    if target is None or not (target is view or view.isAncestorOf(target)):
        target = getattr(view, "table", view)
        target.setFocus()
    qtbot.keyClick(target, key, modifiers)


def shown(qtbot, view: MediationView, ticket_id: int) -> None:
    qtbot.waitUntil(lambda: view.panel.ticket_id == ticket_id and not view.runner.busy, timeout=5000)


def choose_from_menu(qtbot, view, text: str) -> list[str]:
    """Ctrl+I opens the 出具文书 menu; the entry starting with ``text`` is chosen with the keyboard.
    Returns the entries the menu listed."""
    listed: list[str] = []

    def pick(tries: int = 100) -> None:
        menu = QApplication.activePopupWidget()
        if not isinstance(menu, QMenu):  # the menu opens once the ticket's documents are read
            assert tries, "the 出具文书 menu did not open"
            QTimer.singleShot(50, lambda: pick(tries - 1))
            return
        listed.extend(a.text() for a in menu.actions())
        action = next(a for a in menu.actions() if a.text().startswith(text))
        assert action.isEnabled(), action.text()
        menu.setActiveAction(action)
        qtbot.keyClick(menu, Qt.Key.Key_Return)

    QTimer.singleShot(50, pick)
    press(qtbot, view, Qt.Key.Key_I)
    qtbot.waitUntil(lambda: bool(listed), timeout=5000)
    return listed


def test_a_mediator_takes_a_complaint_from_opening_to_the_mediation_letter(qtbot, operator, mediator, open_view,
                                                                           answers):
    ticket = register(operator, hours_ago=5)
    view = open_view(mediator)
    shown(qtbot, view, ticket)  # the newest complaint is shown at once
    assert view.panel.open_button.isVisible() and "未调解" in view.panel.header.text()

    press(qtbot, view, Qt.Key.Key_N)  # 开始调解
    qtbot.waitUntil(lambda: view.panel.editor.isVisible(), timeout=5000)
    editor = view.panel.editor
    assert [p.name for p in editor.table.parties] == ["张先生", "某建筑工地"]  # from the registration
    assert editor.facts.toPlainText() == "夜间工地施工噪声扰民，持续到凌晨。"

    editor.table.setFocus()
    editor.table.selectRow(0)
    qtbot.keyClick(editor.table, Qt.Key.Key_F2)
    party = dialog_of(qtbot, PartyDialog)
    assert party.name.text() == "张先生"
    party.gender.setFocus()
    qtbot.keyClick(party.gender, Qt.Key.Key_Down)  # 男
    party.id_number.setFocus()
    qtbot.keyClicks(party.id_number, GOOD_ID)
    qtbot.keyClick(party, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # 确定
    qtbot.waitUntil(lambda: closed(party), timeout=5000)
    assert (editor.table.parties[0].gender, editor.table.parties[0].id_number) == ("男", GOOD_ID)
    assert editor.table.item(0, 4).text() == GOOD_ID
    assert editor.dirty()

    editor.request.setFocus()
    commit(editor.request, "停止夜间施工，赔偿损失500元。")
    press(qtbot, view, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: not editor.dirty() and editor.table.parties[0].id_number == GOOD_ID, timeout=5000)
    case = mediation.cases_of(ticket)[0]
    assert case.request == "停止夜间施工，赔偿损失500元。"
    assert (case.parties[0].gender, case.parties[0].id_number) == ("男", GOOD_ID)

    press(qtbot, view, Qt.Key.Key_R)  # 登记调解
    sitting = dialog_of(qtbot, SessionDialog)
    assert sitting.mediators.text() == "杨调解"
    commit(sitting.place, "中心调解室")
    sitting.record.setFocus()
    commit(sitting.record, "双方陈述意见，工地同意22时后停工。")
    qtbot.keyClick(sitting, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: closed(sitting), timeout=5000)
    qtbot.waitUntil(lambda: editor.sessions.topLevelItemCount() == 1, timeout=5000)
    assert editor.sessions.topLevelItem(0).text(1) == "中心调解室"

    press(qtbot, view, Qt.Key.Key_E)  # 结束调解
    end = dialog_of(qtbot, ConcludeDialog)
    assert end.form.labelForField(end.rows["text"]).text() == "调解协议内容："
    qtbot.keyClick(end, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)  # 调解失败 …
    assert end.form.labelForField(end.rows["text"]).text() == "理由："
    qtbot.keyClick(end, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)  # … no: 调解成功
    assert end.outcome() == "success"
    end.text.setFocus()
    commit(end.text, "工地22时后停止施工，赔偿500元。")
    qtbot.keyClick(end, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: closed(end), timeout=5000)
    qtbot.waitUntil(lambda: "已结束：调解成功" in editor.state.text(), timeout=5000)
    assert editor.outcome_text.toPlainText() == "工地22时后停止施工，赔偿500元。"
    assert not editor.save_button.isVisible() and editor.facts.isReadOnly()

    documents = view.panel.documents
    qtbot.waitUntil(lambda: any(a.text().startswith("调解书") for a in documents.menu.actions()), timeout=5000)
    choose_from_menu(qtbot, view, "调解书")
    preview = dialog_of(qtbot, DocumentPreview)
    number = preview.issued.number
    assert number.startswith("调字〔")
    assert pdf.NO_OFFICE in preview.notice.text()
    qtbot.keyClick(preview, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: documents.list.topLevelItemCount() == 1
                    and documents.list.topLevelItem(0).text(0) == "调解书", timeout=5000)
    assert documents.list.topLevelItem(0).text(1) == number
    assert documents.title.text() == "出具的文书（1）"
    kinds = [e.kind for e in TicketEvent.select().where(TicketEvent.ticket == ticket).order_by(TicketEvent.id)]
    assert kinds[-4:] == ["mediation_opened", "mediation_session", "mediation_concluded", "document_issued"]


def test_a_bad_id_number_is_named_and_what_was_typed_stays(qtbot, operator, mediator, open_view, answers):
    ticket = register(operator)
    case_id = mediation.open_case(mediator, ticket)
    view = open_view(mediator)
    shown(qtbot, view, ticket)
    editor = view.panel.editor
    qtbot.waitUntil(lambda: editor.isVisible(), timeout=5000)
    editor.request.setFocus()
    commit(editor.request, "赔偿损失")
    editor.table.setFocus()
    editor.table.selectRow(0)
    qtbot.keyClick(editor.table, Qt.Key.Key_F2)
    party = dialog_of(qtbot, PartyDialog)
    party.id_number.setFocus()
    qtbot.keyClicks(party.id_number, "110105194912310021")  # wrong check digit
    qtbot.keyClick(party, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: closed(party), timeout=5000)

    press(qtbot, view, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: editor.party_errors.isVisible(), timeout=5000)
    message = editor.party_errors.text()
    assert "第 1 位当事人（投诉人：张先生）" in message and "校验位" in message
    assert "未保存" in editor.status.text()
    assert editor.table.item(0, 4).text() == "110105194912310021"  # kept, and marked
    assert "校验位" in editor.table.item(0, 4).toolTip()
    assert editor.request.toPlainText() == "赔偿损失" and editor.dirty()
    assert mediation.get_case(case_id).parties[0].id_number == ""  # nothing saved

    qtbot.keyClick(editor.table, Qt.Key.Key_F2)  # the row again: the message under the field
    again = dialog_of(qtbot, PartyDialog)
    assert again.id_number.text() == "110105194912310021"
    assert again.errors["id_number"].isVisible() and "校验位" in again.errors["id_number"].text()
    again.id_number.selectAll()
    qtbot.keyClicks(again.id_number, GOOD_ID)
    qtbot.keyClick(again, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: closed(again), timeout=5000)
    assert not editor.party_errors.isVisible()
    press(qtbot, view, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: mediation.get_case(case_id).parties[0].id_number == GOOD_ID, timeout=5000)
    assert mediation.get_case(case_id).request == "赔偿损失"


def test_unsaved_edits_are_asked_about_before_another_complaint(qtbot, operator, mediator, open_view, answers):
    older = register(operator, hours_ago=8, title="工地夜间施工噪声")
    newer = register(operator, hours_ago=2, title="装修公司拖延工期")
    for ticket in (older, newer):
        mediation.open_case(mediator, ticket)
    view = open_view(mediator)
    shown(qtbot, view, newer)
    editor = view.panel.editor
    qtbot.waitUntil(lambda: editor.isVisible(), timeout=5000)
    editor.request.setFocus()
    commit(editor.request, "退还定金")

    view.table.setFocus()
    answers.append(QMessageBox.StandardButton.Cancel)
    qtbot.keyClick(view.table, Qt.Key.Key_Down)
    assert answers.asked and "尚未保存" in answers.asked[-1]
    assert view.panel.ticket_id == newer and editor.request.toPlainText() == "退还定金"
    assert view.table.currentIndex().row() == 0  # the list stays on the complaint shown

    answers.append(QMessageBox.StandardButton.Save)
    qtbot.keyClick(view.table, Qt.Key.Key_Down)
    shown(qtbot, view, older)
    assert mediation.cases_of(newer)[0].request == "退还定金"

    editor.request.setFocus()
    commit(editor.request, "不要了")
    view.table.setFocus()
    answers.append(QMessageBox.StandardButton.Discard)
    qtbot.keyClick(view.table, Qt.Key.Key_Up)
    shown(qtbot, view, newer)
    assert mediation.cases_of(older)[0].request == ""
    assert len(answers.asked) == 3


def test_filter_and_search(qtbot, operator, mediator, open_view, answers):
    plain = register(operator, hours_ago=9, title="小区门口占道经营")
    running = register(operator, hours_ago=8, title="工地夜间施工噪声")
    register(operator, hours_ago=1, category="consult", title="居住证办理咨询")
    mediation.open_case(mediator, running)
    view = open_view(mediator)
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=5000)
    qtbot.waitUntil(lambda: view.count.text() == "共 2 件投诉", timeout=5000)
    view.state.setFocus()
    view.state.setCurrentIndex(view.state.findData("none"))
    view.state.activated.emit(view.state.currentIndex())
    qtbot.waitUntil(lambda: [r.ticket_id for r in view.model.rows] == [plain], timeout=5000)

    view.state.setCurrentIndex(0)
    view.state.activated.emit(0)
    press(qtbot, view, Qt.Key.Key_F)
    assert QApplication.focusWidget() is view.search
    commit(view.search, "噪声")
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: [r.ticket_id for r in view.model.rows] == [running], timeout=5000)
    assert view.model.data(view.model.index(0, 2)).startswith("调解中")
    commit(view.search, "没有这样的投诉")
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "没有符合条件的投诉" in view.count.text(), timeout=5000)


def test_the_head_closes_a_mediated_complaint(qtbot, operator, mediator, manager, open_view, answers):
    ticket = register(operator)
    case_id = mediation.open_case(mediator, ticket)
    mediation.save_case(mediator, case_id, "事实", "请求", parties())
    mediation.add_session(mediator, case_id, session())
    mediation.conclude(mediator, case_id, "success", "赔偿500元。")
    view = open_view(manager)
    shown(qtbot, view, ticket)
    editor = view.panel.editor
    qtbot.waitUntil(lambda: editor.close_button.isVisible(), timeout=5000)
    press(qtbot, view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    close = dialog_of(qtbot, CloseDialog)
    commit(close.note, "调解成功，双方已履行，同意结案。")
    qtbot.keyClick(close, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: Ticket.get_by_id(ticket).status == "closed", timeout=5000)
    qtbot.waitUntil(lambda: not editor.close_button.isVisible(), timeout=5000)
    assert "已办结" in view.panel.header.text()


def test_a_dispatcher_sees_the_state_and_the_documents_but_not_the_parties(qtbot, operator, mediator, dispatcher,
                                                                          open_view, answers):
    ticket = register(operator, caller_name="王建国", confidential=True)
    mediation.open_case(mediator, ticket)
    view = open_view(dispatcher)
    shown(qtbot, view, ticket)
    assert not view.panel.editor.isVisible() and not view.panel.open_button.isVisible()
    assert "调解中" in view.panel.header.text() and "王建国" not in view.panel.header.text()
    assert "调解由调解员办理" in view.panel.open_note.text()
    assert view.model.rows[0].caller == "王**"
    qtbot.waitUntil(lambda: any(a.text().startswith("诉求工单") for a in view.panel.documents.menu.actions()),
                    timeout=5000)


def test_the_area_in_the_main_window(qtbot, operator, mediator, db_path, answers):
    ticket = register(operator)
    win = MainWindow(mediator, center.current_center(), db_path)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    assert [win.nav.item(i).text() for i in range(win.nav.count())] == ["工单查询", "调解与文书", "知识库"]
    win.open_mediation(ticket)
    assert win.stack.currentWidget() is win.mediation_view
    qtbot.waitUntil(lambda: win.mediation_view.panel.ticket_id == ticket, timeout=5000)
    win.close()
    win.runner.wait()


def test_typed_edits_survive_a_session_recorded_meanwhile(qtbot, operator, mediator, open_view, answers):
    ticket = register(operator)
    mediation.open_case(mediator, ticket)
    view = open_view(mediator)
    shown(qtbot, view, ticket)
    editor = view.panel.editor
    qtbot.waitUntil(lambda: editor.isVisible(), timeout=5000)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Return)  # Enter on the list: into the case
    assert QApplication.focusWidget() is editor.facts
    editor.request.setFocus()
    commit(editor.request, "赔礼道歉")
    press(qtbot, view, Qt.Key.Key_R)
    sitting = dialog_of(qtbot, SessionDialog)
    commit(sitting.place, "现场")
    sitting.record.setFocus()
    commit(sitting.record, "双方到场。")
    qtbot.keyClick(sitting, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: editor.sessions.topLevelItemCount() == 1, timeout=5000)
    assert editor.request.toPlainText() == "赔礼道歉" and editor.dirty()  # the reload kept it, still unsaved
    press(qtbot, view, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: mediation.cases_of(ticket)[0].request == "赔礼道歉", timeout=5000)
    qtbot.waitUntil(lambda: not editor.dirty(), timeout=5000)


def test_the_list_model(qtbot, qtmodeltester, operator, mediator, open_view, answers):
    for hours in (3, 2, 1):
        register(operator, hours_ago=hours)
    view = open_view(mediator)
    qtbot.waitUntil(lambda: view.model.rowCount() == 3, timeout=5000)
    qtmodeltester.check(view.model)
    pages: list[int] = []
    view.model.loaded.connect(lambda rows, _more: pages.append(rows))
    view.model.page = 2
    view.apply()  # two rows a page: the table asks for the next page itself as there is room
    qtbot.waitUntil(lambda: pages == [2, 3], timeout=5000)
    assert view.model.rowCount() == 3 and not view.model.canFetchMore()
    qtmodeltester.check(view.model)


def test_closing_the_window_with_unsaved_edits_asks(qtbot, operator, mediator, db_path, answers):
    ticket = register(operator)
    mediation.open_case(mediator, ticket)
    win = MainWindow(mediator, center.current_center(), db_path)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.open_mediation(ticket)
    editor = win.mediation_view.panel.editor
    qtbot.waitUntil(lambda: editor.isVisible(), timeout=5000)
    editor.request.setFocus()
    commit(editor.request, "赔偿")
    answers.append(QMessageBox.StandardButton.Cancel)
    win.close()
    assert win.isVisible() and "尚未保存" in answers.asked[-1]
    answers.append(QMessageBox.StandardButton.Discard)
    win.close()
    assert not win.isVisible()
    win.runner.wait()
