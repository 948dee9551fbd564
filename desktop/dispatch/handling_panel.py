"""One ticket's handling: what it is, each unit's part with its clocks, supervision and the timeline.

The buttons are those of the steps this user may take (core.dispatch.reads.ACTION_RIGHTS);
each is enabled only when the selected unit's status allows it, with a tooltip saying
why not. Steps open a dialog (desktop.dispatch.dialogs, desktop.dispatch.steps); when it
saves, ``acted`` carries the notice and the panel reads the ticket again.
"""
from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core import clock
from core.dispatch import reads as handling_reads
from core.errors import HotlineError
from core.dispatch.reads import ACTION_RIGHTS, AssignmentView, Handling
from core.roles import Actor, Permission
from desktop import theme
from desktop.widgets.forms import KeyButton, done_color, due_color, due_html, due_text
from desktop.errors import show_error
from desktop.worker import Runner

ID_ROLE = Qt.ItemDataRole.UserRole

# key, button text, shortcut (set by the area), why it may be disabled
TICKET_STEPS = [
    ("dispatch", "派单", "Ctrl+D", "只有待派单的工单可以派单"),
    ("accept", "决定受理", "Ctrl+D", "只有 12365 待决定受理的投诉、举报需要决定受理"),
    ("supervise", "督办", "Ctrl+U", "已办结的工单无需督办"),
]
UNIT_STEPS = [
    ("sign_off", "签收", "Ctrl+K", "请选择一个待签收的承办单位"),
    ("feedback", "反馈", "Ctrl+R", "请选择一个已签收、办理中的承办单位"),
    ("progress", "办理进展", "Ctrl+P", "请选择一个办理中的承办单位"),
    ("extension", "延期申请", "Ctrl+E", "请选择一个办理中、没有待审批延期的承办单位"),
    ("return", "退单", "Ctrl+B", "请选择一个待签收或办理中的承办单位"),
    ("review_feedback", "反馈审核", "Ctrl+Shift+R", "请选择一个已反馈待审核的承办单位"),
    ("decide_extension", "延期审批", "Ctrl+Shift+E", "请选择一个有延期申请待审批的承办单位"),
    ("decide_return", "退单审核", "Ctrl+Shift+B", "请选择一个申请退单的承办单位"),
]
# One key per step; Ctrl+D is 派单, or 决定受理 where that is the step due (``trigger``).
SHORTCUTS = {key: keys for key, _t, keys, _w in TICKET_STEPS + UNIT_STEPS if key != "accept"}


def _tree(headers: list[str], widths: tuple[int, ...], name: str) -> QTreeWidget:
    tree = QTreeWidget()
    tree.setObjectName(name)
    tree.setHeaderLabels(headers)
    tree.setRootIsDecorated(False)
    tree.setAlternatingRowColors(True)
    tree.setWordWrap(True)
    for col, width in enumerate(widths):
        tree.setColumnWidth(col, width)
    return tree


class HandlingPanel(QWidget):
    acted = Signal(str)  # a step was saved: the notice for the status bar

    def __init__(self, actor: Actor, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.runner = runner
        self.handling: Handling | None = None
        self._asked = 0
        self._wanted: tuple[int, int | None] | None = None

        self.header = QLabel("在左侧选择一张工单，这里显示它的办理情况。")
        self.header.setObjectName("handlingHeader")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.content = QPlainTextEdit()
        self.content.setObjectName("ticketContent")
        self.content.setReadOnly(True)
        self.content.setTabChangesFocus(True)
        self.content.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # Tab goes from the list to the steps
        self.content.setFixedHeight(64)

        self.buttons: dict[str, KeyButton] = {}
        self.reasons: dict[str, str] = {}
        self.keys: dict[str, str] = {}
        ticket_bar = QHBoxLayout()
        for key, text, keys, why in TICKET_STEPS:
            if self._button(key, text, keys, why):
                ticket_bar.addWidget(self.buttons[key])
        ticket_bar.addStretch(1)

        self.assignments = _tree(["承办单位", "角色", "状态", "签收时限", "反馈时限"], (124, 38, 100, 122),
                                 "assignments")
        self.assignments.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.assignments.currentItemChanged.connect(lambda *_: self._assignment_changed())
        self.assignments.setMinimumHeight(70)
        self.assignments.setMaximumHeight(136)
        self.detail = QTextBrowser()
        self.detail.setObjectName("assignmentDetail")
        self.detail.setMinimumHeight(64)  # room for the window on a 1366×768 screen, or 1920×1080 at 150 %
        unit_grid = QGridLayout()
        placed = 0
        for key, text, keys, why in UNIT_STEPS:
            if self._button(key, text, keys, why):
                unit_grid.addWidget(self.buttons[key], placed // 4, placed % 4)
                placed += 1
        shown = [f"{keys} {text}" for key, text, keys, _w in TICKET_STEPS + UNIT_STEPS
                 if key in self.buttons and key != "accept" and "Shift" not in keys]
        shifted = any("Shift" in keys for key, _t, keys, _w in UNIT_STEPS if key in self.buttons)
        documents = any(actor.can(p) for p in (Permission.DOCUMENT_ISSUE, Permission.DISPATCH, Permission.SUPERVISE))
        self.key_hint = QLabel("快捷键：" + " · ".join(shown + (["加 Shift 为相应的审核"] if shifted else [])
                                                     + (["Ctrl+I 出具文书"] if documents else []) + ["F5 刷新"]))
        self.key_hint.setWordWrap(True)
        theme.small(self.key_hint)
        theme.set_text_color(self.key_hint, "#666")
        if not self.buttons:  # not setVisible(True): a label not yet placed would open as a window of its own
            self.key_hint.hide()

        self.timeline = _tree(["时间", "环节", "经办人", "说明"], (126, 76, 64), "timeline")
        self.supervisions = _tree(["时间", "督办方式", "单位", "内容", "答复"], (126, 76, 110, 200), "supervisions")
        self.supervisions.currentItemChanged.connect(lambda *_: self._update_buttons())
        supervision_page = QWidget()
        supervision_layout = QVBoxLayout(supervision_page)
        supervision_layout.setContentsMargins(0, 4, 0, 0)
        supervision_layout.addWidget(self.supervisions, 1)
        if self._button("answer_supervision", "督办答复", "", "请选择一条尚未答复的督办记录"):
            row = QHBoxLayout()
            row.addWidget(self.buttons["answer_supervision"])
            row.addStretch(1)
            supervision_layout.addLayout(row)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.timeline, "办理经过")
        self.tabs.addTab(supervision_page, "督办记录")
        self.documents = None
        if documents:
            # 文书: the dispatch and supervision notices to print, the work order, the archive form
            from desktop.documents.panel import DocumentsPanel

            self.documents = DocumentsPanel(actor, runner)
            self.documents.in_tab()
            self.documents.counted.connect(lambda n: self.tabs.setTabText(2, f"文书（{n}）"))
            self.documents.changed.connect(self._acted)
            self.tabs.addTab(self.documents, "文书")
            self.tabs.currentChanged.connect(lambda _i: self._documents_wanted())
            QShortcut(QKeySequence("Ctrl+I"), self, activated=self.open_documents_menu,
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.header)
        top_layout.addWidget(self.content)
        top_layout.addLayout(ticket_bar)
        top_layout.addWidget(self.assignments, 2)
        top_layout.addLayout(unit_grid)
        top_layout.addWidget(self.key_hint)
        top_layout.addWidget(self.detail, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.tabs)
        split.setSizes([520, 220])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 0, 0)
        layout.addWidget(split)
        self._show_nothing()

    def _button(self, key: str, text: str, keys: str, why: str) -> bool:
        if not self.actor.can(ACTION_RIGHTS[key]):
            return False  # a step this user may never take is not shown at all
        button = KeyButton(text)
        button.setObjectName(f"step_{key}")
        self.keys[key] = f"{text}（{keys}）" if keys else text
        button.clicked.connect(lambda _c=False, k=key: self.open_step(k))
        self.buttons[key] = button
        self.reasons[key] = why
        return True

    # reading --------------------------------------------------------------

    @property
    def ticket_id(self) -> int | None:
        return self.handling.ticket_id if self.handling else None

    @property
    def asked_ticket_id(self) -> int | None:
        """The ticket shown or on its way (read on the runner)."""
        return self._wanted[0] if self._wanted else None

    def show_ticket(self, ticket_id: int | None, assignment_id: int | None = None) -> None:
        if ticket_id is None:
            self._show_nothing()
            return
        self._asked += 1
        asked = self._asked
        self._wanted = (ticket_id, assignment_id)
        self.runner.read(lambda: handling_reads.handling_of(self.actor, ticket_id),
                         lambda h: asked == self._asked and self._show(h, assignment_id),
                         lambda exc: asked == self._asked and self._failed(exc), owner=self)

    def reload(self) -> None:
        if self.handling is not None:
            self.show_ticket(self.handling.ticket_id, self.current_assignment_id())

    def _failed(self, exc: BaseException) -> None:
        self._show_nothing()
        if isinstance(exc, HotlineError):
            self.header.setText(html.escape(exc.message))
        else:
            show_error(self, exc)

    def _show_nothing(self) -> None:
        self.handling = None
        self._wanted = None
        self.header.setText("在左侧选择一张工单，这里显示它的办理情况。")
        for widget in (self.content, self.assignments, self.detail, self.timeline, self.supervisions):
            widget.clear()
        if self.documents is not None:
            self.documents.show_ticket(None)
        self._update_buttons()

    def _show(self, h: Handling, assignment_id: int | None) -> None:
        self.handling = h
        urgent = f" <span style='color:{theme.ERROR}'><b>{html.escape(h.urgency)}</b></span>" if h.urgent else ""
        facts = " · ".join(x for x in (f"受理 {h.received_at}", h.hotline, h.topic, h.caller, h.address) if x)
        clocks = "　".join(f"{m.stage_label}时限 {due_html(m)}" for m in h.clocks)
        masked = "　<span style='color:#8a6d3b'>（诉求人要求保密，已隐藏）</span>" if h.masked else ""
        self.header.setText(
            f"<span style='font-size:16px'><b>{html.escape(h.number)}</b>　{html.escape(h.title)}</span>{urgent}<br>"
            f"<b>{html.escape(h.status_label)}</b>　<span style='color:#555'>{html.escape(facts)}</span>{masked}"
            + (f"<br>{clocks}" if clocks else ""))
        self.content.setPlainText(h.content)
        self._fill_assignments(h, assignment_id)
        self._fill_history(h)
        self._assignment_changed()
        if self.documents is not None:
            self.tabs.setTabText(2, "文书")
            self._documents_wanted()  # a step may have made a notice issuable

    def _fill_assignments(self, h: Handling, assignment_id: int | None) -> None:
        self.assignments.blockSignals(True)
        self.assignments.clear()
        chosen = None
        for a in h.assignments:
            waiting = a.waiting_extension
            status = a.status_label + ("·延期待批" if waiting else "")
            item = QTreeWidgetItem(self.assignments, [a.unit, a.role_label, status,
                                                      due_text(a.sign_off, False), due_text(a.feedback_due, False)])
            item.setData(0, ID_ROLE, a.id)
            item.setToolTip(0, a.unit)
            if waiting:
                item.setToolTip(2, f"申请延期至 {waiting.until}：{waiting.reason}")
            for col, mark in ((3, a.sign_off), (4, a.feedback_due)):
                color = due_color(mark) or done_color(mark)
                if color:
                    item.setForeground(col, QBrush(QColor(color)))
                if mark is not None:
                    item.setToolTip(col, "\n".join(x for x in (due_text(mark), mark.provisional_note) if x))
            if a.id == assignment_id or (chosen is None and assignment_id is None):
                chosen = item
        if not h.assignments:
            QTreeWidgetItem(self.assignments, ["尚未派单", "", "", "", ""]).setDisabled(True)
        self.assignments.setCurrentItem(chosen)
        self.assignments.blockSignals(False)

    def _fill_history(self, h: Handling) -> None:
        self.timeline.clear()
        for entry in reversed(h.timeline):  # the newest first
            item = QTreeWidgetItem(self.timeline, [entry.at, entry.kind, entry.actor, entry.summary])
            item.setToolTip(3, entry.summary)
        self.supervisions.clear()
        for s in h.supervisions:
            answer = f"{clock.display(s.answered_at)} {s.answer}" if s.answer else "未答复"
            item = QTreeWidgetItem(self.supervisions, [clock.display(s.at), s.kind_label, s.unit, s.content, answer])
            item.setData(0, ID_ROLE, s.id)
            for col in (3, 4):
                item.setToolTip(col, item.text(col))
        self.tabs.setTabText(0, f"办理经过（{len(h.timeline)}）")
        self.tabs.setTabText(1, f"督办记录（{len(h.supervisions)}）")

    # the selected unit ----------------------------------------------------

    def current_assignment_id(self) -> int | None:
        item = self.assignments.currentItem()
        return item.data(0, ID_ROLE) if item is not None else None

    def current_assignment(self) -> AssignmentView | None:
        return self.handling.assignment(self.current_assignment_id()) if self.handling else None

    def _assignment_changed(self) -> None:
        a = self.current_assignment()
        if a is not None:
            self.detail.setHtml(self._detail_html(a))
        elif self.handling is not None:
            self.detail.setHtml("<span style='color:#777'>派单后，这里显示所选承办单位的派单意见、签收、"
                                "延期申请和反馈内容。</span>")
        else:
            self.detail.clear()
        self._update_buttons()

    def _detail_html(self, a: AssignmentView) -> str:
        rows = [f"<b>{html.escape(a.unit)}</b>（{a.role_label}，{a.status_label}）",
                f"派单：{a.dispatched_at} · {html.escape(a.method)}　意见：{html.escape(a.opinion)}"]
        if a.signed_at:
            rows.append(f"签收：{a.signed_at} · {html.escape(a.signed_by)}")
        rows.append(f"签收时限：{due_html(a.sign_off)}　反馈时限：{due_html(a.feedback_due)}")
        if a.return_reason and a.status == "return_asked":
            rows.append(f"<span style='color:{theme.ERROR}'>申请退单：{html.escape(a.return_reason)}</span>")
        for e in a.extensions:
            rows.append(f"延期申请（{e.asked_at}）：至 {e.until}，{html.escape(e.reason)} — <b>{e.decision_label}</b>"
                        + (f"：{html.escape(e.note)}" if e.note else ""))
        if a.feedback_result:
            rows.append(f"反馈（{a.feedback_at}）：<b>{html.escape(a.feedback_result)}</b>")
            rows += [f"　{html.escape(label)}：{html.escape(text)}" for label, text in a.feedback]
        return "<br>".join(rows)

    def _update_buttons(self) -> None:
        h, a = self.handling, self.current_assignment()
        allowed = set(h.actions) if h else set()
        if a is not None:
            allowed |= a.actions
        supervision_item = self.supervisions.currentItem()
        answered = supervision_item is None or supervision_item.text(4) != "未答复"
        if answered:
            allowed.discard("answer_supervision")
        for key, button in self.buttons.items():
            ok = key in allowed
            button.setEnabled(ok)
            button.setToolTip(self.keys[key] if ok else f"{self.keys[key]}：{self.reasons[key]}")
        if "accept" in self.buttons and "dispatch" in self.buttons:
            # one of the two applies to a pending ticket; Ctrl+D means that one
            self.buttons["accept"].setVisible(bool(h) and "accept" in h.actions)
            self.buttons["dispatch"].setVisible(not self.buttons["accept"].isVisibleTo(self))

    # steps ----------------------------------------------------------------

    def can(self, key: str) -> bool:
        button = self.buttons.get(key)
        return button is not None and button.isEnabled()

    def trigger(self, key: str) -> bool:
        """A shortcut's step; Ctrl+D means 决定受理 where that is the step due."""
        if key == "dispatch" and not self.can("dispatch") and self.can("accept"):
            key = "accept"
        if not self.can(key):
            return False
        self.open_step(key)
        return True

    def focus_first_step(self, preferred: tuple[str, ...] = ()) -> None:
        """Enter on a queue row: the step that row waits for, else the first step open."""
        keys = [k for k in preferred if k in self.buttons] + list(self.buttons)
        for key in keys:
            button = self.buttons[key]
            if button.isEnabled() and button.isVisibleTo(self):
                button.setFocus()
                return
        self.assignments.setFocus()

    def open_step(self, key: str) -> None:
        from desktop.dispatch.steps import dialog_for

        if self.handling is None:
            return
        item = self.supervisions.currentItem()
        chosen = item.data(0, ID_ROLE) if item is not None else None
        row = next((s for s in self.handling.supervisions if s.id == chosen), None)
        dialog = dialog_for(key, self.actor, self.runner, self.handling, self.current_assignment(), row, self)
        if dialog is None:
            return
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._acted)
        self.dialog = dialog
        dialog.open()

    def _documents_wanted(self) -> None:
        """The 文书 tab reads its ticket's documents when it is in front, not on every ticket shown."""
        if self.documents is not None and self.tabs.currentWidget() is self.documents:
            self.documents.show_ticket(self.handling.ticket_id if self.handling else None)

    def open_documents_menu(self) -> None:
        """Ctrl+I: the 文书 tab, and its 出具文书 menu (打印派单通知单, 督办通知单 …)."""
        if self.documents is not None and self.handling is not None:
            self.tabs.setCurrentWidget(self.documents)
            self.documents.open_menu()

    def _acted(self, message: str) -> None:
        self.acted.emit(message)
        self.reload()
