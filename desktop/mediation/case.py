"""One complaint in the 调解与文书 area: what it is, its mediation (12365 6.3.5.2.2), its documents.

The case editor holds 争议事实, 投诉请求 and the parties as typed until 保存 (Ctrl+S) hands them
to core.mediation.cases.save_case; a refused save marks the rows and fields it names
(``parties.N.field``) and keeps every value. Sessions, the end and the head's close are
dialogs (desktop.mediation.dialogs) that save at once.
"""
from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core import clock
from core.mediation import cases as mediation
from core.errors import ValidationError
from core.mediation.cases import Case, PartyInput
from core.mediation.reads import Complaint
from core.roles import Actor
from core.vocab import MediationOutcome, PartyKind, PartySide, RepresentativeRole
from desktop import theme
from desktop.widgets.forms import KeyButton, text_box
from desktop.errors import show_error
from desktop.mediation.dialogs import PARTY_FIELDS, CloseDialog, ConcludeDialog, PartyDialog, SessionDialog
from desktop.worker import Runner

PARTY_COLUMNS = [("当事人", 66), ("类型", 40), ("姓名或名称", 128), ("性别", 38), ("证件号码", 152), ("电话", 102),
                 ("地址", 0), ("代理人", 58), ("代理人身份", 80)]  # 地址 takes what is left
BAD_CELL = QColor("#fde2e0")


def party_cells(p: PartyInput) -> list[str]:
    return [PartySide.label_of(p.side), PartyKind.label_of(p.kind), p.name, p.gender, p.id_number, p.phone, p.address,
            p.representative, RepresentativeRole.label_of(p.representative_role)]


def as_input(p: mediation.Party) -> PartyInput:
    return PartyInput(p.side, p.kind, p.name, p.gender, p.id_number, p.phone, p.address, p.representative,
                      p.representative_role)


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def _error_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    theme.set_text_color(label, theme.ERROR)
    theme.small(label)
    label.hide()
    return label


class PartiesTable(QTableWidget):
    """The parties as typed, with the problems a refused save found in each row."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(PARTY_COLUMNS), parent)
        self.setObjectName("parties")
        self.setHorizontalHeaderLabels([c for c, _w in PARTY_COLUMNS])
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.setTabKeyNavigation(False)  # Tab leaves the table, as in a form
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for col, (_c, width) in enumerate(PARTY_COLUMNS):
            if width:
                self.setColumnWidth(col, width)
            else:
                header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
                header.setMinimumSectionSize(36)
        self.parties: list[PartyInput] = []
        self.problems: list[dict[str, str]] = []

    def set_parties(self, parties: list[PartyInput]) -> None:
        self.parties = list(parties)
        self.problems = [{} for _ in parties]
        self._fill()

    def put(self, row: int | None, party: PartyInput) -> None:
        """Replace row ``row`` (None: add at the end); a changed row has no known problems."""
        if row is None:
            self.parties.append(party)
            self.problems.append({})
            row = len(self.parties) - 1
        else:
            self.parties[row] = party
            self.problems[row] = {}
        self._fill()
        self.selectRow(row)

    def remove(self, row: int) -> None:
        del self.parties[row]
        del self.problems[row]
        self._fill()
        if self.parties:
            self.selectRow(min(row, len(self.parties) - 1))

    def set_problems(self, problems: list[dict[str, str]]) -> None:
        self.problems = problems
        self._fill()

    def current(self) -> int | None:
        row = self.currentRow()
        return row if 0 <= row < len(self.parties) else None

    def _fill(self) -> None:
        self.setRowCount(len(self.parties))
        for row, (party, problems) in enumerate(zip(self.parties, self.problems)):
            for col, text in enumerate(party_cells(party)):
                item = QTableWidgetItem(text)
                field = PARTY_FIELDS[col]
                if field in problems:
                    item.setBackground(QBrush(BAD_CELL))
                    item.setForeground(QBrush(QColor(theme.ERROR)))  # seen on a selected row too
                    item.setToolTip(problems[field])
                elif text:
                    item.setToolTip(text)
                self.setItem(row, col, item)
            if problems and not any(f in problems for f in PARTY_FIELDS):
                self.item(row, 2).setBackground(QBrush(BAD_CELL))


class CaseEditor(QWidget):
    """The mediation of one complaint, open (editable) or concluded (read)."""

    acted = Signal(str)  # something was saved: the notice; the complaint is read again

    def __init__(self, actor: Actor, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.runner = runner
        self.case: Case | None = None
        self.complaint: Complaint | None = None
        self._loaded: tuple = ()
        self._saving = False
        self.dialog: QWidget | None = None

        self.state = QLabel()
        self.state.setObjectName("caseState")
        self.state.setTextFormat(Qt.TextFormat.RichText)
        self.state.setWordWrap(True)
        self.facts = text_box("争议的经过：时间、地点、双方的说法", lines=4)
        self.facts.setObjectName("facts")
        self.request = text_box("投诉人请求什么：退款、赔偿、整改、道歉……", lines=4)
        self.request.setObjectName("request")
        self.facts_error = _error_label("error_facts")
        self.request_error = _error_label("error_request")
        texts = QGridLayout()
        texts.addWidget(_caption("争议事实"), 0, 0)
        texts.addWidget(_caption("投诉请求"), 0, 1)
        texts.addWidget(self.facts, 1, 0)
        texts.addWidget(self.request, 1, 1)
        texts.addWidget(self.facts_error, 2, 0)
        texts.addWidget(self.request_error, 2, 1)
        texts.setColumnStretch(0, 3)
        texts.setColumnStretch(1, 2)

        self.parties_caption = _caption("当事人")
        self.add_party = KeyButton("添加 (Insert)")
        self.add_party.setObjectName("addParty")
        self.edit_party = KeyButton("修改 (F2)")
        self.edit_party.setObjectName("editParty")
        self.remove_party = KeyButton("删除 (Delete)")
        self.remove_party.setObjectName("removeParty")
        self.add_party.clicked.connect(lambda: self.open_party(None))
        self.edit_party.clicked.connect(lambda: self.open_party(self.table.current()))
        self.remove_party.clicked.connect(self.remove_current_party)
        party_bar = QHBoxLayout()
        party_bar.addWidget(self.parties_caption)
        party_bar.addStretch(1)
        for button in (self.add_party, self.edit_party, self.remove_party):
            party_bar.addWidget(button)
        self.table = PartiesTable()
        rows = self.table.verticalHeader().defaultSectionSize()
        self.table.setMinimumHeight(28 + 2 * rows)
        self.table.setMaximumHeight(32 + 4 * rows)
        self.table.itemActivated.connect(lambda *_: self.open_party(self.table.current()))
        self.table.itemSelectionChanged.connect(self._update_buttons)
        for keys, slot in (("Insert", lambda: self.open_party(None)), ("F2", lambda: self.open_party(self.table.current())),
                           ("Delete", self.remove_current_party)):
            QShortcut(QKeySequence(keys), self.table, activated=slot, context=Qt.ShortcutContext.WidgetShortcut)
        self.party_errors = _error_label("partyErrors")

        self.sessions_caption = _caption("调解记录")
        self.session_button = KeyButton("登记调解… (Ctrl+R)")
        self.session_button.setObjectName("addSession")
        self.session_button.clicked.connect(self.add_session)
        session_bar = QHBoxLayout()
        session_bar.addWidget(self.sessions_caption)
        session_bar.addStretch(1)
        session_bar.addWidget(self.session_button)
        self.sessions = QTreeWidget()
        self.sessions.setObjectName("sessions")
        self.sessions.setHeaderLabels(["时间", "地点", "调解人员", "调解记录"])
        self.sessions.setRootIsDecorated(False)
        self.sessions.setAlternatingRowColors(True)
        self.sessions.setWordWrap(True)
        self.sessions.setMinimumHeight(64)
        self.sessions.setMaximumHeight(150)
        for col, width in enumerate((132, 110, 120)):
            self.sessions.setColumnWidth(col, width)

        self.outcome_caption = _caption("调解协议内容")
        self.outcome_text = QPlainTextEdit()
        self.outcome_text.setObjectName("outcomeText")
        self.outcome_text.setReadOnly(True)
        self.outcome_text.setTabChangesFocus(True)
        self.outcome_text.setFixedHeight(12 + 3 * self.outcome_text.fontMetrics().lineSpacing())

        self.status = QLabel()
        self.status.setObjectName("caseStatus")
        self.status.setWordWrap(True)
        self.save_button = KeyButton("保存 (Ctrl+S)")
        self.save_button.setObjectName("saveCase")
        self.save_button.setStyleSheet(theme.PRIMARY_SHEET)
        self.save_button.clicked.connect(lambda: self.save())
        self.conclude_button = KeyButton("结束调解… (Ctrl+E)")
        self.conclude_button.setObjectName("concludeCase")
        self.conclude_button.clicked.connect(self.conclude)
        self.close_button = KeyButton("审核结案… (Ctrl+Shift+E)")
        self.close_button.setObjectName("closeComplaint")
        self.close_button.clicked.connect(self.close_complaint)
        bar = QHBoxLayout()  # on top, so 保存 and what a save said are in sight however long the case
        bar.addWidget(self.state, 1)
        for button in (self.save_button, self.conclude_button, self.close_button):
            bar.addWidget(button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addWidget(self.outcome_caption)
        layout.addWidget(self.outcome_text)
        layout.addLayout(texts)
        layout.addLayout(party_bar)
        layout.addWidget(self.table)
        layout.addWidget(self.party_errors)
        layout.addLayout(session_bar)
        layout.addWidget(self.sessions)
        layout.addStretch(1)
        for box in (self.facts, self.request):
            box.textChanged.connect(self._update_buttons)

    # showing ----------------------------------------------------------------

    @property
    def editable(self) -> bool:
        return self.case is not None and self.case.is_open and self.actor_may_mediate

    @property
    def actor_may_mediate(self) -> bool:
        return self.complaint is not None and self.complaint.may_mediate

    def show_case(self, complaint: Complaint, case: Case) -> None:
        """The case as read; the same case read again (a session added, F5) keeps what was typed."""
        keep = None
        if self.case is not None and self.case.id == case.id and case.is_open and self.dirty():
            keep = (self.facts.toPlainText(), self.request.toPlainText(), list(self.table.parties),
                    list(self.table.problems), self.status.text())
        self.complaint, self.case = complaint, case
        mediator = f" · 调解员 {html.escape(case.mediator)}" if case.mediator else ""
        if case.is_open:
            state = f"<b>调解中</b>{mediator} · {clock.display(case.opened_at)} 开始"
        else:
            color = "#2e7d32" if case.outcome == MediationOutcome.SUCCESS.value else theme.ERROR
            state = (f"<b style='color:{color}'>已结束：{MediationOutcome.label_of(case.outcome)}</b>{mediator}"
                     f" · {clock.display(case.concluded_at)} 结束")
        self.state.setText(state)
        self.facts.setPlainText(case.facts)
        self.request.setPlainText(case.request)
        self.table.set_parties([as_input(p) for p in case.parties])
        if case.parties:
            self.table.selectRow(0)
        self.sessions.clear()
        for s in case.sessions:
            first = s.record.splitlines()[0] if s.record else ""
            item = QTreeWidgetItem(self.sessions, [clock.display(s.at), s.place, s.mediators, first])
            item.setToolTip(3, s.record)
        self.sessions_caption.setText(f"调解记录（{len(case.sessions)}）")
        success = case.outcome == MediationOutcome.SUCCESS.value
        self.outcome_caption.setText("调解协议内容" if success else "终止调解的理由" if case.outcome else "")
        self.outcome_text.setPlainText(case.agreement if success else case.termination_reason)
        for widget in (self.outcome_caption, self.outcome_text):
            widget.setVisible(not case.is_open)
        for box in (self.facts, self.request):
            box.setReadOnly(not self.editable)
        for widget in (self.add_party, self.edit_party, self.remove_party, self.session_button, self.save_button,
                       self.conclude_button):
            widget.setVisible(self.editable)
        self.close_button.setVisible(complaint.can_close)
        self.clear_marks()
        self._say("")
        self._loaded = self.snapshot()
        if keep is not None:
            facts, request, parties, problems, status = keep
            self.facts.setPlainText(facts)
            self.request.setPlainText(request)
            self.table.parties = parties
            self.table.set_problems(problems)
            self._show_party_errors()
            self._say(status)
        self._update_buttons()

    def focus_first(self) -> None:
        """Enter on the list: the first thing to work on."""
        if self.editable:
            self.facts.setFocus()
        else:
            self.table.setFocus()

    def snapshot(self) -> tuple:
        return (self.facts.toPlainText(), self.request.toPlainText(), tuple(map(repr, self.table.parties)))

    def dirty(self) -> bool:
        return self.editable and self.snapshot() != self._loaded

    def _update_buttons(self) -> None:
        has_row = self.table.current() is not None
        self.edit_party.setEnabled(has_row)
        self.remove_party.setEnabled(has_row)
        self.parties_caption.setText(f"当事人（{len(self.table.parties)}）")
        self.save_button.setEnabled(not self._saving)
        self.save_button.setText("保存 (Ctrl+S)" + (" *" if self.dirty() else ""))

    # parties ----------------------------------------------------------------

    def open_party(self, row: int | None) -> None:
        if not self.editable:
            return
        party = self.table.parties[row] if row is not None else None
        problems = self.table.problems[row] if row is not None else None
        dialog = PartyDialog(self.runner, party, problems, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: dialog.party and self._party_done(row, dialog.party))
        self.dialog = dialog
        dialog.open()

    def _party_done(self, row: int | None, party: PartyInput) -> None:
        self.table.put(row, party)
        self._show_party_errors()
        self._update_buttons()
        self.table.setFocus()

    def remove_current_party(self) -> None:
        row = self.table.current()
        if row is None or not self.editable:
            return
        self.table.remove(row)
        self._show_party_errors()
        self._update_buttons()

    # saving -----------------------------------------------------------------

    def save(self, then: Callable[[], None] | None = None, failed: Callable[[], None] | None = None) -> None:
        if not self.editable or self._saving or self.case is None:
            return
        actor, case_id = self.actor, self.case.id
        facts, request, parties = self.facts.toPlainText(), self.request.toPlainText(), list(self.table.parties)
        self._saving = True
        self.clear_marks()
        self._say("正在保存…", "#555")
        self._update_buttons()

        def done(_result: object) -> None:
            self._saving = False
            self._loaded = self.snapshot()  # what was saved is what is typed; the reload confirms it
            self.acted.emit("已保存调解的争议事实、投诉请求和当事人")
            if then is not None:
                then()

        def refused(exc: BaseException) -> None:
            self._saving = False
            self._update_buttons()
            self._refused(exc)
            if failed is not None:
                failed()

        self.runner.write(lambda: mediation.save_case(actor, case_id, facts, request, parties), done, refused,
                          owner=self)

    def clear_marks(self) -> None:
        for label, box in ((self.facts_error, self.facts), (self.request_error, self.request)):
            label.hide()
            theme.mark_invalid(box, False)
        self.table.set_problems([{} for _ in self.table.parties])
        self.party_errors.hide()

    def _refused(self, exc: BaseException) -> None:
        if not isinstance(exc, ValidationError):
            self._say("未保存，填写的内容仍在。")
            show_error(self, exc)
            return
        rows: list[dict[str, str]] = [{} for _ in self.table.parties]
        loose = []
        for key, message in exc.fields.items():
            if key in ("facts", "request"):
                label, box = (self.facts_error, self.facts) if key == "facts" else (self.request_error, self.request)
                label.setText(message)
                label.show()
                theme.mark_invalid(box, True)
                continue
            head, _, rest = key.partition(".")
            index, _, field = rest.partition(".")
            if head == "parties" and index.isdigit() and int(index) < len(rows):
                rows[int(index)][field] = message
            else:
                loose.append(message)
        self.table.set_problems(rows)
        self._show_party_errors()
        marked = sum(map(len, rows)) + sum(k in ("facts", "request") for k in exc.fields)
        self._say("；".join(loose) if loose else f"未保存：{marked} 处需要修改，已在对应位置标出。")
        bad = next((i for i, r in enumerate(rows) if r), None)
        if bad is not None:
            self.table.selectRow(bad)
            self.table.setFocus()

    def _say(self, text: str, color: str = theme.ERROR) -> None:
        theme.set_text_color(self.status, color)
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def _show_party_errors(self) -> None:
        messages = [m for row in self.table.problems for m in row.values()]
        self.party_errors.setText("\n".join(messages) + ("\n选中该行按 F2 修改。" if messages else ""))
        self.party_errors.setVisible(bool(messages))

    # the steps that save at once --------------------------------------------

    def _open(self, dialog: QWidget) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self.acted.emit)  # type: ignore[attr-defined]
        self.dialog = dialog
        dialog.open()  # type: ignore[attr-defined]

    def add_session(self) -> None:
        if self.editable and self.case is not None:
            self._open(SessionDialog(self.actor, self.runner, self.case.id, self))

    def conclude(self) -> None:
        if not self.editable or self.case is None:
            return
        if self.dirty():
            self._say("争议事实或当事人有未保存的修改：请先保存（Ctrl+S），再结束调解。")
            return
        self._open(ConcludeDialog(self.actor, self.runner, self.case.id, self))

    def close_complaint(self) -> None:
        if self.complaint is not None and self.complaint.can_close and self.case is not None:
            self._open(CloseDialog(self.actor, self.runner, self.case.id, self.case.outcome, self))
