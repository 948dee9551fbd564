"""调解与文书: complaints on the left (by mediation state, searchable), the chosen one on the right
with its mediation (desktop.mediation.case) and its documents (desktop.documents.panel).

The list pages from SQL (core.mediation.reads) as it is scrolled; every read and write runs
on the runner. Edits of a case not yet saved are asked about (保存 / 放弃 / 取消) before
another complaint is shown.
"""
from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.mediation import cases as mediation
from core.mediation import reads as mediation_reads
from core.errors import HotlineError
from core.mediation.reads import ComplaintRow, Complaint
from core.roles import Actor, Permission
from core.vocab import MediationOutcome
from desktop import theme
from desktop.widgets.forms import KeyButton
from desktop.documents.panel import DocumentsPanel
from desktop.errors import show_error
from desktop.widgets.inputs import ComboBox
from desktop.widgets.paged_model import PagedModel, PageReader
from desktop.mediation.case import CaseEditor
from desktop.worker import Runner, refresh_on_changes

STATE_COLORS = {"调解中": "#b36b00", "未调解": "#555555"}
KEY_HINT = ("快捷键：Ctrl+F 查找 · 列表中 Enter 进入调解 · Ctrl+N 开始调解 · Ctrl+S 保存 · Insert/F2/Delete 当事人 · Ctrl+R 登记调解 · "
            "Ctrl+E 结束调解 · Ctrl+I 出具文书 · F5 刷新")
DOCUMENT_KEY_HINT = "快捷键：Ctrl+F 查找 · ↓ 进入列表 · Ctrl+I 出具文书 · 文书列表中 Enter 预览 / 打印 · F5 刷新"


def short_state(r: ComplaintRow) -> str:
    """未调解 / 调解中 / 调解成功 …: the outcome says the mediation ended."""
    return MediationOutcome.label_of(r.outcome) if r.outcome else r.state


class ComplaintModel(PagedModel[ComplaintRow]):
    """Complaints a page at a time (limit/offset in SQL); a new filter starts a new generation."""

    HEADERS = ["投诉", "投诉人", "调解"]
    columns = HEADERS

    def __init__(self, actor: Actor, runner: Runner, page: int = mediation_reads.PAGE) -> None:
        super().__init__(runner, page)
        self.actor = actor
        self.state, self.text = "", ""

    def page_reader(self) -> PageReader:
        actor, state, text = self.actor, self.state, self.text
        return lambda offset, limit: mediation_reads.complaints_page(actor, state, text, offset, limit)

    def cursor_after(self, rows: list[ComplaintRow]) -> int:
        return len(rows)  # an offset

    def cell(self, r: ComplaintRow, col: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return [f"{r.number}\n{r.title}", f"{r.caller or '—'}\n{r.received_at[:10]}", f"{short_state(r)}\n{r.status}"][col]
        if role == Qt.ItemDataRole.ToolTipRole:
            return [f"{r.number}　{r.title}", f"{r.caller}　受理 {r.received_at}", f"{r.state}　工单{r.status}"][col]
        if role == Qt.ItemDataRole.ForegroundRole and col == 2:
            color = STATE_COLORS.get(r.state) or ("#2e7d32" if r.outcome == "success" else theme.ERROR)
            return QBrush(QColor(color))
        if role == Qt.ItemDataRole.ForegroundRole and r.closed:
            return QBrush(QColor("#777777"))  # 已办结: nothing left to mediate
        if role == Qt.ItemDataRole.UserRole:
            return r.ticket_id
        return None

    def set_filter(self, state: str, text: str) -> None:
        """The rows shown stay until the first page of the new filter replaces them."""
        self.state, self.text = state, text
        self.reread(self.page_size)

    def row_of(self, ticket_id: int | None) -> int | None:
        return next((i for i, r in enumerate(self.rows) if r.ticket_id == ticket_id), None)


class ComplaintPanel(QWidget):
    """The right side: the complaint, 开始调解 or its case, and its documents below."""

    acted = Signal(str)

    def __init__(self, actor: Actor, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor, self.runner = actor, runner
        self.complaint: Complaint | None = None
        self._asked = 0
        self.header = QLabel()
        self.header.setObjectName("complaintHeader")
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.content = QPlainTextEdit()
        self.content.setObjectName("complaintContent")
        self.content.setReadOnly(True)
        self.content.setTabChangesFocus(True)
        self.content.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.content.setFixedHeight(12 + 3 * self.content.fontMetrics().lineSpacing())
        self.open_button = KeyButton("开始调解 (Ctrl+N)")
        self.open_button.setObjectName("openCase")
        self.open_button.setStyleSheet(theme.PRIMARY_SHEET)
        self.open_button.clicked.connect(self.open_case)
        self.open_note = QLabel()
        self.open_note.setObjectName("openNote")
        self.open_note.setWordWrap(True)
        theme.set_text_color(self.open_note, "#555")
        open_row = QHBoxLayout()
        open_row.addWidget(self.open_button)
        open_row.addWidget(self.open_note, 1)
        self.editor = CaseEditor(actor, runner)
        self.editor.acted.connect(self._acted)
        self.documents = DocumentsPanel(actor, runner)
        self.documents.changed.connect(self.acted.emit)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 6, 0)
        top_layout.addWidget(self.header)
        top_layout.addWidget(self.content)
        top_layout.addWidget(self.editor)
        top_layout.addLayout(open_row)
        top_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(top)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(scroll)
        split.addWidget(self.documents)
        split.setStretchFactor(0, 1)
        split.setSizes([640, 140])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 0, 0)
        layout.addWidget(split)
        self.show_nothing()

    @property
    def ticket_id(self) -> int | None:
        return self.complaint.ticket_id if self.complaint else None

    def show_nothing(self, text: str = "在左侧选择一件投诉，这里显示它的调解和文书。") -> None:
        self._asked += 1
        self.complaint = None
        self.header.setText(f"<span style='color:#555'>{html.escape(text)}</span>")
        self.content.hide()
        self.open_button.hide()
        self.open_note.hide()
        self.editor.hide()
        self.documents.show_ticket(None)
        self.documents.setEnabled(False)

    def show_ticket(self, ticket_id: int) -> None:
        self._asked += 1
        asked, actor = self._asked, self.actor
        self.runner.read(lambda: mediation_reads.complaint(actor, ticket_id),
                         lambda c: asked == self._asked and self._show(c),
                         lambda exc: asked == self._asked and self._failed(exc), owner=self)
        if ticket_id != self.ticket_id:
            self.documents.show_ticket(ticket_id)

    def reload(self) -> None:
        if self.complaint is not None:
            self.show_ticket(self.complaint.ticket_id)
            self.documents.reload()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, HotlineError):
            self.show_nothing(exc.message)
        else:
            self.show_nothing("读取失败。")
            show_error(self, exc)

    def _show(self, c: Complaint) -> None:
        self.complaint = c
        masked = "　<span style='color:#8a6d3b'>（诉求人要求保密，已隐藏）</span>" if c.masked else ""
        facts = " · ".join(x for x in (f"受理 {c.received_at}", c.caller, f"被投诉：{c.reported_unit}"
                                       if c.reported_unit else "", c.address) if x)
        self.header.setText(
            f"<span style='font-size:16px'><b>{html.escape(c.number)}</b>　{html.escape(c.title)}</span><br>"
            f"<b>{html.escape(c.status)}</b>"
            + ("" if c.case and c.may_mediate else f" · 调解：<b>{html.escape(c.state)}</b>") + "　"
            f"<span style='color:#555'>{html.escape(facts)}</span>{masked}")
        self.content.setPlainText(c.content)
        case = c.case
        self.content.setVisible(case is None or not c.may_mediate)  # a case's 争议事实 starts from it
        self.open_button.setVisible(c.can_open)
        self.open_button.setText("再次调解 (Ctrl+N)" if case is not None else "开始调解 (Ctrl+N)")
        self.open_button.setStyleSheet("" if case is not None else theme.PRIMARY_SHEET)
        note = ""
        if c.can_open and case is None:
            note = "当事人从登记的投诉人和被投诉单位带入，可再修改。"
        elif c.can_open:
            note = "这次调解已结束，待中心负责人审核结案；确需重新调解的，可再次调解。"
        elif case is None and c.may_mediate:
            note = f"工单已{c.status}，不能再开始调解。" if c.closed else ""
        elif not c.may_mediate:
            note = "调解由调解员办理；这里可以出具和打印本工单的文书。"
        self.open_note.setText(note)
        self.open_note.setVisible(bool(note))
        if case is not None and c.may_mediate:
            self.editor.show_case(c, case)
            self.editor.show()
        else:
            self.editor.hide()
        self.documents.setEnabled(True)

    def open_case(self) -> None:
        c = self.complaint
        if c is None or not c.can_open or not self.open_button.isEnabled():
            return
        actor, ticket_id = self.actor, c.ticket_id
        self.open_button.setEnabled(False)

        def done(_case_id: int) -> None:
            self.open_button.setEnabled(True)
            self._acted(f"已开始调解工单 {c.number}")
            self.editor.facts.setFocus()

        def failed(exc: BaseException) -> None:
            self.open_button.setEnabled(True)
            show_error(self, exc)

        self.runner.write(lambda: mediation.open_case(actor, ticket_id), done, failed, owner=self)

    def _acted(self, message: str) -> None:
        self.acted.emit(message)
        self.reload()

    def dirty(self) -> bool:
        return self.complaint is not None and self.editor.isVisible() and self.editor.dirty()

    def focus_first(self) -> None:
        if self.open_button.isVisible() and self.open_button.isEnabled() and self.editor.isHidden():
            self.open_button.setFocus()
        elif self.editor.isVisible():
            self.editor.focus_first()
        else:
            self.documents.list.setFocus()


class MediationView(QWidget):
    """The 调解与文书 area, for users who mediate or issue documents."""

    notice = Signal(str)

    def __init__(self, actor: Actor, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        refresh_on_changes(self, runner, lambda c: c.tickets, self.refresh)
        self.actor, self.runner = actor, runner
        self.model = ComplaintModel(actor, runner)
        self.panel = ComplaintPanel(actor, runner)
        self.panel.acted.connect(self._acted)
        self._wanted: int | None = None

        self.state = ComboBox()
        self.state.setObjectName("stateFilter")
        for code, label in mediation_reads.STATES.items():
            self.state.addItem(label, code)
        self.search = QLineEdit()
        self.search.setObjectName("complaintSearch")
        self.search.setPlaceholderText("工单编号、标题或投诉人（Ctrl+F）")
        self.search.setClearButtonEnabled(True)
        self.count = QLabel()
        self.count.setObjectName("complaintCount")
        theme.small(self.count)
        self.table = QTableView()
        self.table.setObjectName("complaints")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(44)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(1, 92)
        self.table.setColumnWidth(2, 78)
        self.table.selectionModel().currentRowChanged.connect(lambda current, previous: self._row_changed(current, previous))
        self.refresh_button = KeyButton("刷新 (F5)")
        self.refresh_button.clicked.connect(self.refresh)
        filters = QHBoxLayout()
        filters.addWidget(self.state)
        filters.addWidget(self.search, 1)
        filters.addWidget(self.refresh_button)
        hint = QLabel((KEY_HINT if actor.can(Permission.MEDIATE) else DOCUMENT_KEY_HINT)
                      + (" · Ctrl+Shift+E 审核结案" if actor.can(Permission.MEDIATION_CLOSE) else ""))
        hint.setWordWrap(True)
        theme.small(hint)
        theme.set_text_color(hint, "#666")

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.count)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(hint)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.panel)
        split.setStretchFactor(1, 1)
        split.setSizes([340, 790])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(split)

        self._search_timer = QTimer(self, singleShot=True, interval=300)
        self._search_timer.timeout.connect(self.apply)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self.apply)
        self.state.activated.connect(lambda _i: self.apply())
        self.model.loaded.connect(self._loaded)
        self.model.failed.connect(lambda exc: self.count.setText(getattr(exc, "message", "读取失败。")))
        editor = self.panel.editor
        for keys, slot in (("Ctrl+F", self._focus_search), ("F5", self.refresh), ("Ctrl+N", self.panel.open_case),
                           ("Ctrl+S", editor.save), ("Ctrl+R", editor.add_session), ("Ctrl+E", editor.conclude),
                           ("Ctrl+Shift+E", editor.close_complaint)):
            QShortcut(QKeySequence(keys), self, activated=lambda s=slot: s(),
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.panel.documents.install_keys(self)
        QShortcut(QKeySequence(Qt.Key.Key_Down), self.search, activated=self.table.setFocus,
                  context=Qt.ShortcutContext.WidgetShortcut)
        QShortcut(QKeySequence(Qt.Key.Key_Return), self.table, activated=self.panel.focus_first,
                  context=Qt.ShortcutContext.WidgetShortcut)
        self.apply()

    # the list ---------------------------------------------------------------

    def apply(self) -> None:
        self._search_timer.stop()
        self.count.setText("正在查询…")
        self.model.set_filter(self.state.currentData(), self.search.text())
        actor, state, text = self.actor, self.state.currentData(), self.search.text()
        self.runner.read(lambda: mediation_reads.complaints_count(actor, state, text), self._counted,
                         lambda exc: None, owner=self)

    def _counted(self, n: int) -> None:
        shown = f"超过 {mediation_reads.COUNT_CAP:,}" if n >= mediation_reads.COUNT_CAP else f"{n:,}"
        self.count.setText(f"共 {shown} 件投诉" + ("" if n else "：没有符合条件的投诉。"))

    def refresh(self) -> None:
        self.model.refresh()
        self.panel.reload()

    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    focus_start = _focus_search  # arriving in the area: find the complaint (main_window.focus_start)

    def _loaded(self, _rows: int, _more: bool) -> None:
        """Keep the row of the complaint shown (or asked for); else the first one, if nothing is shown."""
        wanted = self._wanted or self.panel.ticket_id
        row = self.model.row_of(wanted)
        self.table.selectionModel().blockSignals(True)
        if row is not None:
            self.table.selectRow(row)
        self.table.selectionModel().blockSignals(False)
        if row is None and wanted is None and self.model.rows:
            self.table.selectRow(0)  # shows it through _row_changed

    def _row_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        ticket_id = self.model.data(current, Qt.ItemDataRole.UserRole) if current.isValid() else None
        if ticket_id is None or ticket_id == self.panel.ticket_id:
            return
        self.show_ticket(ticket_id)

    def show_ticket(self, ticket_id: int) -> None:
        """Another complaint; edits not yet saved are asked about first."""
        if ticket_id == self.panel.ticket_id:
            return
        if self.panel.dirty():
            answer = QMessageBox.question(
                self, "保存修改？", "这件调解的争议事实、投诉请求或当事人有修改尚未保存。\n保存后再切换吗？",
                QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel)
            if answer == QMessageBox.StandardButton.Cancel:
                self._reselect_shown()
                return
            if answer == QMessageBox.StandardButton.Save:
                self.panel.editor.save(then=lambda: self._switch(ticket_id), failed=self._reselect_shown)
                return
        self._switch(ticket_id)

    def _switch(self, ticket_id: int) -> None:
        self._wanted = ticket_id
        self.panel.show_ticket(ticket_id)
        row = self.model.row_of(ticket_id)
        if row is not None and self.table.currentIndex().row() != row:
            self.table.selectionModel().blockSignals(True)
            self.table.selectRow(row)
            self.table.selectionModel().blockSignals(False)

    def _reselect_shown(self) -> None:
        row = self.model.row_of(self.panel.ticket_id)
        self.table.selectionModel().blockSignals(True)
        if row is not None:
            self.table.selectRow(row)
        else:
            self.table.clearSelection()
        self.table.selectionModel().blockSignals(False)

    def _acted(self, message: str) -> None:
        self.notice.emit(message)
        self.model.refresh()

    def dirty(self) -> bool:
        return self.panel.dirty()
