"""催办 / 督办 settings (core.deadlines.reminders.ReminderSettings): when a clock is near, when late escalates."""
from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from core.deadlines import reminders
from core.errors import ValidationError
from core.deadlines.reminders import ReminderSettings
from core.roles import Actor
from desktop import theme
from desktop.widgets.parts import GREEN, say
from desktop.errors import show_error
from desktop.widgets.inputs import SpinBox
from desktop.worker import Runner

SUFFIX = {"near_percent": " %", "near_cap_hours": " 小时", "escalate_hours": " 小时", "max_level": " 级"}


class ReminderSettingsBox(QGroupBox):
    def __init__(self, actor: Actor, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__("催办督办提醒", parent)
        self.actor = actor
        self.runner = runner
        self.spins: dict[str, QSpinBox] = {}
        form = QFormLayout()
        for name, label in ReminderSettings.LABELS.items():
            spin = SpinBox()
            spin.setObjectName(f"reminder_{name}")
            low, high = ReminderSettings.LIMITS[name]
            spin.setRange(low, high)
            spin.setSuffix(SUFFIX.get(name, ""))
            self.spins[name] = spin
            text = QLabel(label)
            text.setWordWrap(True)
            form.addRow(text, spin)
        save = QPushButton("保存提醒设置")
        save.setAutoDefault(False)
        save.clicked.connect(self.save)
        self.status = QLabel()
        self.status.setObjectName("reminderStatus")
        self.status.setWordWrap(True)
        note = QLabel("超期即督办，之后每隔设定的时间升一级；工作台和托盘提醒都按此计算。")
        note.setWordWrap(True)
        theme.small(note)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(save)
        layout.addWidget(self.status)
        layout.addWidget(note)
        self.reload()

    def reload(self) -> None:
        self.runner.read(reminders.settings, self._show, lambda exc: show_error(self, exc), owner=self)

    def _show(self, conf: ReminderSettings) -> None:
        for name, spin in self.spins.items():
            spin.setValue(getattr(conf, name))

    def gather(self) -> ReminderSettings:
        return dataclasses.replace(ReminderSettings(), **{n: s.value() for n, s in self.spins.items()})

    def save(self) -> None:
        conf = self.gather()

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ValidationError):
                say(self.status, "未保存：" + "；".join(exc.fields.values()), theme.ERROR)
            else:
                show_error(self, exc)

        self.runner.write(lambda: reminders.save_settings(self.actor, conf),
                          lambda _r: say(self.status, "提醒设置已保存，下一次刷新起生效。", GREEN), failed, owner=self)
