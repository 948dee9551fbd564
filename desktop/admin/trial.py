"""试算: what the rules in force give for one stage of a ticket like this, started then
(core.deadlines.clocks.preview), so the admin checks an edited rule before trusting it."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core import clock
from core.deadlines import clocks as deadlines
from core.deadlines.rules import Facts
from core.deadlines.clocks import Preview
from core.vocab import Category, EmergencyType, Stage, Urgency
from desktop import theme
from desktop.widgets.parts import GREY, say
from desktop.errors import show_error
from desktop.widgets.inputs import ComboBox, DateTimeEdit
from desktop.worker import Runner


def coded_combo(kind: type, none: str | None = None) -> QComboBox:
    box = ComboBox()
    if none is not None:
        box.addItem(none, "")
    for member in kind:
        box.addItem(member.label, member.value)
    return box


def describe(result: Preview | None, stage: str) -> str:
    if result is None:
        return f"现行规则中没有适用于这种工单“{Stage.label_of(stage)}”环节的规则：该环节不计时。"
    due = clock.display(clock.stamp(result.due.at))
    text = f"时限：{due}"
    if result.due.provisional:
        text += "（暂定：途经尚未导入放假安排的年份，暂按周末计算）"
    version = f"第 {result.version} 版" if result.version else "标准默认规则"
    return f"{text}\n适用规则：{result.rule.describe()}\n（按{version}）"


class DeadlineTrial(QGroupBox):
    def __init__(self, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__("试算：这样的工单，时限到何时？", parent)
        self.runner = runner
        self.profile = "12345"
        self.unsaved: Callable[[], bool] = lambda: False  # the rules table has edits not saved yet
        self.stage = ComboBox()
        self.stage.setObjectName("trialStage")
        self.category = coded_combo(Category)
        self.category.setObjectName("trialCategory")
        self.urgency = coded_combo(Urgency)
        self.urgency.setObjectName("trialUrgency")
        self.emergency = coded_combo(EmergencyType, "无")
        self.emergency.setObjectName("trialEmergency")
        self.complex = QCheckBox("复杂疑难")
        self.surge = QCheckBox("集中大话务量期间")
        self.start = DateTimeEdit()
        self.start.setObjectName("trialStart")
        self.start.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.start.setCalendarPopup(True)
        self.start.setDateTime(QDateTime(clock.now().replace(second=0, tzinfo=None)))
        run = QPushButton("试算 (Enter)")
        run.setAutoDefault(False)
        run.clicked.connect(self.run)
        self.result = QLabel("选择条件后按“试算”。试算使用已保存的现行规则。")
        self.result.setObjectName("trialResult")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        theme.set_text_color(self.result, GREY)

        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        for n, (label, editor) in enumerate((("环节", self.stage), ("诉求分类", self.category),
                                             ("紧急程度", self.urgency), ("紧急类型", self.emergency))):
            grid.addWidget(QLabel(label), n // 2, (n % 2) * 2)
            grid.addWidget(editor, n // 2, (n % 2) * 2 + 1)
        grid.addWidget(QLabel("起算时间"), 2, 0)
        grid.addWidget(self.start, 2, 1)
        flags = QHBoxLayout()
        flags.addWidget(self.complex)
        flags.addWidget(self.surge)
        grid.addLayout(flags, 2, 2, 1, 2)
        bottom = QHBoxLayout()
        bottom.addWidget(self.result, 1)
        bottom.addWidget(run, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addLayout(bottom)
        layout.addStretch(1)

    def set_profile(self, profile: str, stages: list[str]) -> None:
        """The profile the table shows, and the stages its rules time."""
        self.profile = profile
        current = self.stage.currentData()
        self.stage.clear()
        for stage in Stage:
            if stage.value in stages:
                self.stage.addItem(stage.label, stage.value)
        self.stage.setCurrentIndex(max(self.stage.findData(current), 0))

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.run()
            return
        super().keyPressEvent(event)

    def facts(self) -> Facts:
        return Facts(hotline="12365" if self.profile == "12365" else "12345", category=self.category.currentData(),
                     urgency=self.urgency.currentData(), emergency_type=self.emergency.currentData(),
                     surge=self.surge.isChecked(), complex=self.complex.isChecked())

    def run(self) -> None:
        profile, stage, facts = self.profile, self.stage.currentData(), self.facts()
        if not stage:
            return
        start = clock.to_local(self.start.dateTime().toPython())
        say(self.result, "正在试算…", GREY)
        self.runner.read(lambda: deadlines.preview(profile, stage, facts, start),
                         lambda result: say(self.result, describe(result, stage) + (
                             "\n注意：表中还有未保存的修改，试算按已保存的规则，未包含这些修改。" if self.unsaved() else ""),
                             theme.NAVY),
                         lambda exc: show_error(self, exc), owner=self)
