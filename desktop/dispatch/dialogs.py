"""派单 and 反馈, the two big forms of the handling (the smaller steps are in desktop.dispatch.steps).

派单 (12345 5.2.2.1): the lead unit is picked from the suggestions of core.units.tree (Alt+1 … Alt+5)
or by name, pinyin initials or matter; co-handling units are added the same way; urgent
tickets record the phone call and who else was told (5.2.2.1.4); the deadlines the
dispatch would start are previewed on a reader as the form changes.
反馈 (5.2.2.3.3–5.2.2.3.7): the elements asked for change with the result chosen.
"""
from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core import clock
from core.dispatch import sending as dispatch
from core.dispatch import handling
from core.dispatch import reads as handling_reads
from core.dispatch.sending import DispatchInput
from core.dispatch.handling import FEEDBACK_ELEMENTS, FeedbackInput
from core.dispatch.reads import AssignmentView, DispatchContext, PreviewLine
from core.roles import Actor
from core.vocab import Category, DispatchMethod, FeedbackResult
from desktop import theme
from desktop.widgets.forms import (
    ActionDialog,
    DayEdit,
    KeyButton,
    TimeEdit,
    choices,
    coded,
    field_value,
    line,
    note,
    text_box,
)
from desktop.widgets.inputs import ComboBox
from desktop.widgets.pickers import PinyinPicker, prepare
from desktop.worker import Runner

ID_ROLE = Qt.ItemDataRole.UserRole
TOLD = [("（请选择）", None), ("已报", True), ("未报", False)]


class DispatchDialog(ActionDialog):
    def __init__(self, actor: Actor, runner: Runner, ticket_id: int, parent: QWidget | None = None) -> None:
        super().__init__(runner, "派单", "正在读取工单和建议的承办单位…", "派单", parent)
        self.actor = actor
        self.ticket_id = ticket_id
        self.context: DispatchContext | None = None
        self._previews = 0
        self.resize(760, 760)

        self.chips = QVBoxLayout()
        self.chips.setSpacing(4)
        chips_box = QWidget()
        chips_box.setLayout(self.chips)
        self.chips.setContentsMargins(0, 0, 0, 0)
        self.form.addRow("建议单位：", chips_box)
        self.lead = PinyinPicker(placeholder="输入单位名称、拼音首字母或职责事项，如 csgl、占道经营")
        self.add("lead_unit_id", "牵头单位", self.lead)
        self.co_picker = PinyinPicker(placeholder="添加协办单位：输入后回车")
        self.co_list = QListWidget()
        self.co_list.setFixedHeight(64)
        self.co_list.setToolTip("选中后按 Delete 移除")
        co_box = QWidget()
        co_layout = QVBoxLayout(co_box)
        co_layout.setContentsMargins(0, 0, 0, 0)
        co_layout.addWidget(self.co_picker)
        co_layout.addWidget(self.co_list)
        self.add("co_unit_ids", "协办单位", self.co_list, "可添加多个；选中后按 Delete 移除", shown=co_box)
        self.co_picker.value_changed.connect(self._co_picked)
        self.co_picker.entered.connect(self._co_entered)
        QShortcut(QKeySequence(Qt.Key.Key_Delete), self.co_list, activated=self._co_remove,
                  context=Qt.ShortcutContext.WidgetShortcut)
        self.opinion = self.add("opinion", "派单意见", text_box("转办意见：要求承办单位做什么、何时反馈", lines=3))
        self.method = self.add("method", "派单方式", coded(DispatchMethod))
        self.complex = self.add("complex", "", QCheckBox("复杂疑难诉求（反馈时限 15 天，12345 5.2.2.3.2）"))
        self.feedback_due = self.add("feedback_due", "办理时限", DayEdit(optional=True, empty_text="按时限规则"),
                                     "中心另行指定时填写（12345 5.2.2.1.3 注）")
        self.dispatched_at = self.add("dispatched_at", "派单时间", TimeEdit(), "补录已电话派出的工单时改为实际时间")
        self.phoned_person = self.add("phoned_person", "电话联系人", line("接电话的承办单位人员，如 值班员周某"))
        self.phoned_at = self.add("phoned_at", "电话联系时间", TimeEdit())
        self.police_told = self.add("police_told", "报公安部门", choices(TOLD))
        self.emergency_told = self.add("emergency_told", "报应急管理部门", choices(TOLD))
        for name in ("phoned_person", "phoned_at", "police_told", "emergency_told"):
            self.show_row(name, False)
        self.preview = QLabel("时限预览：读取中…")
        self.preview.setObjectName("deadlinePreview")
        self.preview.setWordWrap(True)
        self.preview.setTextFormat(Qt.TextFormat.RichText)
        self.preview.setStyleSheet(f"background:{theme.WARNING_BG}; padding:6px;")
        self.body.addWidget(self.preview)
        self.finish_layout()

        self._preview_timer = QTimer(self, singleShot=True, interval=200)
        self._preview_timer.timeout.connect(self._ask_preview)
        self.complex.toggled.connect(self._preview_timer.start)
        self.feedback_due.dateChanged.connect(self._preview_timer.start)
        self.dispatched_at.dateTimeChanged.connect(self._preview_timer.start)
        self.save_button.setEnabled(False)  # until the ticket is read
        self.lead.setFocus()

        def read() -> tuple[DispatchContext, list]:
            context = handling_reads.dispatch_context(actor, ticket_id)
            return context, prepare([(u.label, u.id) for u in context.units], {u.id: u.keys for u in context.units})

        runner.read(read, self._loaded_context, self._load_failed, owner=self)

    # filling --------------------------------------------------------------

    def _load_failed(self, exc: BaseException) -> None:
        self.intro.setText(html.escape(getattr(exc, "message", "") or "读取工单失败，请关闭后重试。"))
        theme.set_text_color(self.intro, theme.ERROR)

    def _loaded_context(self, loaded: tuple[DispatchContext, list]) -> None:
        context, rows = loaded
        self.context = context
        self.setWindowTitle(f"派单 · {context.number}")
        facts = " · ".join(x for x in (Category.label_of(context.category), context.urgency, context.topic) if x)
        color = theme.ERROR if context.urgent else "#555"
        self.intro.setText(f"<b>{html.escape(context.number)}</b>　{html.escape(context.title)}<br>"
                           f"<span style='color:{color}'>{html.escape(facts)}</span>")
        self.lead.set_prepared(rows)
        self.co_picker.set_prepared(rows)
        self._fill_chips(context)
        self.opinion.setPlainText(context.opinion)
        self.complex.setChecked(context.complex)
        self.show_row("phoned_person", context.urgent)
        self.show_row("phoned_at", context.urgent)
        self.show_row("police_told", context.asks_police)
        self.show_row("emergency_told", context.asks_emergency_mgmt)
        self.save_button.setEnabled(True)
        self.mark_loaded()
        self._ask_preview()

    def _fill_chips(self, context: DispatchContext) -> None:
        self.chip_buttons: list[KeyButton] = []
        if not context.suggestions:
            self.chips.addWidget(note("没有职责事项相符的单位。职责不清的诉求派至区人民政府（12345 5.2.2.1.1），"
                                      "或在下面按名称、拼音首字母查找。", "#8a6d3b"))
            return
        for number, suggestion in enumerate(context.suggestions, start=1):
            row = QHBoxLayout()
            chip = KeyButton(f"{number}  {suggestion.name}")
            chip.setObjectName(f"chip{number}")
            chip.setToolTip(f"{suggestion.path}\n设为牵头单位（Alt+{number}）")
            chip.setStyleSheet("QPushButton { text-align: left; padding: 4px 10px; border: 1px solid #9bb8d3;"
                               " border-radius: 12px; background: #eef4fb; }"
                               "QPushButton:focus { border: 2px solid #2e75b6; }")
            chip.clicked.connect(lambda _c=False, u=suggestion.unit_id: self.lead.set_value(u))
            co = KeyButton("+协办")
            co.setToolTip("加为协办单位")
            co.clicked.connect(lambda _c=False, u=suggestion.unit_id: self._co_add(u))
            reasons = QLabel("；".join(suggestion.reasons))
            reasons.setWordWrap(True)
            theme.small(reasons)
            theme.set_text_color(reasons, "#555")
            row.addWidget(chip)
            row.addWidget(co)
            row.addWidget(reasons, 1)
            self.chips.addLayout(row)
            self.chip_buttons.append(chip)
            QShortcut(QKeySequence(f"Alt+{number}"), self, activated=chip.click)
        keys = "Alt+1" if len(context.suggestions) == 1 else f"Alt+1…Alt+{len(context.suggestions)}"
        hint = QLabel(f"点击或按 {keys} 设为牵头单位；“+协办”加为协办单位。建议仅供参考，由派单员决定。")
        theme.small(hint)
        theme.set_text_color(hint, "#666")
        self.chips.addWidget(hint)

    # co-handling units ----------------------------------------------------

    def _co_picked(self) -> None:
        unit_id = self.co_picker.value()
        if unit_id is not None:
            self._co_add(unit_id)
            QTimer.singleShot(0, lambda: self.co_picker.set_value(None))

    def _co_entered(self) -> None:
        """Enter in 协办单位, as its placeholder says: the unit typed is added, or the form says none matches."""
        typed = self.co_picker.currentText().strip()
        if self.co_picker.value() is None and typed:
            self.status.setText(f"没有找到“{typed}”：请输入单位名称、拼音首字母或职责事项。")
            return
        self._co_picked()

    def _co_add(self, unit_id: int) -> None:
        if unit_id in self.co_unit_ids() or self.context is None:
            return
        label = next((u.label for u in self.context.units if u.id == unit_id), str(unit_id))
        item = QListWidgetItem(label)
        item.setData(ID_ROLE, unit_id)
        self.co_list.addItem(item)

    def _co_remove(self) -> None:
        for item in self.co_list.selectedItems():
            self.co_list.takeItem(self.co_list.row(item))

    def co_unit_ids(self) -> list[int]:
        return [self.co_list.item(i).data(ID_ROLE) for i in range(self.co_list.count())]

    # the deadlines it would start -----------------------------------------

    def _ask_preview(self) -> None:
        if self.context is None:
            return
        self._previews += 1
        asked, ticket_id = self._previews, self.ticket_id
        at, hard, due = self.dispatched_at.value(), self.complex.isChecked(), self.feedback_due.value()
        self.runner.read(lambda: handling_reads.preview_deadlines(ticket_id, at, hard, due),
                         lambda lines: asked == self._previews and self._show_preview(lines),
                         lambda exc: self.preview.setText(html.escape(getattr(exc, "message", "时限预览失败"))),
                         owner=self)

    def _show_preview(self, lines: list[PreviewLine]) -> None:
        parts, notes = [], []
        for p in lines:
            if not p.due_at:
                parts.append(f"{p.stage_label}时限：—（{html.escape(p.rule)}）")
                continue
            mark = ""
            if p.provisional:
                mark = f" <span style='color:{theme.ERROR}'>暂定</span>"
                notes.append(handling_reads.DueMark(p.stage, p.due_at, 0, True, 0).provisional_note)
            parts.append(f"{p.stage_label}时限：<b>{clock.display(p.due_at)}</b>{mark}（{html.escape(p.rule)}）")
        self.preview.setText("按此派单，每个承办单位的时限：<br>" + "<br>".join(parts))
        self.preview.setToolTip("\n".join(dict.fromkeys(notes)))

    # saving ---------------------------------------------------------------

    def gather(self) -> DispatchInput:
        context = self.context
        urgent = bool(context and context.urgent)
        return DispatchInput(
            self.ticket_id, self.lead.value(), self.co_unit_ids(), self.opinion.toPlainText(),
            self.method.currentData(), self.dispatched_at.given(), self.complex.isChecked(),
            self.feedback_due.value(), self.phoned_person.text() if urgent else "",
            self.phoned_at.given() if urgent else None,
            self.police_told.currentData() if context and context.asks_police else None,
            self.emergency_told.currentData() if context and context.asks_emergency_mgmt else None)

    def save(self) -> None:
        if self.context is None:
            return
        data, actor = self.gather(), self.actor
        names = {u.id: u.label for u in self.context.units}
        count = 1 + len(data.co_unit_ids)
        message = f"已派单至 {names.get(data.lead_unit_id, '')}（牵头）" + (f"等 {count} 个单位" if count > 1 else "")
        self.submit(lambda: dispatch.dispatch(actor, data), message)


def default_result(category: str) -> str:
    return {Category.CONSULT.value: FeedbackResult.CONSULT_ANSWERED.value,
            Category.SUGGESTION.value: FeedbackResult.SUGGESTION_FORWARDED.value}.get(
        category, FeedbackResult.RESOLVED.value)


SHORT_ELEMENTS = ("planned_on", "forwarded_to")  # a date or a department name: one line
RECEIVED_VIA = ["电话", "纸质函件", "电子邮件", "传真", "当面报送"]


class FeedbackDialog(ActionDialog):
    """反馈: the result, then exactly the elements core.dispatch.handling.FEEDBACK_ELEMENTS asks of it."""

    def __init__(self, actor: Actor, runner: Runner, assignment: AssignmentView, category: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(runner, f"登记反馈 · {assignment.unit}",
                         f"登记<b>{html.escape(assignment.unit)}</b>（{assignment.role_label}）报来的办理结果。"
                         "按办理结果填写规定要素（12345 5.2.2.3）。", "保存反馈", parent)
        self.actor = actor
        self.assignment = assignment
        self.resize(720, 600)
        self.result = self.add("result", "办理结果", coded(FeedbackResult, default_result(category)))
        self.element_labels: dict[str, QLabel] = {}
        keys = list(dict.fromkeys(k for elements in FEEDBACK_ELEMENTS.values() for k in elements))
        for key in keys:
            editor = line() if key in SHORT_ELEMENTS else text_box(lines=3)
            self._element_row(key, editor)
        self.handled_at = self.add("handled_at", "办理时间", TimeEdit(), "承办单位办理或答复诉求人的时间")
        via = ComboBox()
        via.setEditable(True)
        via.addItems(RECEIVED_VIA)
        self.received_via = self.add("received_via", "反馈方式", via, "反馈如何送达中心")
        self.result.currentIndexChanged.connect(lambda _i: self._show_elements())
        self._show_elements()
        self.finish_layout()
        self.result.setFocus()

    def _element_row(self, key: str, editor: QWidget) -> None:
        holder = QWidget()
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(editor)
        error = QLabel()
        error.setWordWrap(True)
        theme.small(error)
        theme.set_text_color(error, theme.ERROR)
        error.hide()
        box.addWidget(error)
        editor.setObjectName(f"element_{key}")
        label = QLabel()
        self.element_labels[key] = label
        self.fields[key], self.errors[key], self.rows[key] = editor, error, holder
        self.form.addRow(label, holder)
        self.watch(key)

    def _show_elements(self) -> None:
        wanted = FEEDBACK_ELEMENTS.get(self.result.currentData(), {})
        for key, holder in ((k, self.rows[k]) for k in self.element_labels):
            self.form.setRowVisible(holder, key in wanted)
            if key in wanted:
                self.element_labels[key].setText(f"{wanted[key]}：")

    def elements(self) -> dict[str, str]:
        wanted = FEEDBACK_ELEMENTS.get(self.result.currentData(), {})
        return {key: field_value(self.fields[key]) for key in wanted}

    def save(self) -> None:
        result = self.result.currentData()
        data = FeedbackInput(self.assignment.id, result, self.elements(), self.handled_at.given(),
                             self.received_via.currentText())
        actor, unit = self.actor, self.assignment.unit
        self.submit(lambda: handling.record_feedback(actor, data),
                    f"已登记{unit}的反馈（{FeedbackResult.label_of(result)}），待审核")
