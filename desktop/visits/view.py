"""回访: the visitor's queue and the sheet of one visit (12345 5.4, appendix B.4; GB/T 33358 10.4).

Keyboard first: the queue takes the cursor on arrival; Enter opens the ticket's sheet with the
standard phrases and the number to dial; Alt+ the letter in brackets reaches each answer; Ctrl+S
saves what the caller said, Ctrl+U records a call that reached nobody, Ctrl+R a refusal; Esc goes
back to the queue. A second tab, for whoever decides re-handling, lists the visits that found the
caller dissatisfied or the matter unsolved: Ctrl+H sends one back to the unit (二次办理). A third, the
record of finished rounds, where a manager changes a score with the reason (Ctrl+E).
"""
from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (QApplication, QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QInputDialog, QLabel,
                               QSplitter, QTabWidget, QVBoxLayout, QWidget)

from core.errors import HotlineError, ValidationError
from core.roles import Actor, Permission
from core.visits import queue as visit_queue
from core.visits import record
from core.visits.queue import VisitDue, VisitSheet
from core.visits.record import VisitInput
from core.vocab import DissatisfiedWith, Satisfaction, Solved, UnitContacted
from desktop import theme
from desktop.errors import show_error
from desktop.progress import one_at_a_time
from desktop.widgets.forms import KeyButton, choices, text_box
from desktop.widgets.parts import GREEN, GREY, error_label, fill_table, hint_label, read_only_table, say
from desktop.widgets.settings_box import SettingsBox
from desktop.worker import LatestRead, Runner, refresh_on_changes

QUEUE_COLUMNS = ("工单编号", "标题", "诉求人", "回访时限", "轮次")  # the rest is on the sheet
REHANDLE_COLUMNS = ("工单编号", "标题", "承办单位", "回访时间", "满意度", "解决情况", "意见")
NOT_CHOSEN = ("（请选择）", "")


def _coded(kind: type, mnemonic_label: str) -> tuple[QLabel, object]:
    box = choices([NOT_CHOSEN] + [(m.label, m.value) for m in kind])
    label = QLabel(mnemonic_label)
    label.setBuddy(box)
    return label, box


class VisitPanel(QWidget):
    """The queue and the sheet of the visit chosen."""

    def __init__(self, actor: Actor, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor, self.runner = actor, runner
        self.due: list[VisitDue] = []
        self.sheet: VisitSheet | None = None
        self._reads = LatestRead(runner, self)
        refresh_on_changes(self, runner, lambda c: c.tickets or c.visits or c.settings, self.refresh)

        self.table = read_only_table(QUEUE_COLUMNS, "visitQueue")
        self.table.activated.connect(lambda index: self.open_row(index.row()))
        self.summary = hint_label("")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.summary)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(hint_label("Enter 打开回访单 · F5 刷新"))

        self.header = QLabel("在左侧选择一张工单，按 Enter 开始回访。")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.phrases = QLabel()
        self.phrases.setWordWrap(True)
        self.phrases.setTextFormat(Qt.TextFormat.RichText)
        self.feedback = QLabel()
        self.feedback.setWordWrap(True)
        self.feedback.setTextFormat(Qt.TextFormat.RichText)
        contacted_label, self.contacted = _coded(UnitContacted, "承办单位联系(&L)：")
        solved_label, self.solved = _coded(Solved, "解决情况(&J)：")
        satisfaction_label, self.satisfaction = _coded(Satisfaction, "满意度(&M)：")
        self.satisfaction.currentIndexChanged.connect(lambda _i: self._dissatisfied_changed())
        self.about = {d.value: QCheckBox(d.label) for d in DissatisfiedWith}
        about_row = QHBoxLayout()
        for box in self.about.values():
            about_row.addWidget(box)
        about_row.addStretch(1)
        self.comment = text_box("诉求人的意见、建议，不满意的其他方面（如实记录，12345 5.4.3）", lines=3)
        comment_label = QLabel("意见(&Y)：")
        comment_label.setBuddy(self.comment)
        self.errors = error_label()
        self.status = QLabel()
        self.save_button = KeyButton("保存回访 (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        self.missed_button = KeyButton("未接通 (Ctrl+U)")
        self.missed_button.clicked.connect(self.missed)
        self.refused_button = KeyButton("拒绝回访 (Ctrl+R)")
        self.refused_button.clicked.connect(self.refused)
        buttons = QHBoxLayout()
        for b in (self.save_button, self.missed_button, self.refused_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        form = QFormLayout()
        form.addRow(contacted_label, self.contacted)
        form.addRow(solved_label, self.solved)
        form.addRow(satisfaction_label, self.satisfaction)
        form.addRow("不满意方面：", about_row)
        form.addRow(comment_label, self.comment)
        self.form = QWidget()
        right_layout = QVBoxLayout(self.form)
        right_layout.addWidget(self.header)
        right_layout.addWidget(self.phrases)
        right_layout.addWidget(self.feedback)
        right_layout.addLayout(form)
        right_layout.addWidget(self.errors)
        right_layout.addLayout(buttons)
        right_layout.addWidget(self.status)
        right_layout.addStretch(1)

        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.form)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([560, 800])  # the queue's number, title, caller and clock in sight
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        for keys, slot in (("Ctrl+S", self.save), ("Ctrl+U", self.missed), ("Ctrl+R", self.refused),
                           ("F5", self.refresh), ("Esc", self.focus_start)):
            QShortcut(QKeySequence(keys), self, activated=slot, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._enable(False)
        self.refresh()

    # reading -------------------------------------------------------------

    def refresh(self) -> None:
        actor = self.actor
        self._reads(lambda: visit_queue.queue(actor), self._show_queue, lambda exc: show_error(self, exc))

    def _show_queue(self, due: list[VisitDue]) -> None:
        keep = self.sheet.due.ticket_id if self.sheet else None
        self.due = due
        fill_table(self.table, [(d.number, d.title, d.caller, d.due_at[5:16].replace("T", " "),
                                 "" if d.round == 1 else f"第 {d.round} 次") for d in due])
        for row, d in enumerate(due):
            if d.overdue:
                self.table.item(row, 3).setForeground(QBrush(QColor(theme.ERROR)))
                self.table.item(row, 3).setToolTip("已超过回访时限")
        self.table.resizeColumnToContents(0)
        late = sum(d.overdue for d in due)
        self.summary.setText(f"待回访 {len(due)} 件" + (f"，其中超过回访时限 {late} 件" if late else "")
                             if due else "暂无待回访的工单。")
        if keep is not None and keep not in [d.ticket_id for d in due]:
            self._clear()
        if due and self.table.currentRow() < 0:
            self.table.selectRow(0)

    def open_row(self, row: int) -> None:
        if not 0 <= row < len(self.due):
            return
        actor, ticket_id = self.actor, self.due[row].ticket_id
        self._reads(lambda: visit_queue.sheet(actor, ticket_id), self._show_sheet, lambda exc: show_error(self, exc))

    def _show_sheet(self, sheet: VisitSheet) -> None:
        self.sheet = sheet
        d = sheet.due
        turn = "" if d.round == 1 else f"（第 {d.round} 次回访，二次办理后）"
        self.header.setText(
            f"<b>{html.escape(d.number)}</b> {html.escape(d.title)}{turn}"
            f"<span style='color:{GREY}'>　{html.escape(d.category)} · 承办：{html.escape(d.unit)}</span><br>"
            f"<span style='font-size:18px'>拨打 <b>{html.escape(d.phone)}</b></span>　{html.escape(d.caller)}"
            f"　回访时限 {html.escape(d.due_at[:16].replace('T', ' '))}"
            + (f"　<span style='color:{theme.ERROR}'>已联系不上 {d.attempts} 次</span>" if d.attempts else ""))
        self.phrases.setText("<br>".join(f"<b>{html.escape(t)}</b>：{html.escape(p)}" for t, p in sheet.phrases))
        lines = "".join(f"<br>{html.escape(k)}：{html.escape(v)}" for k, v in sheet.feedback)
        earlier = ("<br>此前：" + html.escape("；".join(sheet.earlier))) if sheet.earlier else ""
        self.feedback.setText(f"<span style='color:{GREY}'>{html.escape(d.unit)}的反馈："
                              f"{html.escape(sheet.feedback_result)}{lines}{earlier}</span>")
        for box in (self.contacted, self.solved, self.satisfaction):
            box.setCurrentIndex(0)
        for box in self.about.values():
            box.setChecked(False)
        self.comment.clear()
        self.errors.hide()
        self._enable(True)
        self._dissatisfied_changed()
        self.contacted.setFocus()

    # writing -------------------------------------------------------------

    def _typed(self) -> VisitInput:
        return VisitInput(self.contacted.currentData() or "", self.solved.currentData() or "",
                          self.satisfaction.currentData() or "",
                          [code for code, box in self.about.items() if box.isChecked() and box.isEnabled()],
                          self.comment.toPlainText())

    def save(self) -> None:
        if self.sheet is None or not self.save_button.isEnabled():
            return
        ticket_id, data = self.sheet.due.ticket_id, self._typed()
        self._write(lambda: record.record_visit(self.actor, ticket_id, data), "已保存回访。")

    def missed(self) -> None:
        if self.sheet is None or not self.missed_button.isEnabled():
            return
        ticket_id, note = self.sheet.due.ticket_id, self.comment.toPlainText()
        self._write(lambda: record.record_attempt(self.actor, ticket_id, note), "已记录未接通。")

    def refused(self) -> None:
        if self.sheet is None or not self.refused_button.isEnabled():
            return
        ticket_id, note = self.sheet.due.ticket_id, self.comment.toPlainText()
        self._write(lambda: record.record_refusal(self.actor, ticket_id, note), "已记录诉求人不接受回访。")

    def _write(self, fn, done_text: str) -> None:  # type: ignore[no-untyped-def]
        number = self.sheet.due.number if self.sheet else ""
        was_at = QApplication.focusWidget()
        self._enable(False)  # a second Ctrl+S while this one is written sends nothing

        def done(_result: object) -> None:
            say(self.status, f"{number}：{done_text}", GREEN)
            self._clear()
            self.refresh()
            self.table.setFocus()

        def failed(exc: BaseException) -> None:
            self._enable(True)
            self._dissatisfied_changed()
            if was_at is not None and self.isAncestorOf(was_at):
                was_at.setFocus()  # back where the person was, to put the answer right
            if isinstance(exc, ValidationError):  # what was chosen stays; the message names what is missing
                self.errors.setText("\n".join(exc.fields.values()))
                self.errors.show()
            elif isinstance(exc, HotlineError):
                self.errors.setText(exc.message)
                self.errors.show()
            else:
                show_error(self, exc)

        self.runner.write(fn, done, failed, owner=self)

    # state ---------------------------------------------------------------

    def _dissatisfied_changed(self) -> None:
        unhappy = self.satisfaction.currentData() in record.DISSATISFIED
        for box in self.about.values():
            box.setEnabled(unhappy and self.sheet is not None)

    def _enable(self, on: bool) -> None:
        for w in (self.contacted, self.solved, self.satisfaction, self.comment, self.save_button, self.missed_button,
                  self.refused_button):
            w.setEnabled(on)
        if not on:
            for box in self.about.values():
                box.setEnabled(False)

    def _clear(self) -> None:
        self.sheet = None
        self.header.setText("在左侧选择一张工单，按 Enter 开始回访。")
        self.phrases.clear()
        self.feedback.clear()
        self._enable(False)

    def focus_start(self) -> None:
        self.table.setFocus()


class RehandlingPanel(QWidget):
    """Visits that found the caller dissatisfied or the matter unsolved: the dispatcher decides."""

    def __init__(self, actor: Actor, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor, self.runner = actor, runner
        self.rows: list[visit_queue.RehandlingDue] = []
        self._reads = LatestRead(runner, self)
        refresh_on_changes(self, runner, lambda c: c.tickets or c.visits, self.refresh)
        self.table = read_only_table(REHANDLE_COLUMNS, "rehandlingQueue")
        self.table.horizontalHeader().setStretchLastSection(True)
        self.button = KeyButton("二次办理… (Ctrl+H)")
        self.button.clicked.connect(self.rehandle)
        self.status = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label("回访不满意或问题未解决的工单：决定是否退回承办单位二次办理（GB/T 33358 10.4.2），"
                                    "二次办理后再次反馈审核通过，工单回到回访队列。"))
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        row.addWidget(self.button)
        row.addWidget(self.status, 1)
        layout.addLayout(row)
        QShortcut(QKeySequence("Ctrl+H"), self, activated=self.rehandle,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("F5"), self, activated=self.refresh, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.refresh()

    def refresh(self) -> None:
        actor = self.actor
        self._reads(lambda: visit_queue.rehandling_due(actor), self._show, lambda exc: show_error(self, exc))

    def _show(self, rows: list[visit_queue.RehandlingDue]) -> None:
        self.rows = rows
        fill_table(self.table, [(r.number, r.title, r.unit, r.visited_at[:16].replace("T", " "), r.satisfaction,
                                 r.solved, r.comment) for r in rows])
        if rows and self.table.currentRow() < 0:
            self.table.selectRow(0)
        self.button.setEnabled(bool(rows))

    def rehandle(self) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.rows) or not self.button.isEnabled():
            return
        chosen = self.rows[row]
        note, ok = QInputDialog.getMultiLineText(self, f"二次办理 · {chosen.number}",
                                                 "需要承办单位重新办理的内容（将随工单退回承办单位）：")
        if not ok:
            return

        self.button.setEnabled(False)  # a second Ctrl+H while this one is written asks nothing

        def done(count: int) -> None:
            say(self.status, f"{chosen.number} 已退回{chosen.unit}二次办理（第 {count} 次）。", GREEN)
            self.refresh()

        def failed(exc: BaseException) -> None:
            self.button.setEnabled(True)
            show_error(self, exc)

        self.runner.write(lambda: record.decide_rehandling(self.actor, chosen.visit_id, note), done, failed,
                          owner=self)

    def focus_start(self) -> None:
        self.table.setFocus()


RECORD_COLUMNS = ("工单编号", "标题", "轮次", "结果", "回访时间", "满意度", "原满意度", "修改理由", "意见")


class CorrectionDialog(QDialog):
    """A manager's change of a saved score: the new level and why (both kept on the timeline)."""

    def __init__(self, done: visit_queue.VisitDone, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"修改回访评价 · {done.number}")
        self.level = choices([(m.label, m.value) for m in Satisfaction])
        self.level.setCurrentIndex(max(0, self.level.findText(done.satisfaction)))
        self.reason = text_box("修改的理由，例如诉求人来电更正（必填，记入工单）", lines=3)
        self.error = error_label()
        form = QFormLayout(self)
        form.addRow(QLabel(f"现为“{done.satisfaction}”" + (f"（原为“{done.corrected_from}”）" if done.corrected_from else "")))
        form.addRow("新的满意度：", self.level)
        form.addRow("理由：", self.reason)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class RecordPanel(QWidget):
    """Finished rounds, the newest first; a manager corrects a score here (Ctrl+E)."""

    def __init__(self, actor: Actor, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor, self.runner = actor, runner
        self.rows: list[visit_queue.VisitDone] = []
        self._reads = LatestRead(runner, self)
        refresh_on_changes(self, runner, lambda c: c.visits, self.refresh)
        self.table = read_only_table(RECORD_COLUMNS, "visitRecord")
        self.table.horizontalHeader().setStretchLastSection(True)
        self.button = KeyButton("修改评价… (Ctrl+E)")
        self.button.clicked.connect(self.correct)
        self.button.setVisible(actor.can(Permission.VISIT_CORRECT))
        self.status = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        row.addWidget(self.button)
        row.addWidget(self.status, 1)
        layout.addLayout(row)
        QShortcut(QKeySequence("Ctrl+E"), self, activated=self.correct,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.refresh()

    def refresh(self) -> None:
        actor = self.actor
        self._reads(lambda: visit_queue.recent_visits(actor), self._show, lambda exc: show_error(self, exc))

    def _show(self, rows: list[visit_queue.VisitDone]) -> None:
        self.rows = rows
        fill_table(self.table, [(r.number, r.title, r.round, r.status, r.visited_at[:16].replace("T", " "),
                                 r.satisfaction, r.corrected_from, r.correction_reason, r.comment) for r in rows])
        if rows and self.table.currentRow() < 0:
            self.table.selectRow(0)

    @one_at_a_time  # Ctrl+E again while a correction is saved opens nothing more
    def correct(self) -> None:
        row = self.table.currentRow()
        if not self.actor.can(Permission.VISIT_CORRECT) or not 0 <= row < len(self.rows):
            return
        chosen = self.rows[row]
        dialog = CorrectionDialog(chosen, self)
        while dialog.exec() == QDialog.DialogCode.Accepted:
            level, reason = dialog.level.currentData(), dialog.reason.toPlainText()
            try:
                self.runner.write_and_wait(lambda: record.correct_score(self.actor, chosen.visit_id, level, reason),
                                           initiator=self)
            except HotlineError as exc:  # the dialog opens again with what was typed
                dialog.error.setText(exc.message if not isinstance(exc, ValidationError)
                                     else "\n".join(exc.fields.values()))
                dialog.error.show()
                continue
            say(self.status, f"{chosen.number} 的满意度已改为“{dialog.level.currentText()}”。", GREEN)
            self.refresh()
            return

    def focus_start(self) -> None:
        self.table.setFocus()


class VisitsView(QTabWidget):
    """The area: 回访 for those who visit, 二次办理 for those who decide it."""

    def __init__(self, actor: Actor, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.visits = VisitPanel(actor, runner) if actor.can(Permission.VISIT) else None
        self.rehandling = RehandlingPanel(actor, runner) if actor.can(Permission.DISPATCH) else None
        if self.visits is not None:
            self.addTab(self.visits, "待回访")
        if self.rehandling is not None:
            self.addTab(self.rehandling, "回访不满意 · 二次办理")
        self.record = RecordPanel(actor, runner) if actor.can(Permission.VISIT) else None
        if self.record is not None:
            self.addTab(self.record, "回访记录")
        self.settings: SettingsBox | None = None
        if actor.can(Permission.VISIT_MANAGE):
            self.settings = SettingsBox(
                "回访设置", record.VisitSettings, record.settings, lambda conf: record.save_settings(actor, conf), runner,
                "visit", "回访设置已保存，回访队列下一次刷新起按此列出。",
                "投诉、举报和二次办理后的工单总是回访（12345 5.4.1）；抽样比例只用于咨询、求助、建议类工单的第一次回访。",
                {"within_days": " 个工作日", "attempts": " 次", "share_percent": " %", "window_days": " 天"})
            self.settings.setMaximumWidth(760)  # numbers, not a page of text
            holder = QWidget()
            holder_layout = QVBoxLayout(holder)
            holder_layout.addWidget(self.settings)
            holder_layout.addStretch(1)
            self.addTab(holder, "回访设置")

    def focus_start(self) -> None:
        current = self.currentWidget()
        if current is not None:
            current.focus_start()
