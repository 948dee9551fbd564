"""系统管理 · 时限规则: the standards' deadlines as the admin may edit them (core.deadlines.clocks,
core.deadlines.rules), a 试算 box to check them, and the 催办督办 reminder settings.

The table is the profile's rules in force, in order: for each stage the first
rule that fits a ticket wins. The length, its unit and the start event are
edited in place (type a number, or F2); saving makes a new version with a note,
and clocks already running keep the version they were computed with.
"""
from __future__ import annotations

import dataclasses

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.center import profile as center
from core.deadlines import rules as deadline_rules
from core.deadlines import clocks as deadlines
from core.deadlines.rules import Rule
from core.deadlines.clocks import RuleSet
from core.errors import ValidationError
from core.roles import Actor
from core.vocab import Category, CenterKind, Channel, ClockUnit, EmergencyType, Stage, StartEvent, Urgency
from desktop import theme
from desktop.admin.reminders import ReminderSettingsBox
from desktop.admin.trial import DeadlineTrial
from desktop.widgets.parts import GREEN, say
from desktop.errors import show_error
from desktop.widgets.inputs import ComboBox, SpinBox
from desktop.worker import Runner

COLUMNS = ("环节", "适用于", "说明", "时限", "单位", "起算", "依据条款")
AMOUNT, CLOCK, START = 3, 4, 5
EDITED_BG = "#fff3d6"
Index = QModelIndex | QPersistentModelIndex


def conditions(rule: Rule) -> str:
    """适用于, in words: 紧急类型：突发事件、不稳定因素 … or 其余情形 when the rule takes anything."""
    parts = [f"{title}：{'、'.join(kind.label_of(c) for c in codes)}"
             for title, kind, codes in (("诉求分类", Category, rule.categories), ("紧急程度", Urgency, rule.urgencies),
                                        ("紧急类型", EmergencyType, rule.emergencies), ("受理渠道", Channel, rule.channels))
             if codes]
    if rule.surge is not None:
        parts.append("集中大话务量期间" if rule.surge else "非集中大话务量期间")
    if rule.complex is not None:
        parts.append("复杂疑难" if rule.complex else "非复杂疑难")
    return "；".join(parts) or "其余情形"


def _center_profile() -> str:
    info = center.current_center()
    hotline = "12365" if info is not None and info.kind == CenterKind.HOTLINE_12365 else "12345"
    return deadlines.profile_for(hotline)


class RuleDelegate(QStyledItemDelegate):
    """Editors for 时限 (a number), 单位 and 起算 (lists); the rule each row edits is ``view.rules[row]``."""

    def __init__(self, view: RulesView) -> None:
        super().__init__(view.table)
        self.view = view

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:  # noqa: N802
        rule = self.view.rules[index.row()]
        if index.column() == AMOUNT:
            spin = SpinBox(parent)
            spin.setRange(1, max(deadline_rules.MAX_AMOUNT.values()))
            return spin
        box = ComboBox(parent)
        codes = [c.value for c in ClockUnit] if index.column() == CLOCK else deadline_rules.ALLOWED_STARTS[rule.stage]
        kind = ClockUnit if index.column() == CLOCK else StartEvent
        for code in codes:
            box.addItem(kind.label_of(code), code)
        return box

    def setEditorData(self, editor: QWidget, index: Index) -> None:  # noqa: N802
        rule = self.view.rules[index.row()]
        if isinstance(editor, QSpinBox):
            editor.setValue(rule.amount)
            editor.selectAll()
        elif isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(editor.findData(rule.clock if index.column() == CLOCK else rule.start), 0))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:  # noqa: N802
        if isinstance(editor, QSpinBox):
            editor.interpretText()
            self.view.edit_rule(index.row(), amount=editor.value())
        elif isinstance(editor, QComboBox):
            field = "clock" if index.column() == CLOCK else "start"
            self.view.edit_rule(index.row(), **{field: editor.currentData()})


class RulesView(QWidget):
    def __init__(self, actor: Actor, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.runner = runner
        self.ruleset: RuleSet | None = None
        self.rules: list[Rule] = []  # as edited

        self.profile = ComboBox()
        self.profile.setObjectName("ruleProfile")
        for code, profile in deadline_rules.PROFILES.items():
            self.profile.addItem(profile.label, code)
        self.profile.currentIndexChanged.connect(lambda _i: self._profile_chosen())
        self.version = QLabel()
        self.version.setObjectName("ruleVersion")
        self.version.setWordWrap(True)
        restore = QPushButton("恢复标准默认…")
        restore.setAutoDefault(False)
        restore.clicked.connect(self.restore_defaults)
        top = QHBoxLayout()
        top.addWidget(QLabel("方案"))
        top.addWidget(self.profile)
        top.addWidget(self.version, 1)
        top.addWidget(restore)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("ruleTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.table.setItemDelegate(RuleDelegate(self))
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)  # one line a rule; the whole of it in the tooltip
        header = self.table.horizontalHeader()
        for column, width in enumerate((80, 290, 0, 50, 80, 110, 125)):
            if width:
                self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)

        self.note = QLineEdit()
        self.note.setObjectName("ruleNote")
        self.note.setPlaceholderText("修改说明（必填），如：按区政府 2026 年 12 号文，一般诉求反馈时限改为 5 天")
        self.note.textChanged.connect(lambda _t: self._enable())
        self.note.returnPressed.connect(self.save)
        self.save_button = QPushButton("保存为新版本")
        self.save_button.setStyleSheet(theme.PRIMARY_SHEET)
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        self.status = QLabel()
        self.status.setObjectName("ruleStatus")
        self.status.setWordWrap(True)
        save_row = QHBoxLayout()
        save_row.addWidget(self.note, 1)
        save_row.addWidget(self.save_button)

        self.trial = DeadlineTrial(runner)
        self.trial.unsaved = lambda: self.dirty
        self.reminder_box = ReminderSettingsBox(actor, runner)
        bottom = QHBoxLayout()
        bottom.addWidget(self.trial, 3)
        bottom.addWidget(self.reminder_box, 2)
        hint = QLabel("同一环节按表中顺序取第一条适用的规则。选中“时限”“单位”或“起算”格直接输入或按 F2 修改；"
                      "已开始计时的工单仍按原版本规则计算。")
        hint.setWordWrap(True)
        theme.small(hint)
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(self.table, 1)
        upper_layout.addLayout(save_row)
        upper_layout.addWidget(self.status)
        lower = QWidget()
        lower.setLayout(bottom)
        bottom.setContentsMargins(0, 0, 0, 0)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(upper)
        split.addWidget(lower)
        split.setChildrenCollapsible(False)
        split.setStretchFactor(0, 1)
        split.setSizes([470, 250])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(hint)
        layout.addWidget(split, 1)
        self.runner.read(_center_profile, self._start, lambda exc: show_error(self, exc), owner=self)

    # Reading -------------------------------------------------------------

    def _start(self, profile: str) -> None:
        index = self.profile.findData(profile)
        if index > 0:
            self.profile.setCurrentIndex(index)  # loads it
        else:
            self.reload()

    def _profile_chosen(self) -> None:
        if self.dirty and not self._confirm("放弃修改？", "当前方案有未保存的修改，切换方案将放弃这些修改。确定吗？"):
            self.profile.blockSignals(True)
            self.profile.setCurrentIndex(self.profile.findData(self.ruleset.profile if self.ruleset else "12345"))
            self.profile.blockSignals(False)
            return
        self.reload()

    def reload(self) -> None:
        profile = self.profile.currentData()
        self.runner.read(lambda: deadlines.rule_set(profile), self._show, lambda exc: show_error(self, exc), owner=self)

    def _show(self, ruleset: RuleSet) -> None:
        if ruleset.profile != self.profile.currentData():
            return
        self.ruleset = ruleset
        self.rules = list(ruleset.rules)
        if ruleset.version:
            self.version.setText(f"现行：第 {ruleset.version} 版　说明：{ruleset.note or '（无）'}")
        else:
            self.version.setText("现行：标准默认规则（第 0 版）")
        self.table.clearContents()
        self.table.setRowCount(len(self.rules))
        for row in range(len(self.rules)):
            self._fill_row(row)
        self.trial.set_profile(ruleset.profile, sorted({r.stage for r in self.rules}))
        self._enable()

    def _fill_row(self, row: int) -> None:
        rule, before = self.rules[row], self.ruleset.rules[row] if self.ruleset else None
        texts = (Stage.label_of(rule.stage), conditions(rule), rule.label, str(rule.amount), ClockUnit.label_of(rule.clock),
                 StartEvent.label_of(rule.start), rule.clause)
        changed = {AMOUNT: before is not None and rule.amount != before.amount,
                   CLOCK: before is not None and rule.clock != before.clock,
                   START: before is not None and rule.start != before.start}
        for column, text in enumerate(texts):
            item = self.table.item(row, column)
            if item is None:  # first fill; an edit updates the items in place, under the open editor
                item = QTableWidgetItem()
                flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                item.setFlags(flags | Qt.ItemFlag.ItemIsEditable if column in (AMOUNT, CLOCK, START) else flags)
                self.table.setItem(row, column, item)
            item.setText(text)
            item.setToolTip(rule.describe())
            font = QFont()
            font.setBold(bool(changed.get(column)))
            item.setFont(font)
            item.setBackground(QBrush(QColor(EDITED_BG)) if changed.get(column) else QBrush())

    @property
    def dirty(self) -> bool:
        return self.ruleset is not None and tuple(self.rules) != self.ruleset.rules

    def _enable(self) -> None:
        count = sum(1 for a, b in zip(self.rules, self.ruleset.rules) if a != b) if self.ruleset else 0
        self.save_button.setEnabled(bool(count) and bool(self.note.text().strip()))
        self.save_button.setToolTip("" if self.save_button.isEnabled() else
                                    "先修改规则，再填写修改说明" if not count else "请填写修改说明")
        if count:
            say(self.status, f"有 {count} 条规则已修改、尚未保存（黄色格）。填写修改说明后“保存为新版本”。", theme.NAVY)
        elif self.status.text().startswith("有 "):
            self.status.clear()

    # Writing -------------------------------------------------------------

    def edit_rule(self, row: int, **change: object) -> None:
        """From the table's editors: one field of one rule, checked by core when saved."""
        if 0 <= row < len(self.rules):
            self.rules[row] = dataclasses.replace(self.rules[row], **change)  # type: ignore[arg-type]
            self._fill_row(row)
            self._enable()

    def _confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def save(self) -> None:
        if not self.save_button.isEnabled() or self.ruleset is None:
            return
        profile, rules, note = self.ruleset.profile, list(self.rules), self.note.text()
        self.save_button.setEnabled(False)

        def saved(version: int) -> None:
            self.note.clear()
            say(self.status, f"已保存为第 {version} 版。新登记和新派单的工单按新规则计时。", GREEN)
            self.reload()

        def failed(exc: BaseException) -> None:
            self._enable()
            if isinstance(exc, ValidationError):  # the edits and the note stay
                say(self.status, "未保存：" + "；".join(exc.fields.values()), theme.ERROR)
            else:
                show_error(self, exc)

        self.runner.write(lambda: deadlines.save_rules(self.actor, profile, rules, note), saved, failed, owner=self)

    def restore_defaults(self) -> None:
        if self.ruleset is None:
            return
        profile = self.ruleset.profile
        label = deadline_rules.PROFILES[profile].label
        if not self._confirm("恢复标准默认", f"把“{label}”的规则恢复为标准默认值？\n将保存为一个新版本，历史版本仍保留。"
                             + ("\n当前未保存的修改将被放弃。" if self.dirty else "")):
            return

        def saved(version: int) -> None:
            say(self.status, f"已恢复标准默认规则（第 {version} 版）。", GREEN)
            self.reload()

        self.runner.write(lambda: deadlines.restore_defaults(self.actor, profile), saved,
                          lambda exc: show_error(self, exc), owner=self)
