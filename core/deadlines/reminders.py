"""催办 and 督办: the clocks about to run out and those that have (12345 5.2.3 a).

A scan reads only open clocks due before a horizon, through the partial index
``deadline_open``; levels come from the time alone, so every screen agrees:

1 催办     the clock is in its last stretch (a share of its span, at most a cap);
2 督办     it has run out;
3, 4 …    still late after each further interval: escalated (升级督办).

``notified_level`` remembers what the tray has already announced, so a restart
does not announce the same item twice.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core import clock
from core.store import writes_refused
from core.errors import ValidationError
from core.roles import Actor, Permission
from core.service import write
from core.vocab import Stage, Urgency
from db.connection import database, raw_connection
from db.models import Setting

NEAR, OVERDUE = 1, 2
CENTER = "本中心"  # clocks on the center's own steps (派单, 受理, 答复) have no unit


@dataclass(frozen=True)
class ReminderSettings:
    near_percent: int = 25  # 催办 in the last quarter of a clock's span …
    near_cap_hours: int = 48  # … but never earlier than two days before it runs out
    escalate_hours: int = 24  # one level up for each further day late
    max_level: int = 4

    LABELS = {
        "near_percent": "临近到期提醒：剩余时间占时限的百分比",
        "near_cap_hours": "临近到期提醒：最早提前的小时数",
        "escalate_hours": "超期后每隔多少小时升级一次",
        "max_level": "最高督办级别",
    }
    LIMITS = {"near_percent": (1, 90), "near_cap_hours": (1, 24 * 30), "escalate_hours": (1, 24 * 30), "max_level": (2, 9)}


def settings() -> ReminderSettings:
    values = {}
    for name in ReminderSettings.LABELS:
        row = Setting.get_or_none(Setting.key == f"reminder.{name}")
        if row is not None and row.value.isdigit():
            values[name] = int(row.value)
    return ReminderSettings(**values)


def save_settings(actor: Actor, new: ReminderSettings) -> None:
    problems = {}
    for name, (low, high) in ReminderSettings.LIMITS.items():
        value = getattr(new, name)
        if not isinstance(value, int) or not low <= value <= high:
            problems[name] = f"{ReminderSettings.LABELS[name]}应在 {low} 到 {high} 之间，现为“{value}”。"
    if problems:
        raise ValidationError(problems)
    with write(actor, Permission.CALENDAR_MANAGE, "reminder_settings", "setting") as tx:
        for name in ReminderSettings.LABELS:
            Setting.replace(key=f"reminder.{name}", value=str(getattr(new, name))).execute()
        tx.detail = {n: getattr(new, n) for n in ReminderSettings.LABELS}


def level_label(level: int) -> str:
    if level <= NEAR:
        return "催办"
    if level == OVERDUE:
        return "督办"
    return f"升级督办（{level - 1} 级）"


@dataclass(frozen=True)
class Reminder:
    deadline_id: int
    ticket_id: int
    number: str
    title: str
    urgent: bool
    stage: str
    unit_id: int | None
    unit_name: str
    due_at: str
    level: int
    provisional: bool
    notified_level: int
    minutes_left: int  # negative once late

    @property
    def stage_label(self) -> str:
        return Stage.label_of(self.stage)

    @property
    def level_label(self) -> str:
        return level_label(self.level)


def level_at(now: dt.datetime, started: dt.datetime, due: dt.datetime, conf: ReminderSettings) -> int:
    """0 while there is time, then 催办, 督办 and the escalations."""
    if now > due:
        late_hours = (now - due).total_seconds() / 3600
        return min(OVERDUE + int(late_hours // conf.escalate_hours), conf.max_level)
    window = min((due - started) * conf.near_percent / 100, dt.timedelta(hours=conf.near_cap_hours))
    return NEAR if now >= due - window else 0


_SCAN = """
    SELECT d.id, d.ticket_id, d.stage, d.started_at, d.due_at, d.provisional, d.notified_level,
           t.number, t.title, t.urgency, a.unit_id, u.name
    FROM deadline d
    JOIN ticket t ON t.id = d.ticket_id
    LEFT JOIN assignment a ON a.id = d.assignment_id
    LEFT JOIN unit u ON u.id = a.unit_id
    WHERE d.met_at = '' AND d.due_at < ?
    ORDER BY d.due_at
"""


def scan(now: dt.datetime | None = None, conf: ReminderSettings | None = None) -> list[Reminder]:
    """Every open clock at 催办 level or above, the most urgent first."""
    now = clock.to_local(now or clock.now())
    conf = conf or settings()
    horizon = clock.stamp(now + dt.timedelta(hours=conf.near_cap_hours))
    found = []
    parse = clock.parse_stamp
    for (deadline_id, ticket_id, stage, started_at, due_at, provisional, notified, number, title, urgency,
         unit_id, unit_name) in raw_connection().execute(_SCAN, (horizon,)):
        due = parse(due_at)
        level = level_at(now, parse(started_at), due, conf)
        if level:
            found.append(Reminder(
                deadline_id, ticket_id, number, title, urgency == Urgency.URGENT.value, stage, unit_id,
                unit_name or CENTER, due_at, level, bool(provisional), notified,
                int((due - now).total_seconds() // 60),
            ))
    found.sort(key=lambda r: (-r.level, not r.urgent, r.due_at))
    return found


def to_announce(reminders: list[Reminder]) -> list[Reminder]:
    """New for the tray: an urgent ticket's clock, or any clock late, at a level not yet announced."""
    return [r for r in reminders if r.level > r.notified_level and (r.urgent or r.level >= OVERDUE)]


def mark_announced(reminders: list[Reminder]) -> None:
    """Remember the level announced. Not an audited change: it is what this desk has shown."""
    if writes_refused():  # a damaged file: nothing more is written, not even this
        return
    with database.atomic("IMMEDIATE"):
        raw_connection().executemany(
            "UPDATE deadline SET notified_level = ? WHERE id = ? AND notified_level < ?",
            [(r.level, r.deadline_id, r.level) for r in reminders],
        )


@dataclass(frozen=True)
class UnitOverdue:
    unit_id: int | None
    unit_name: str
    stage: str
    count: int
    oldest_due: str

    @property
    def stage_label(self) -> str:
        return Stage.label_of(self.stage)


def overdue_by_unit(now: dt.datetime | None = None) -> list[UnitOverdue]:
    """超期 counts by unit and stage, the units with the most first."""
    stamp = clock.stamp(now or clock.now())
    rows = raw_connection().execute(
        """
        SELECT a.unit_id, u.name, d.stage, count(*), min(d.due_at)
        FROM deadline d
        LEFT JOIN assignment a ON a.id = d.assignment_id
        LEFT JOIN unit u ON u.id = a.unit_id
        WHERE d.met_at = '' AND d.due_at < ?
        GROUP BY a.unit_id, d.stage
        """,
        (stamp,),
    )
    found = [UnitOverdue(unit_id, name or CENTER, stage, count, oldest) for unit_id, name, stage, count, oldest in rows]
    totals: dict[int | None, int] = {}
    for item in found:
        totals[item.unit_id] = totals.get(item.unit_id, 0) + item.count
    found.sort(key=lambda i: (-totals[i.unit_id], i.unit_name, i.oldest_due))
    return found
