"""催办 / 督办 settings (core.deadlines.reminders.ReminderSettings): when a clock is near, when late escalates."""
from __future__ import annotations

from core.deadlines import reminders
from core.deadlines.reminders import ReminderSettings
from core.roles import Actor
from desktop.widgets.settings_box import SettingsBox
from desktop.worker import Runner

SUFFIX = {"near_percent": " %", "near_cap_hours": " 小时", "escalate_hours": " 小时", "max_level": " 级"}


class ReminderSettingsBox(SettingsBox):
    def __init__(self, actor: Actor, runner: Runner) -> None:
        super().__init__("提醒设置", ReminderSettings, reminders.settings,
                         lambda conf: reminders.save_settings(actor, conf), runner, "reminder",
                         "提醒设置已保存，下一次刷新起生效。", "超期即督办，之后每隔设定的时间升一级；工作台和托盘提醒都按此计算。",
                         SUFFIX)
        self.setTitle("催办督办提醒")
