"""工作台: what the logged-in user has to do next, the most urgent first.

What shows depends on the rights the user holds: the dispatcher sees the
center's own steps (受理, 派单, 答复), units to chase and returns and feedback
to review; the manager the extension requests; the supervisor what is late;
the admin a calendar that is missing a year; whoever visits, the return visits due (回访).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core import clock
from core.deadlines import clocks as deadlines
from core.deadlines import reminders
from core.deadlines import workcalendar
from core.roles import Actor, Permission
from core.service import current
from core.visits import queue as visit_queue
from core.vocab import AssignmentStatus, Stage, Urgency
from db.connection import raw_connection

LIMIT = 300


@dataclass(frozen=True)
class WorkItem:
    task: str  # what to do, in words: 待派单, 审核退单 …
    ticket_id: int | None
    number: str
    title: str
    unit: str
    due_at: str  # '' when the step has no clock
    level: int  # reminders level: 0 in time, 1 催办, 2 督办, 3+ escalated
    urgent: bool
    provisional: bool = False
    target_id: int | None = None  # the assignment or extension request the task acts on

    @property
    def sort_key(self) -> tuple:
        return (-self.level, not self.urgent, self.due_at or "9999")


_CENTER_TASKS = {Stage.ACCEPT.value: "待决定受理", Stage.DISPATCH.value: "待派单", Stage.REPLY.value: "待答复诉求人",
                 Stage.COMPLETE.value: "待办结"}
_UNIT_TASKS = {Stage.SIGN_OFF.value: "催签收", Stage.FEEDBACK.value: "催反馈"}


def my_work(actor: Actor, now: dt.datetime | None = None, limit: int = LIMIT) -> list[WorkItem]:
    actor = current(actor)  # a disabled account sees nothing; a role taken away, not its work
    now = clock.to_local(now or clock.now())
    conf = reminders.settings()
    items: list[WorkItem] = []
    if actor.can(Permission.DISPATCH):
        items += _center_steps(now, conf, limit)
        items += _reviews(limit)
    if actor.can(Permission.DISPATCH) or actor.can(Permission.SUPERVISE):
        late_only = not actor.can(Permission.DISPATCH)
        for r in reminders.scan(now, conf):
            # The dispatcher sees the center's own steps above; a supervisor sees everything late.
            if (r.unit_id is not None or late_only) and (not late_only or r.level >= reminders.OVERDUE):
                task = _UNIT_TASKS.get(r.stage) if r.unit_id is not None else _CENTER_TASKS.get(r.stage)
                items.append(WorkItem(task or r.stage_label, r.ticket_id,
                                      r.number, r.title, r.unit_name, r.due_at, r.level, r.urgent, r.provisional))
    if actor.can(Permission.EXTENSION_DECIDE):
        items += _extensions()
    if actor.can(Permission.CALENDAR_MANAGE):
        items += _calendar(now)
    if actor.can(Permission.VISIT):
        items += _visits(actor, now, conf, limit)
    items.sort(key=lambda i: i.sort_key)
    return items[:limit]


def _center_steps(now: dt.datetime, conf: reminders.ReminderSettings, limit: int) -> list[WorkItem]:
    rows = raw_connection().execute(
        """
        SELECT d.ticket_id, d.stage, d.started_at, d.due_at, d.provisional, t.number, t.title, t.urgency
        FROM deadline d JOIN ticket t ON t.id = d.ticket_id
        WHERE d.met_at = '' AND d.assignment_id IS NULL AND d.stage IN ('accept', 'dispatch', 'reply', 'complete')
        ORDER BY d.due_at LIMIT ?
        """, (limit,))
    items = []
    for ticket_id, stage, started, due, provisional, number, title, urgency in rows:
        level = reminders.level_at(now, clock.parse_stamp(started), clock.parse_stamp(due), conf)
        items.append(WorkItem(_CENTER_TASKS[stage], ticket_id, number, title, reminders.CENTER, due, level,
                              urgency == Urgency.URGENT.value, bool(provisional)))
    return items


def _reviews(limit: int) -> list[WorkItem]:
    rows = raw_connection().execute(
        """
        SELECT a.id, a.status, a.ticket_id, t.number, t.title, t.urgency, u.name, a.updated_at
        FROM assignment a JOIN ticket t ON t.id = a.ticket_id JOIN unit u ON u.id = a.unit_id
        WHERE a.status IN (?, ?) ORDER BY a.updated_at LIMIT ?
        """, (AssignmentStatus.RETURN_ASKED.value, AssignmentStatus.FEEDBACK.value, limit))
    task = {AssignmentStatus.RETURN_ASKED.value: "审核退单", AssignmentStatus.FEEDBACK.value: "审核反馈"}
    return [WorkItem(task[status], ticket_id, number, title, unit, "", 0, urgency == Urgency.URGENT.value,
                     target_id=assignment_id)
            for assignment_id, status, ticket_id, number, title, urgency, unit, _ in rows]


def _extensions() -> list[WorkItem]:
    rows = raw_connection().execute(
        """
        SELECT e.id, e.requested_due, a.ticket_id, t.number, t.title, t.urgency, u.name
        FROM extension_request e JOIN assignment a ON a.id = e.assignment_id
        JOIN ticket t ON t.id = a.ticket_id JOIN unit u ON u.id = a.unit_id
        WHERE e.decision = '' ORDER BY e.asked_at
        """)
    return [WorkItem(f"审批延期（至 {until}）", ticket_id, number, title, unit, "", 0, urgency == Urgency.URGENT.value,
                     target_id=request_id)
            for request_id, until, ticket_id, number, title, urgency, unit in rows]


def _visits(actor: Actor, now: dt.datetime, conf: reminders.ReminderSettings, limit: int) -> list[WorkItem]:
    """回访 due, on the visit's own clock (core.visits.queue): 催办 near its end, 督办 once past — never
    the escalated levels of a unit's clock, which would bury the units' late work under the visits."""
    return [WorkItem("待回访" if d.round == 1 else f"第 {d.round} 次回访（二次办理后）", d.ticket_id, d.number, d.title,
                     d.unit, d.due_at, min(reminders.OVERDUE, reminders.level_at(
                         now, clock.parse_stamp(d.closed_at), clock.parse_stamp(d.due_at), conf)), False)
            for d in visit_queue.queue(actor, now, limit)]


def _calendar(now: dt.datetime) -> list[WorkItem]:
    items = [WorkItem(text, None, "", text, "", "", reminders.OVERDUE, False) for text in workcalendar.alerts(now.date())]
    pending = deadlines.provisional_count()
    if pending:
        text = f"{pending} 个时限跨入尚未导入放假安排的年份，暂按周末计算；导入当年放假通知后会自动重算。"
        items.append(WorkItem("导入放假通知", None, "", text, "", "", reminders.NEAR, False))
    return items
