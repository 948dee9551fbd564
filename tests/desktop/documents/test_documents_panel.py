"""出具的文书 of a ticket: the 出具文书 menu follows the ticket and the user's rights, issuing opens the
preview, an earlier document is looked at from its stored file and handed out again only when
printed or saved, and what a form lacks is said in words."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from core.mediation import cases as mediation
from core.mediation import reads as mediation_reads
from core.dispatch import supervision
from core.tickets import reads as tickets
from core.mediation.reads import AssignmentSource, CaseSource, DocumentSources, SupervisionSource
from core.dispatch.supervision import SupervisionInput
from db.models import IssuedDocument, TicketEvent
from desktop.documents.preview import DocumentPreview
from desktop.documents.panel import DocumentsPanel, Offer, may_view, offers
from desktop.dispatch.handling_panel import HandlingPanel
from desktop.tickets.detail import TicketDetailDialog
from forms import issue
from forms.catalog import DocumentKind
from tests.core.dispatch.test_dispatch import register, send, units  # noqa: F401 - fixture
from tests.core.mediation.test_mediation import parties, session
from tests.desktop.documents.test_document_preview import no_office, runner  # noqa: F401 - fixtures
from tests.desktop.mediation.test_mediation_view import choose_from_menu, closed, dialog_of

pytestmark = pytest.mark.usefixtures("cheap_password_hashing", "no_office")


@pytest.fixture
def open_panel(qtbot, runner):
    def make(actor, ticket_id: int) -> DocumentsPanel:
        panel = DocumentsPanel(actor, runner)
        panel.install_keys(panel)
        qtbot.addWidget(panel)
        panel.resize(700, 300)
        panel.show()
        qtbot.waitExposed(panel)
        panel.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is panel, timeout=5000)
        panel.show_ticket(ticket_id)
        qtbot.waitUntil(lambda: panel.sources is not None and not runner.busy, timeout=5000)
        return panel

    return make


def sources(**changes) -> DocumentSources:
    values = dict(ticket_id=1, number="320102-20261122-0001", hotline="12365", category="complaint",
                  status="dispatched", confidential=False, assignments=[], supervisions=[], cases=[])
    values.update(changes)
    return DocumentSources(**values)


def labels(found: list[Offer]) -> list[str]:
    return [o.label + (f"（{o.reason}）" if o.reason else "") for o in found]


def test_the_menu_follows_the_ticket_and_the_users_rights(dispatcher, supervisor, mediator):
    src = sources(assignments=[AssignmentSource(7, "区城市管理局", "牵头", "办理中", True),
                               AssignmentSource(8, "新街口街道", "协办", "已退单", False)],
                  supervisions=[SupervisionSource(3, "2026-11-20 10:00", "文件督办", "区城市管理局")],
                  cases=[CaseSource(5, False, "failure"), CaseSource(4, False, "success")])
    assert labels(offers(dispatcher, src)) == [
        "诉求工单", "投诉处理归档表（办结后可出具）", "派单通知单：区城市管理局（牵头）"]
    assert labels(offers(supervisor, src)) == [
        "诉求工单", "投诉处理归档表（办结后可出具）", "督办通知单：区城市管理局（文件督办，2026-11-20 10:00）"]
    assert labels(offers(mediator, src)) == [
        "诉求工单", "投诉处理归档表（办结后可出具）", "终止调解书（第 2 次调解）", "调解书（第 1 次调解）"]
    assert [o.case_id for o in offers(mediator, src)[2:]] == [5, 4]
    assert labels(offers(mediator, sources(cases=[CaseSource(5, True, "")]))) == [
        "诉求工单", "投诉处理归档表（办结后可出具）", "调解书 / 终止调解书（调解结束后可出具）"]
    closed_consult = sources(category="consult", status="closed")
    assert labels(offers(dispatcher, closed_consult)) == ["诉求工单", "咨询处理归档表"]
    assert labels(offers(dispatcher, sources(category="suggestion"))) == ["诉求工单"]
    assert labels(offers(dispatcher, sources(hotline="12345", category="consult", status="closed"))) == ["诉求工单"]


def test_who_may_look_at_an_issued_document_again(dispatcher, mediator):
    letter = issue.Issued(1, "u", "n", DocumentKind.MEDIATION_LETTER, "调字〔2026〕第1号", "f.docx", "", "内置", False,
                          "", "杨调解")
    assert "没有出具调解书的权限" in may_view(dispatcher, letter, False)
    assert may_view(mediator, letter, True) == ""
    order = issue.Issued(2, "u", "n", DocumentKind.WORK_ORDER, "", "f.docx", "", "内置", False, "", "杨调解")
    assert "保密诉求人" in may_view(dispatcher, order, confidential_ticket=True)  # issued unmasked by a mediator
    from dataclasses import replace

    assert may_view(dispatcher, replace(order, masked=True), confidential_ticket=True) == ""
    assert may_view(dispatcher, order, confidential_ticket=False) == ""


def test_a_dispatcher_prints_the_dispatch_notice(qtbot, operator, dispatcher, units, open_panel):
    ticket = register(operator)
    (lead,) = send(dispatcher, ticket, units["区城市管理局"])
    panel = open_panel(dispatcher, ticket)
    notices: list[str] = []
    panel.changed.connect(notices.append)
    assert panel.title.text() == "出具的文书（0）"
    assert not panel.view_button.isEnabled()
    panel.setFocus()
    choose_from_menu(qtbot, panel, "派单通知单：区城市管理局")
    preview = dialog_of(qtbot, DocumentPreview)
    number = preview.issued.number
    assert preview.issued.kind == DocumentKind.DISPATCH_NOTICE and number.startswith("派字〔")
    qtbot.keyClick(preview, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: closed(preview) and bool(panel.documents), timeout=5000)
    row = panel.list.topLevelItem(0)
    assert (row.text(0), row.text(1), row.text(3), row.text(4)) == ("派单通知单", number, "李派单", "内置")
    assert notices == [f"已出具派单通知单（{number}）"]
    assert IssuedDocument.get(IssuedDocument.number == number).assignment_id == lead


def test_what_a_form_lacks_is_said_and_nothing_is_issued(qtbot, operator, dispatcher, open_panel):
    from db.models import Center

    Center.update(kind="both").execute()  # 12365 complaints are archived on appendix D
    ticket = register(operator, hotline="12365", risk_level="3")  # still waiting: no archive form yet
    panel = open_panel(dispatcher, ticket)
    archive = next(a for a in panel.menu.actions() if a.text().startswith("投诉处理归档表"))
    assert not archive.isEnabled() and "办结后可出具" in archive.text()
    panel.issue_offer(Offer(DocumentKind.ARCHIVE_COMPLAINT, "投诉处理归档表"))  # asked for anyway
    qtbot.waitUntil(lambda: panel.message.isVisible() and "不能出具投诉处理归档表" in panel.message.text(),
                    timeout=5000)
    assert "尚未办结" in panel.message.text() and panel.message.text().startswith("缺少出具文书所需的信息")
    assert issue.documents_of(ticket) == []


def test_an_earlier_document_is_looked_at_and_handed_out_again_when_saved(qtbot, operator, mediator, open_panel,
                                                                           monkeypatch, tmp_path):
    ticket = register(operator)
    case_id = mediation.open_case(mediator, ticket)
    mediation.save_case(mediator, case_id, "事实", "请求", parties())
    mediation.add_session(mediator, case_id, session())
    mediation.conclude(mediator, case_id, "success", "赔偿500元。")
    first = issue.issue(mediator, DocumentKind.MEDIATION_LETTER, ticket, case_id=case_id)
    panel = open_panel(mediator, ticket)
    qtbot.waitUntil(lambda: panel.list.topLevelItemCount() == 1, timeout=5000)
    panel.list.setFocus()
    panel.list.setCurrentItem(panel.list.topLevelItem(0))
    assert panel.view_button.isEnabled()
    qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    preview = dialog_of(qtbot, DocumentPreview)
    assert preview.issued.content == first.content and preview.issued.number == first.number

    def reissued() -> int:
        return TicketEvent.select().where((TicketEvent.ticket == ticket)
                                          & (TicketEvent.kind == "document_reissued")).count()

    assert reissued() == 0  # looking is not issuing
    target = tmp_path / "调解书.docx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a: (str(target), ""))
    preview.save_word()
    qtbot.waitUntil(lambda: preview.status.text().startswith("已保存"), timeout=5000)
    assert target.read_bytes() == first.content and reissued() == 1
    qtbot.keyClick(preview, Qt.Key.Key_Escape)
    assert not preview.isVisible()


def test_the_handling_panel_has_the_documents_tab(qtbot, operator, dispatcher, supervisor, units, runner):
    ticket = register(operator)
    (lead,) = send(dispatcher, ticket, units["区城市管理局"])
    supervision.supervise(supervisor, SupervisionInput(ticket, "document", "发函督办", units["区城市管理局"]))
    panel = HandlingPanel(supervisor, runner)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    panel.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is panel, timeout=5000)
    panel.show_ticket(ticket)
    qtbot.waitUntil(lambda: panel.ticket_id == ticket and not runner.busy, timeout=5000)
    assert panel.documents.sources is None  # read when its tab is in front, not with every ticket
    assert "Ctrl+I 出具文书" in panel.key_hint.text()
    panel.assignments.setFocus()
    listed = choose_from_menu(qtbot, panel, "督办通知单：区城市管理局")  # Ctrl+I: the tab, then the menu
    assert panel.tabs.currentWidget() is panel.documents
    assert not any(t.startswith("派单通知单") for t in listed)  # a supervisor does not dispatch
    preview = dialog_of(qtbot, DocumentPreview)
    assert preview.issued.kind == DocumentKind.SUPERVISION_NOTICE
    qtbot.keyClick(preview, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: panel.tabs.tabText(2) == "文书（1）", timeout=5000)
    qtbot.waitUntil(lambda: "出具督办通知单" in panel.timeline.topLevelItem(0).text(3), timeout=5000)


def test_the_ticket_detail_has_the_documents_tab(qtbot, operator, dispatcher, runner):
    ticket = register(operator)
    detail = TicketDetailDialog(tickets.detail(dispatcher, ticket), None, dispatcher, runner)
    qtbot.addWidget(detail)
    qtbot.waitUntil(lambda: detail.documents.sources is not None and not runner.busy, timeout=5000)
    assert detail.documents.sources.ticket_id == ticket
    assert mediation_reads.document_sources(dispatcher, ticket).category == "complaint"
    plain = TicketDetailDialog(tickets.detail(dispatcher, ticket))
    qtbot.addWidget(plain)
    assert plain.documents is None  # without the user and the runner: the timeline alone, as before
