"""受理登记: the form an operator fills while the caller is on the line.

Keyboard first: fields in the order a call goes (number, caller, matter,
disposition), Tab moves on, pickers filter by pinyin initials, Ctrl+S saves,
Ctrl+N starts the next call. What the call type requires is marked and checked
by ``core.tickets.registration`` (12345 appendix C); a failed save keeps everything
typed and names each problem next to its field. A draft is saved every few
seconds so a crash mid-call loses nothing.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core import clock
from core.tickets import drafts
from core.kb import articles as kb
from core.kb import search as kb_search
from core.center import regions
from core.tickets import registration
from core.tickets import reads as tickets
from core.center import topics
from core.center.profile import CenterInfo
from core.errors import ValidationError
from core.tickets.registration import DETAIL_FIELDS, FIELD_LABELS, TicketInput
from core.roles import Actor, Permission
from core.vocab import (
    DEFAULT_REFERRALS,
    AttachmentKind,
    Category,
    CenterKind,
    Channel,
    Disposition,
    EmergencyType,
    NotAcceptedReason,
    RiskLevel,
    Urgency,
)
from desktop import settings, theme
from desktop.errors import show_error
from desktop.widgets.pickers import PinyinPicker, Prepared, prepare
from desktop.registration.fields import JUMP_KEYS, CallTime, FieldRow, line, picker, text
from desktop.worker import Runner, refresh_on_changes

if TYPE_CHECKING:
    from desktop.kb.panel import ChosenAnswer, KbSuggestions

log = logging.getLogger("hotline.desktop.register")

DRAFT_FORM = "register"

# Labels short enough for the form; the standard's full wording is the tooltip
# and the placeholder, and core's error messages use it.
SHORT_LABELS = {
    "landmark": "标志性建筑物",
    "reported_unit": "被反映单位",
    "threat_action": "拟采取的行为",
    "threat_time_place": "威胁时间地点",
    "emergency_called": "是否已求助",
    "onsite_departments": "现场处置部门",
    "suggestion_reason": "建议理由",
    "prior_handling": "前期处理情况",
    "not_accepted_reason": "不予受理原因",
}
CHECK_LABELS = {"confidential": "保密", "visit_consent": "同意回访"}
KEY_HINT = ("Alt+栏目名后括号里的字母 跳到该栏 · F2 来电号码 · Ctrl+N 下一个来电 · Ctrl+S 保存 · "
            "Ctrl+D 重复件 · Alt+1…5 用知识答复 · F1 全部快捷键")
HISTORY_DEBOUNCE_MS = 250
FIELD_MIN_WIDTH = 160
KB_DEBOUNCE_MS = 300


def shown_label(name: str) -> str:
    return CHECK_LABELS.get(name) or SHORT_LABELS.get(name) or FIELD_LABELS.get(name, name)


def jump_keys_text() -> str:
    """``H 来电号码 · X 来电人姓名 · …``: every field's Alt key, fields sharing one joined by “/”."""
    keys: dict[str, list[str]] = {}
    for name, key in JUMP_KEYS.items():
        keys.setdefault(key, []).append(shown_label(name))
    return " · ".join(f"{key} {'/'.join(labels)}" for key, labels in keys.items())


def _choices(kind: type) -> list[tuple[str, str]]:
    return [(m.label, m.value) for m in kind]


class RegistrationView(QWidget):
    """The 受理登记 area."""

    ticket_saved = Signal(int, str)  # id, number
    pickers_ready = Signal()
    status_message = Signal(str)

    def __init__(self, actor: Actor, center: CenterInfo, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        refresh_on_changes(self, runner, lambda c: c.topics, self.reload_topics, hidden="now")
        self.actor = actor
        self.center = center
        self.runner = runner
        self.rows: dict[str, FieldRow] = {}
        self.repeat_of: tuple[int, str] | None = None
        self.attachments: list[dict[str, str]] = []
        self._loading = False
        self._saving = False
        self._started = False  # has this call begun: its first keystroke, Ctrl+N or a draft
        self._rechecked: set[str] = set()  # fields marked by the last save that core's check can re-check
        self._last_referral_default = ""
        self.kb_answer: tuple[int, int, str] | None = None  # article id, version, title the reply came from

        self._build()
        self._autosave = QTimer(self, singleShot=True, interval=settings.get("register/autosave_ms"))
        self._autosave.timeout.connect(self._save_draft)
        self._history_timer = QTimer(self, singleShot=True, interval=HISTORY_DEBOUNCE_MS)
        self._history_timer.timeout.connect(self._look_up_caller)
        for name, row in self.rows.items():
            row.on_change(lambda name=name: self._changed(name))
        self.rows["received_at"].editor.reached.connect(self._start_call)
        self.rows["caller_phone"].editor.textEdited.connect(lambda _t: self._history_timer.start())
        self.rows["not_accepted_reason"].editor.value_changed.connect(self._suggest_referral)
        if self.kb_panel is not None:
            self._kb_timer = QTimer(self, singleShot=True, interval=KB_DEBOUNCE_MS)
            self._kb_timer.timeout.connect(self._suggest_articles)
            for name in ("title", "content"):
                self.rows[name].on_change(self._kb_timer.start)
        self._shortcuts()
        self.new_call(keep_draft=True)
        self._restore_draft()
        self.runner.read(self._picker_items, self._fill_pickers, owner=self)

    # Building -------------------------------------------------------------

    def _add(self, grid: QGridLayout, name: str, editor: QWidget, row: int, col: int, span: int = 1,
             label: str | None = None) -> FieldRow:
        field = FieldRow(name, label or shown_label(name), editor, hint=FIELD_LABELS.get(name, ""))
        self.rows[name] = field
        grid.addWidget(field.label, row, col * 2)
        grid.addWidget(field.box, row, col * 2 + 1, 1, span * 2 - 1)
        return field

    def _group(self, title: str) -> tuple[QGroupBox, QGridLayout]:
        box = QGroupBox(title)
        grid = QGridLayout(box)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        # Narrow enough that the form needs no sideways scrolling in a window on a 1366×768 laptop,
        # or at 150 % on a 1920×1080 one (1280 points wide): tests/desktop/test_window_size.py.
        grid.setColumnMinimumWidth(1, FIELD_MIN_WIDTH)
        grid.setColumnMinimumWidth(3, FIELD_MIN_WIDTH)
        return box, grid

    def _build(self) -> None:
        form = QWidget()
        column = QVBoxLayout(form)
        column.setSpacing(10)

        self.banner = QLabel()
        self.banner.setObjectName("draftBanner")
        self.banner.setStyleSheet("background:#fff4d6; border:1px solid #e0c070; padding:6px; border-radius:4px;")
        self.banner.setWordWrap(True)
        self.banner.hide()
        column.addWidget(self.banner)

        box, g = self._group("来电与诉求人")
        self._add(g, "caller_phone", line("来电号码，如 13812345678", 30), 0, 0)
        self._add(g, "caller_name", line("姓名；不愿透露可填“匿名”", 50), 0, 1)
        self._add(g, "channel", picker(), 1, 0)
        self._add(g, "received_at", CallTime(), 1, 1)
        if self.center.kind == CenterKind.BOTH:
            self._add(g, "hotline", picker(), 2, 0)
        self._add(g, "caller_contact", line("其他电话、邮箱等", 100), 3, 0)
        self._add(g, "caller_org", line("", 100), 3, 1)
        self._add(g, "caller_address", line("", 200), 4, 0, span=2)
        flags = QHBoxLayout()
        self.rows["confidential"] = FieldRow("confidential", shown_label("confidential"),
                                             QCheckBox("（对无权限人员隐藏姓名和号码）"))
        self.rows["visit_consent"] = FieldRow("visit_consent", shown_label("visit_consent"), QCheckBox())
        flags.addWidget(self.rows["confidential"].box)
        flags.addWidget(self.rows["visit_consent"].box)
        flags.addStretch(1)
        g.addLayout(flags, 5, 1, 1, 3)
        column.addWidget(box)

        box, g = self._group("诉求内容")
        self._add(g, "category", picker("咨询/求助/投诉/举报/建议，可输拼音首字母"), 0, 0)
        self._add(g, "topic_id", picker("如 zs → 噪声污染"), 0, 1)
        self._add(g, "urgency", picker(), 1, 0)
        self._add(g, "emergency_type", picker(), 1, 1)
        self._add(g, "risk_level", picker(), 2, 0)
        self._add(g, "occurred_at", line("如 11月20日晚10点后", 50), 3, 0)
        self._add(g, "region_code", picker("区县名称、代码或拼音首字母"), 3, 1)
        self._add(g, "address", line("街道、小区、门牌号", 200), 4, 0, span=2)
        self._add(g, "landmark", line("地点说不清时：周边标志性建筑物及方位、距离", 200), 5, 0, span=2)
        self._add(g, "reported_unit", line("被投诉、举报或涉及的单位、个人", 100), 6, 0, span=2)
        self._add(g, "title", line("可不填：自动取主要内容的第一句", 100), 7, 0, span=2)
        self._add(g, "content", text("诉求人反映的事项：时间、地点、经过、现状和诉求", 110), 8, 0, span=2)
        self._add(g, "prior_handling", line("此前向谁反映过、结果如何", 1000), 9, 0, span=2)
        self._add(g, "suggestion_reason", line("建议的理由", 1000), 10, 0, span=2)
        self._add(g, "threat_action", line("将通过何种渠道、何种方式反映问题，实施何种行为；原话加引号", 1000), 11, 0, span=2)
        self._add(g, "threat_time_place", line("", 1000), 12, 0, span=2)
        self._add(g, "incident_status", line("", 1000), 13, 0)
        self._add(g, "incident_scope", line("", 1000), 13, 1)
        self._add(g, "incident_harm", line("", 1000), 14, 0)
        self._add(g, "emergency_called", line("是/否；向110、119、120等求助的情况", 1000), 14, 1)
        self._add(g, "onsite_departments", line("现场是否有相关部门处理", 1000), 15, 0, span=2)
        column.addWidget(box)

        box, g = self._group("处理")
        self._add(g, "disposition", picker(), 0, 0)
        self._add(g, "reply", text("直接答复诉求人的内容", 70), 1, 0, span=2)
        self._add(g, "not_accepted_reason", picker(), 2, 0, span=2)
        self._add(g, "referral", text("告知诉求人的去向或办理途径", 60), 3, 0, span=2)
        attach = QHBoxLayout()
        self.attach_button = QPushButton("添加附件…")
        self.attach_button.clicked.connect(self._add_attachment)
        self.attach_label = QLabel("无附件")
        attach.addWidget(self.attach_button)
        attach.addWidget(self.attach_label, 1)
        g.addWidget(QLabel("附件"), 4, 0, Qt.AlignmentFlag.AlignRight)
        g.addLayout(attach, 4, 1, 1, 3)
        source = QHBoxLayout()
        self.kb_source = QLabel()
        self.kb_source.setObjectName("kbSource")
        self.kb_source.setWordWrap(True)
        self.kb_source_clear = QPushButton("不以此为依据")
        self.kb_source_clear.clicked.connect(lambda: self._set_kb_answer(None))
        source.addWidget(self.kb_source, 1)
        source.addWidget(self.kb_source_clear)
        g.addLayout(source, 5, 1, 1, 3)
        column.addWidget(box)
        column.addStretch(1)

        scroll = self.scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(form)

        # The caller's earlier tickets, as the number is typed.
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(6, 0, 0, 0)
        heading = QLabel("来电历史")
        heading.setStyleSheet("font-weight:bold;")
        self.history_hint = QLabel("输入来电号码后，这里显示该号码以前的工单（未办结的在前）。")
        self.history_hint.setWordWrap(True)
        self.history = QListWidget()
        self.history.setObjectName("callerHistory")
        self.history.setWordWrap(True)
        self.repeat_button = QPushButton("标记为重复件 (Ctrl+D)")
        self.repeat_button.clicked.connect(self.mark_repeat)
        self.repeat_label = QLabel()
        self.repeat_label.setWordWrap(True)
        side_layout.addWidget(heading)
        side_layout.addWidget(self.history_hint)
        side_layout.addWidget(self.history, 1)
        side_layout.addWidget(self.repeat_button)
        side_layout.addWidget(self.repeat_label)
        self.kb_panel: KbSuggestions | None = None
        if self.actor.can(Permission.KB_USE):
            from desktop.kb.panel import KbSuggestions

            self.kb_panel = KbSuggestions(self.actor, self.runner)
            self.kb_panel.chosen.connect(self._answer_from_kb)
            self.kb_panel.install_shortcuts(self)
            side_split = QSplitter(Qt.Orientation.Vertical)
            side_split.addWidget(side)
            side_split.addWidget(self.kb_panel)
            side_split.setSizes([300, 420])
            side = side_split

        split = QSplitter()
        split.addWidget(scroll)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([720, 340])

        self.status = QLabel()
        self.status.setObjectName("registerStatus")
        self.new_button = QPushButton("下一个来电 (Ctrl+N)")
        self.new_button.clicked.connect(self.next_caller)
        self.save_button = QPushButton("保存工单 (Ctrl+S)")
        self.save_button.setDefault(True)
        self.save_button.setObjectName("primary")
        self.save_button.setStyleSheet(theme.PRIMARY_SHEET)
        self.save_button.clicked.connect(self.save)
        bar = QHBoxLayout()
        bar.addWidget(self.status, 1)
        bar.addWidget(self.new_button)
        bar.addWidget(self.save_button)

        self.key_hint = QLabel(KEY_HINT)
        self.key_hint.setObjectName("registerKeys")
        self.key_hint.setWordWrap(True)  # a narrow window wraps it rather than growing
        self.key_hint.setToolTip("跳到栏目：" + jump_keys_text())
        theme.small(self.key_hint)
        theme.set_text_color(self.key_hint, "#5f6b7a")

        outer = QVBoxLayout(self)
        outer.addWidget(split, 1)
        outer.addLayout(bar)
        outer.addWidget(self.key_hint)

    def _shortcuts(self) -> None:
        for keys, slot in (
            ("Ctrl+S", self.save),
            ("Ctrl+Return", self.save),
            ("Ctrl+N", self.next_caller),
            ("Ctrl+D", self.mark_repeat),
            ("F2", lambda: self.rows["caller_phone"].editor.setFocus()),
        ):
            QShortcut(QKeySequence(keys), self, activated=slot,
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

    # State ----------------------------------------------------------------

    def gather(self) -> TicketInput:
        values: dict[str, Any] = {}
        details: dict[str, str] = {}
        for name, row in self.rows.items():
            value = row.value()
            if name in DETAIL_FIELDS:
                if value and row.is_shown():
                    details[name] = value
            else:
                values[name] = value
        data = TicketInput(
            channel=values["channel"] or "",
            hotline=values.get("hotline") or self._default_hotline(),
            received_at=values["received_at"],
            caller_name=values["caller_name"],
            caller_phone=values["caller_phone"],
            caller_contact=values["caller_contact"],
            caller_address=values["caller_address"],
            caller_org=values["caller_org"],
            confidential=values["confidential"],
            visit_consent=values["visit_consent"],
            occurred_at=values["occurred_at"],
            region_code=values["region_code"] or "",
            address=values["address"],
            reported_unit=values["reported_unit"],
            title=values["title"],
            content=values["content"],
            category=values["category"] or "",
            topic_id=values["topic_id"],
            urgency=values["urgency"] or "",
            emergency_type=(values["emergency_type"] or "") if values["urgency"] == Urgency.URGENT else "",
            risk_level=(values["risk_level"] or "") if self.rows["risk_level"].is_shown() else "",
            disposition=values["disposition"] or Disposition.REGISTER.value,
            not_accepted_reason=values["not_accepted_reason"] or "",
            referral=values["referral"],
            reply=values["reply"],
            kb_article_id=self.kb_answer[0] if self.kb_answer else None,
            kb_version=self.kb_answer[1] if self.kb_answer else None,
            repeat_of_id=self.repeat_of[0] if self.repeat_of else None,
            details=details,
            attachments=list(self.attachments),
        )
        return data

    def load(self, data: TicketInput) -> None:
        self._loading = True
        try:
            for name, row in self.rows.items():
                if name in DETAIL_FIELDS:
                    row.set_value(data.details.get(name, ""))
                elif hasattr(data, name):
                    row.set_value(getattr(data, name))
            self.attachments = list(data.attachments)
            self._show_attachments()
            self.repeat_of = None
            if data.repeat_of_id:
                self.repeat_of = (data.repeat_of_id, "")
            self._show_repeat()
            answer = (data.kb_article_id, data.kb_version or 0, "") if data.kb_article_id else None
            self._set_kb_answer(answer)
            if answer is not None:
                self._recall_kb_source(*answer[:2])
        finally:
            self._loading = False
        self._refresh_rules()

    def _default_hotline(self) -> str:
        return self.center.kind.value if self.center.kind != CenterKind.BOTH else "12345"

    def has_input(self) -> bool:
        """Has the operator typed anything of this call that a reset would lose?"""
        data = self.gather()
        return any(s.strip() for s in (data.caller_phone, data.caller_name, data.content, data.title,
                                       data.address, data.reply, data.referral)) or bool(data.attachments)

    def next_caller(self) -> None:
        """Ctrl+N: start the next call; asks first if this one has unsaved input."""
        if self.has_input():
            answer = QMessageBox.question(
                self, "放弃当前登记？", "当前来电的登记内容尚未保存，确定要清空并开始下一个来电吗？",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return
        self._autosave.stop()
        self.new_call(started=True)  # the next caller is on the line now

    def new_call(self, keep_draft: bool = False, started: bool = False) -> None:
        """Clear the form for the next caller; ``started``: the call begins now (Ctrl+N).

        Otherwise 诉求提出时间 stays blank until the call's first keystroke: a form cleared
        after a save may wait an hour for its next call (12345 5.1.4.1, the clocks count from it).
        """
        self.load(TicketInput(
            channel=Channel.PHONE.value,
            hotline=self._default_hotline(),
            received_at=clock.stamp() if started else "",
            region_code=self.center.code,
        ))
        self._started = started
        self.history.clear()
        self.repeat_label.clear()
        if self.kb_panel is not None:
            self.kb_panel.clear()
        for row in self.rows.values():
            row.set_error("")
        self.banner.hide()
        if not keep_draft:
            self.runner.write(lambda: drafts.clear_draft(self.actor, DRAFT_FORM), on_done=lambda _r: None, owner=self)
        self.rows["caller_phone"].editor.setFocus()

    def _changed(self, name: str = "") -> None:
        if self._loading:
            return
        self._start_call()
        self._refresh_rules()
        self._recheck_errors(name)
        self._autosave.start()

    def _recheck_errors(self, changed: str) -> None:
        """A message under a field goes once the field is put right, by core's own check (12345
        appendix C); one that only the save could find (a topic retired meanwhile) goes when its
        field is edited. A field never gains a message while it is typed into."""
        marked = [name for name, row in self.rows.items() if row.has_error()]
        if not marked:
            return
        problems = registration.validate(self.gather(), self.center)
        for name in marked:
            if name == changed or name in self._rechecked:
                self.rows[name].set_error(problems.get(name, ""))

    def _start_call(self) -> None:
        """The call's first keystroke: 诉求提出时间 is now, unless a time is already there."""
        if self._started or self._loading:
            return
        self._started = True
        row = self.rows["received_at"]
        if not row.value():
            self._loading = True  # a time filled in is not a keystroke of its own
            try:
                row.set_value(clock.stamp())
            finally:
                self._loading = False

    def _refresh_rules(self) -> None:
        """Show the fields this call type has and mark those it requires (appendix C)."""
        data = self.gather()
        need = registration.required_fields(data, self.center)
        urgent = data.urgency == Urgency.URGENT
        category = data.category
        visible = {
            "emergency_type": urgent,
            "risk_level": data.hotline == "12365",
            "prior_handling": category in (Category.HELP, Category.COMPLAINT, Category.REPORT),
            "suggestion_reason": category == Category.SUGGESTION,
            "threat_action": urgent and data.emergency_type == EmergencyType.INSTABILITY,
            "threat_time_place": urgent and data.emergency_type == EmergencyType.INSTABILITY,
            "reply": data.disposition == Disposition.DIRECT_ANSWER,
            "not_accepted_reason": data.disposition == Disposition.NOT_ACCEPTED,
            "referral": data.disposition == Disposition.NOT_ACCEPTED,
        }
        for name in ("incident_status", "incident_scope", "incident_harm", "emergency_called", "onsite_departments"):
            visible[name] = urgent and data.emergency_type == EmergencyType.INCIDENT
        for name, row in self.rows.items():
            row.set_visible(visible.get(name, True))
            row.set_required(name in need)
        self._show_kb_source()

    def _show_kb_source(self) -> None:
        """The article answered from is shown with the reply; core uses it only for a direct answer."""
        shown = self.kb_answer is not None and self.rows["disposition"].value() == Disposition.DIRECT_ANSWER
        self.kb_source.setVisible(shown)
        self.kb_source_clear.setVisible(shown)

    def _picker_items(self) -> dict[str, Prepared]:
        """Every picker's items with pinyin search keys; runs on a worker thread.

        The region list (2,900 counties) and pypinyin cost most of a second:
        done here, the window shows at once and the lists arrive moments later.
        """
        counties = regions.counties()
        return {
            "hotline": prepare([("12345", "12345"), ("12365", "12365")]),
            "channel": prepare(_choices(Channel)),
            "category": prepare(_choices(Category)),
            "topic_id": prepare([(t.path, t.id) for t in topics.active_topics()]),
            "urgency": prepare(_choices(Urgency)),
            "emergency_type": prepare(_choices(EmergencyType)),
            "risk_level": prepare(_choices(RiskLevel)),
            "region_code": prepare([(r.full_name, r.code) for r in counties], {r.code: r.code for r in counties}),
            "disposition": prepare(_choices(Disposition)),
            "not_accepted_reason": prepare(_choices(NotAcceptedReason)),
        }

    def reload_topics(self) -> None:
        """After the admin edits the topic tree; the chosen topic stays chosen if still offered."""
        self.runner.read(lambda: {"topic_id": prepare([(t.path, t.id) for t in topics.active_topics()])},
                         self._fill_pickers, owner=self)

    def _fill_pickers(self, prepared: dict[str, Prepared]) -> None:
        self._loading = True
        try:
            for name, rows in prepared.items():
                if name in self.rows:
                    editor = self.rows[name].editor
                    assert isinstance(editor, PinyinPicker)
                    editor.set_prepared(rows)
        finally:
            self._loading = False
        self.pickers_ready.emit()

    # Actions --------------------------------------------------------------

    def save(self) -> None:
        if self._saving:
            return
        data = self.gather()
        for row in self.rows.values():
            row.set_error("")
        self._saving = True
        self.save_button.setEnabled(False)
        self.status.setText("正在保存…")
        self.runner.write(lambda: registration.register(self.actor, data), self._saved, self._save_failed, owner=self)

    def _saved(self, result: registration.Registered) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        self._autosave.stop()
        message = f"已保存工单 {result.number}（{result.status.label}）"
        self.new_call()
        self.status.setText(message)
        self.status_message.emit(message)
        self.ticket_saved.emit(result.id, result.number)

    def _save_failed(self, exc: BaseException) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        if isinstance(exc, ValidationError):
            first = None
            for name, message in exc.fields.items():
                row = self.rows.get(name)
                if row is None:
                    continue
                row.set_visible(True)
                row.set_error(message)
                if first is None:
                    first = row
            self._rechecked = set(registration.validate(self.gather(), self.center)) & set(exc.fields)
            self.status.setText(f"未保存：{len(exc.fields)} 处需要修改，已在对应栏目下方标出。")
            if first is not None:
                first.editor.setFocus()
            return
        self.status.setText("未保存，填写的内容仍在。")
        show_error(self, exc)

    def _suggest_referral(self) -> None:
        """Fill the default referral for the reason, unless the operator wrote their own."""
        reason = self.rows["not_accepted_reason"].value()
        current = self.rows["referral"].value().strip()
        if reason and (not current or current == self._last_referral_default):
            default = DEFAULT_REFERRALS.get(NotAcceptedReason(reason), "")
            self.rows["referral"].set_value(default)
            self._last_referral_default = default

    def _look_up_caller(self) -> None:
        phone = self.rows["caller_phone"].value()
        self.runner.read(lambda: tickets.caller_history(self.actor, phone), lambda rows: self._show_history(phone, rows), owner=self)

    def _show_history(self, phone: str, rows: list[tickets.TicketRow]) -> None:
        if phone != self.rows["caller_phone"].value():
            return  # typed on since; a newer look-up is coming
        self.history.clear()
        for r in rows:
            item = QListWidgetItem(f"{r.number}  【{r.status}】\n{r.received_at}  {r.category}\n{r.title}")
            item.setData(Qt.ItemDataRole.UserRole, (r.id, r.number))
            self.history.addItem(item)
        if rows:
            self.history.setCurrentRow(0)
            self.history_hint.setText(f"该号码有 {len(rows)} 张以前的工单。选中后按 Ctrl+D 标记为重复件。")
        else:
            self.history_hint.setText("该号码没有以前的工单。" if len(registration.normalize_phone(phone)) >= 5 else
                                      "输入来电号码后，这里显示该号码以前的工单（未办结的在前）。")

    def _suggest_articles(self) -> None:
        if self.kb_panel is not None:
            self.kb_panel.suggest_for(self.rows["title"].value(), self.rows["content"].value())

    def _answer_from_kb(self, chosen: ChosenAnswer) -> None:
        """Alt+n in the panel: the article's answer becomes the reply, closed as 直接答复."""
        typed = self.rows["reply"].value().strip()
        if typed and typed != chosen.text and self.rows["reply"].is_shown():
            answer = QMessageBox.question(
                self, "替换答复内容？", f"答复栏已有内容，要替换为知识《{chosen.title}》的答复吗？",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.rows["disposition"].set_value(Disposition.DIRECT_ANSWER.value)
        self.rows["reply"].set_value(chosen.text)
        self._set_kb_answer((chosen.article_id, chosen.version, chosen.title), chosen.flags)
        self._changed()
        self.rows["reply"].editor.setFocus()
        self.scroll_to(self.rows["reply"].editor)
        self.status.setText(f"已填入知识《{chosen.title}》的答复；核对后按 Ctrl+S 保存（直接答复办结）。")

    def scroll_to(self, widget: QWidget) -> None:
        """Bring the whole of a field into view, its top first if it is taller than the view.

        A row just shown has no place until the form is laid out again (a posted event), so
        that is done first; and not ``ensureWidgetVisible``, which shows only a focused text
        box's cursor line."""
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        at = widget.mapTo(self.scroll.widget(), QPoint(0, 0))
        self.scroll.ensureVisible(at.x(), at.y() + widget.height(), 0, 12)
        self.scroll.ensureVisible(at.x(), at.y(), 0, 12)

    def _set_kb_answer(self, answer: tuple[int, int, str] | None, flags: tuple[str, ...] = ()) -> None:
        self.kb_answer = answer
        if answer is None:
            self.kb_source.clear()
        else:
            article_id, version, title = answer
            name = f"《{title}》" if title else f"知识 #{article_id}"
            warn = f"。注意：{'；'.join(flags)}" if flags else ""
            self.kb_source.setText(f"答复依据：{name} 第 {version} 版{warn}")
        theme.set_text_color(self.kb_source, theme.ERROR if flags else theme.NAVY)
        self._show_kb_source()
        if not self._loading:
            self._autosave.start()

    def _recall_kb_source(self, article_id: int, version: int) -> None:
        """After a draft restore: the article's title and flags again, so a warning is not lost."""
        def read() -> tuple[str, tuple[str, ...]]:
            article = kb.load_article(self.actor, article_id)[0]
            return article.title, kb_search.flags_of(article, clock.now().date())

        def show(found: tuple[str, tuple[str, ...]]) -> None:
            if self.kb_answer is not None and self.kb_answer[:2] == (article_id, version):
                self._set_kb_answer((article_id, version, found[0]), found[1])

        self.runner.read(read, show, lambda exc: log.warning("answer source not recalled: %s", exc), owner=self)

    def mark_repeat(self) -> None:
        item = self.history.currentItem()
        if item is None:
            self.status.setText("来电历史中没有可标记的工单。")
            return
        self.repeat_of = item.data(Qt.ItemDataRole.UserRole)
        self._show_repeat()
        self._changed()

    def _show_repeat(self) -> None:
        if self.repeat_of:
            number = self.repeat_of[1] or f"#{self.repeat_of[0]}"
            self.repeat_label.setText(f"本工单标记为重复件，原工单 {number}")
        else:
            self.repeat_label.clear()

    def _add_attachment(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "选择附件（录音、照片、来信扫描件）")
        for path in files:
            lower = path.lower()
            kind = AttachmentKind.OTHER
            if lower.endswith((".mp3", ".wav", ".amr", ".m4a", ".wma")):
                kind = AttachmentKind.RECORDING
            elif lower.endswith((".jpg", ".jpeg", ".png", ".bmp", ".heic")):
                kind = AttachmentKind.PHOTO
            elif lower.endswith((".pdf", ".tif", ".tiff")):
                kind = AttachmentKind.LETTER
            self.attachments.append({"path": path, "kind": kind.value})
        self._show_attachments()
        self._changed()

    def _show_attachments(self) -> None:
        names = [Path(a["path"]).name for a in self.attachments]
        self.attach_label.setText("、".join(names) if names else "无附件")

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        super().showEvent(event)
        # Arriving at the area puts the cursor where a call starts, unless it is already in the form.
        QTimer.singleShot(0, self.focus_start)

    def focus_start(self) -> None:
        focus = QApplication.focusWidget()
        if focus is None or not self.isAncestorOf(focus):
            self.rows["caller_phone"].editor.setFocus()

    # Drafts ---------------------------------------------------------------

    def _save_draft(self) -> None:
        data = self.gather().to_json()
        self.runner.write(lambda: drafts.save_draft(self.actor, DRAFT_FORM, data), on_done=lambda _r: None,
                          on_error=lambda exc: log.warning("draft not saved: %s", type(exc).__name__), owner=self)

    def _restore_draft(self) -> None:
        try:
            saved = drafts.load_draft(self.actor, DRAFT_FORM)
        except Exception as exc:  # a broken draft must never stop registration
            log.warning("draft not restored: %s", type(exc).__name__)
            return
        if not saved:
            return
        try:
            data = TicketInput.from_json(saved)
        except (ValueError, TypeError):
            log.warning("draft unreadable; ignored")
            return
        if not (data.content or data.caller_phone or data.caller_name or data.title):
            return
        self.load(data)
        self._started = bool(data.received_at)
        self.banner.setText("已恢复上次未保存的登记内容（程序上次关闭时正在登记）。核对后保存，或按 Ctrl+N 放弃。")
        self.banner.show()

    def flush_draft(self) -> None:
        """Save the draft now (on close), if anything is pending."""
        if self._autosave.isActive():
            self._autosave.stop()
            drafts.save_draft(self.actor, DRAFT_FORM, self.gather().to_json())
