"""A ticket's issued documents (出具的文书) and the 出具文书 menu of what this user may issue for it.

The menu follows the ticket (core.mediation.reads.document_sources): the 诉求工单 always;
the archive form of its category (12365 appendices C–E) once it is closed; a 派单通知单 for
each unit it went to; a 督办通知单 for each supervision; the 调解书 or 终止调解书 once a
mediation ended. Issuing runs on the runner and opens the preview; looking at an earlier
document reads the stored file, and printing or saving it records 再次出具.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core import clock
from core.mediation import reads as mediation_reads
from core.errors import HotlineError, ValidationError
from core.mediation.reads import DocumentSources
from core.roles import Actor
from core.vocab import MediationOutcome
from desktop import theme
from desktop.widgets.forms import KeyButton
from desktop.errors import show_error
from desktop.worker import Runner
from forms import issue
from forms.catalog import DocumentKind, archive_kind
from forms.issue import Issued

ID_ROLE = Qt.ItemDataRole.UserRole
COLUMNS = [("文书", 100), ("文书编号", 134), ("出具时间", 118), ("出具人", 58), ("模板", 48), ("遮蔽", 36)]


@dataclass(frozen=True)
class Offer:
    """One entry of the 出具文书 menu."""

    kind: DocumentKind
    label: str
    reason: str = ""  # why it cannot be issued yet; the entry is then shown disabled
    case_id: int | None = None
    assignment_id: int | None = None
    supervision_id: int | None = None


def offers(actor: Actor, src: DocumentSources) -> list[Offer]:
    """What the menu lists for this user and ticket, in the order a clerk looks for them."""
    found: list[Offer] = [Offer(DocumentKind.WORK_ORDER, DocumentKind.WORK_ORDER.label)]
    archive = archive_kind(src.hotline, src.category)
    if archive != DocumentKind.WORK_ORDER:
        found.append(Offer(archive, archive.label, "" if src.closed else "办结后可出具"))
    for a in src.assignments:
        if a.live:
            found.append(Offer(DocumentKind.DISPATCH_NOTICE, f"{DocumentKind.DISPATCH_NOTICE.label}：{a.unit}（{a.role}）",
                               assignment_id=a.id))
    for s in src.supervisions:
        unit = f"：{s.unit}" if s.unit else ""
        found.append(Offer(DocumentKind.SUPERVISION_NOTICE,
                           f"{DocumentKind.SUPERVISION_NOTICE.label}{unit}（{s.kind}，{s.at}）", supervision_id=s.id))
    several = len(src.cases) > 1
    for n, case in enumerate(src.cases):
        which = f"（第 {len(src.cases) - n} 次调解）" if several else ""
        if case.open:
            found.append(Offer(DocumentKind.MEDIATION_LETTER, f"调解书 / 终止调解书{which}", "调解结束后可出具",
                               case_id=case.id))
            continue
        kind = DocumentKind.MEDIATION_LETTER if case.outcome == MediationOutcome.SUCCESS.value \
            else DocumentKind.TERMINATION_LETTER
        found.append(Offer(kind, f"{kind.label}{which}", case_id=case.id))
    return [o for o in found if actor.can(issue.permission_for(o.kind))]


def may_view(actor: Actor, doc: Issued, confidential_ticket: bool) -> str:
    """'' if this user may look at ``doc`` again, else why not.

    A document issued unmasked (by someone who may see a confidential caller) is not shown
    to a user who may not: the paper would show what the screens hide.
    """
    if not actor.can(issue.permission_for(doc.kind)):
        return f"您的账号没有出具{doc.kind.label}的权限。"
    return issue.identity_refusal(actor, doc.file_name, doc.masked, confidential_ticket)


class DocumentsPanel(QWidget):
    """The documents of one ticket, for the 调解与文书 area, the handling panel and the ticket detail."""

    changed = Signal(str)  # a document was issued (or handed out again): the notice
    counted = Signal(int)

    def __init__(self, actor: Actor, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.runner = runner
        self.ticket_id: int | None = None
        self.sources: DocumentSources | None = None
        self.documents: list[Issued] = []
        self._asked = 0
        self._busy = False
        self._loading = False
        self._menu_wanted = False  # Ctrl+I pressed while the ticket was being read
        self.preview = None  # the preview dialog last opened

        self.title = QLabel("出具的文书")
        self.title.setObjectName("documentsTitle")
        self.issue_button = KeyButton("出具文书 (Ctrl+I)")
        self.issue_button.setObjectName("issueButton")
        self.menu = QMenu(self)
        self.menu.setObjectName("issueMenu")
        self.issue_button.setMenu(self.menu)
        self.view_button = KeyButton("预览 / 打印 (Enter)")
        self.view_button.setObjectName("viewButton")
        self.view_button.clicked.connect(self.view_current)
        self.list = QTreeWidget()
        self.list.setObjectName("documentList")
        self.list.setHeaderLabels([c for c, _w in COLUMNS])
        self.list.setRootIsDecorated(False)
        self.list.setAlternatingRowColors(True)
        self.list.setMinimumHeight(90)
        for col, (_c, width) in enumerate(COLUMNS):
            self.list.setColumnWidth(col, width)
        self.list.itemActivated.connect(lambda *_: self.view_current())
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.message = QLabel()
        self.message.setObjectName("documentsMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        theme.set_text_color(self.message, theme.ERROR)
        self.message.hide()

        bar = QHBoxLayout()
        bar.addWidget(self.title, 1)
        bar.addWidget(self.view_button)
        bar.addWidget(self.issue_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.message)
        self._update_buttons()

    def in_tab(self) -> None:
        """Shown as a tab whose title says 文书（N）: no title of its own."""
        self.title.hide()
        self.layout().itemAt(0).layout().insertStretch(0, 1)

    def install_keys(self, scope: QWidget) -> None:
        """Ctrl+I opens the 出具文书 menu anywhere in ``scope`` (the area or panel holding this one)."""
        QShortcut(QKeySequence("Ctrl+I"), scope, activated=self.open_menu,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

    # reading ----------------------------------------------------------------

    def show_ticket(self, ticket_id: int | None) -> None:
        self.ticket_id = ticket_id
        self.message.hide()
        if ticket_id is None:
            self._asked += 1
            self._loading = self._menu_wanted = False
            self.sources, self.documents = None, []
            self._fill()
            return
        self.reload()

    def reload(self) -> None:
        if self.ticket_id is None:
            return
        self._asked += 1
        self._loading = True
        asked, ticket_id, actor = self._asked, self.ticket_id, self.actor
        self.runner.read(lambda: (mediation_reads.document_sources(actor, ticket_id), issue.documents_of(ticket_id)),
                         lambda found: asked == self._asked and self._loaded(*found),
                         lambda exc: asked == self._asked and self._say(exc), owner=self)

    def _loaded(self, sources: DocumentSources, documents: list[Issued]) -> None:
        self._loading = False
        self.sources, self.documents = sources, documents
        self._fill()
        if self._menu_wanted:
            self._menu_wanted = False
            QTimer.singleShot(0, self.open_menu)

    def _fill(self) -> None:
        chosen = self.current_document()
        self.list.clear()
        for doc in self.documents:
            item = QTreeWidgetItem(self.list, [doc.kind.label, doc.number or "—", clock.display(doc.issued_at),
                                               doc.issued_by, doc.template, "是" if doc.masked else "否"])
            item.setData(0, ID_ROLE, doc.id)
            item.setToolTip(0, doc.file_name)
            item.setToolTip(4, f"模板：{doc.template}")
            item.setToolTip(5, "保密诉求人的姓名和联系方式已遮蔽" if doc.masked else "未遮蔽")
            if chosen is not None and doc.id == chosen.id:
                self.list.setCurrentItem(item)
        if self.list.currentItem() is None and self.list.topLevelItemCount():
            self.list.setCurrentItem(self.list.topLevelItem(0))
        if not self.documents:
            empty = QTreeWidgetItem(self.list, ["尚未出具文书" if self.ticket_id else "", "", "", "", "", ""])
            empty.setFirstColumnSpanned(True)
            empty.setDisabled(True)
        self.title.setText(f"出具的文书（{len(self.documents)}）" if self.ticket_id else "出具的文书")
        self.counted.emit(len(self.documents))
        self._fill_menu()
        self._update_buttons()

    def _fill_menu(self) -> None:
        self.menu.clear()
        for offer in offers(self.actor, self.sources) if self.sources else []:
            text = offer.label + (f"（{offer.reason}）" if offer.reason else "") + "…"
            action = self.menu.addAction(text)
            action.setEnabled(not offer.reason)
            action.triggered.connect(lambda _c=False, o=offer: self.issue_offer(o))

    def current_document(self) -> Issued | None:
        item = self.list.currentItem()
        doc_id = item.data(0, ID_ROLE) if item is not None else None
        return next((d for d in self.documents if d.id == doc_id), None)

    def _update_buttons(self) -> None:
        doc = self.current_document()
        why = may_view(self.actor, doc, bool(self.sources and self.sources.confidential)) if doc else "请先选择一份文书"
        self.view_button.setEnabled(not why and not self._busy)
        self.view_button.setToolTip(why or "查看这份文书；打印或另存时记为再次出具")
        has_offers = any(a.isEnabled() for a in self.menu.actions())
        self.issue_button.setEnabled(has_offers and not self._busy)
        self.issue_button.setToolTip("" if has_offers else "这张工单目前没有您可以出具的文书")

    def open_menu(self) -> None:
        if self._loading:
            self._menu_wanted = True
        elif self.issue_button.isEnabled():
            self.issue_button.showMenu()

    # issuing and looking ----------------------------------------------------

    def issue_offer(self, offer: Offer) -> None:
        if self.ticket_id is None or self._busy:
            return
        actor, ticket_id = self.actor, self.ticket_id
        self._set_busy(True, f"正在出具{offer.kind.label}…")
        self.runner.write(
            lambda: issue.issue(actor, offer.kind, ticket_id, case_id=offer.case_id,
                                assignment_id=offer.assignment_id, supervision_id=offer.supervision_id),
            self._issued, self._failed, owner=self)

    def _issued(self, done: Issued) -> None:
        self._set_busy(False)
        number = f"（{done.number}）" if done.number else ""
        self.changed.emit(f"已出具{done.kind.label}{number}")
        self.reload()
        self._open_preview(done, None)

    def view_current(self) -> None:
        doc = self.current_document()
        if doc is None or not self.view_button.isEnabled():
            return
        self._set_busy(True, "正在读取文书…")
        self.runner.read(lambda: issue.stored_content(self.actor, doc.id), lambda data: self._stored(doc, data),
                         self._failed, owner=self)

    def _stored(self, doc: Issued, data: bytes) -> None:
        self._set_busy(False)
        actor = self.actor
        self._open_preview(replace(doc, content=data), lambda: issue.reissue(actor, doc.id))

    def _open_preview(self, doc: Issued, reissue: Callable[[], Issued] | None) -> None:
        from desktop.documents.preview import DocumentPreview

        dialog = DocumentPreview(doc, self.runner, self, reissue=reissue)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.preview = dialog
        dialog.open()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, ValidationError):  # MissingData, TemplateProblem: what is missing, in words
            self._say(exc)
        else:
            show_error(self, exc)

    def _say(self, exc: BaseException) -> None:
        self._loading = self._menu_wanted = False
        if isinstance(exc, ValidationError):
            text = "\n".join(exc.fields.values())
        elif isinstance(exc, HotlineError):
            text = exc.message
        else:
            show_error(self, exc)
            return
        title = getattr(exc, "title", "")
        self.message.setText(f"{title}：{text}" if title else text)
        self.message.show()

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        if busy:
            theme.set_text_color(self.message, "#555")
            self.message.setText(text)
            self.message.show()
        else:
            theme.set_text_color(self.message, theme.ERROR)
            self.message.hide()
        self._update_buttons()

