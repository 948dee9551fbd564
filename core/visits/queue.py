"""The return-visit queue (回访): tickets due for a visit, the visit's own clock, and one ticket as the
visitor's screen shows it (the standard phrases of 12345 appendix B.4, the number to dial, the unit's
feedback).

Left out, as 12345 5.4.2 asks: callers who said at registration that they do not want a visit, and
tickets without a number; and tickets closed longer ago than VisitSettings.window_days. Confidential callers (是否保密) are listed only to accounts that may see
who they are. Of the first round of consults, help and suggestions a manager may visit a share
(VisitSettings.share_percent, drawn by the ticket's id so the same tickets are always in it);
complaints, reports and re-handled tickets are always visited (5.4.1 "全部或抽样").
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from core import clock
from core.deadlines import clocks as deadlines
from core.deadlines import workcalendar
from core.dispatch.reads import feedback_lines
from core.errors import NotFound
from core.roles import Actor, Permission
from core.service import require
from core.tickets.privacy import mask_name, mask_phone
from core.visits import record
from core.vocab import Category, Satisfaction, Solved, VisitStatus
from db.connection import raw_connection

# B.4: what the visitor says, in order (they must not lead the caller, 5.4.4).
PHRASES: tuple[tuple[str, str], ...] = (
    ("首问语", "您好，我是12345市民服务热线的回访人员，请问您是{称呼}吗？本次联系您是为了做回访调查。"),
    ("测评响应情况", "针对您之前反映的{问题}，承办单位是否联系或尝试与您联系？"
                 "（如问什么叫尝试联系：曾通过电话、上门、短信等各种方式联系您）"),
    ("测评解决情况", "您反映的问题是否得到解决？"),
    ("测评满意情况", "对问题的处理情况是非常满意、满意、基本满意、不满意、非常不满意？"),
    ("不满意时", "请问您对哪方面不满意？（职能部门办事效率 / 办事人员态度 / 解决问题质量）"),
    ("结束语", "感谢您的配合，不打扰了，再见。"),
)

# Closed tickets handled by a unit (their latest lead assignment closed by the feedback review)
# lately, whose caller agreed and left a number, and whose current round has not ended; the
# oldest first, through the partial index on lead assignments by closing time. The sample is
# drawn by a multiplicative hash of the ticket's id, so the same tickets are always in it.
_QUEUE = """
    SELECT t.id, t.number, t.title, t.category, t.caller_name, t.caller_phone, t.caller_contact, t.confidential,
           a.closed_at, u.name,
           CASE WHEN r.id IS NULL THEN 1 WHEN r.rehandled THEN r.round + 1 ELSE r.round END AS round,
           CASE WHEN r.id IS NULL OR r.rehandled THEN '[]' ELSE r.attempts END
    FROM assignment a INDEXED BY assignment_lead_closed
    JOIN ticket t ON t.id = a.ticket_id
    JOIN unit u ON u.id = a.unit_id
    LEFT JOIN return_visit r ON r.id = (SELECT v.id FROM return_visit v WHERE v.ticket_id = t.id
                                        ORDER BY v.round DESC LIMIT 1)
    WHERE a.role = 'lead' AND a.status = 'closed' AND a.closed_at >= :since AND a.closed_at != ''
      AND a.id = (SELECT max(l.id) FROM assignment l WHERE l.ticket_id = t.id AND l.role = 'lead')
      AND t.status = 'closed' AND t.visit_consent = 1 AND (t.caller_phone != '' OR t.caller_contact != '')
      AND (r.id IS NULL OR r.rehandled OR r.status = 'due')
      AND (:confidential OR t.confidential = 0)
      AND (t.category IN ('complaint', 'report') OR r.rehandled
           OR (t.id * 2654435761) % 4294967296 % 100 < :share)
      {one}
    ORDER BY a.closed_at
    LIMIT :limit
"""


@dataclass(frozen=True)
class VisitDue:
    ticket_id: int
    number: str
    title: str
    category: str  # label
    caller: str  # masked for an account that may not see who a confidential caller is
    phone: str  # the number to dial, masked likewise
    unit: str
    closed_at: str
    due_at: str  # the visit's clock: within_days working days after the ticket closed
    overdue: bool
    round: int
    attempts: int  # calls of this round that reached nobody


def due_at(closed_at: str, within_days: int, calendar: workcalendar.WorkCalendar | None = None) -> str:
    calendar = calendar or workcalendar.current()
    day, _provisional = calendar.working_day_after(clock.parse_stamp(closed_at).date(), within_days)
    return clock.stamp(deadlines.end_of(day))


def queue(actor: Actor, now: dt.datetime | None = None, limit: int = 200, ticket_id: int | None = None) -> list[VisitDue]:
    """Tickets due for a visit now, the longest waiting first (or just ``ticket_id``, if it is due)."""
    actor = require(actor, Permission.VISIT)
    now = now or clock.now()
    conf, calendar = record.settings(), workcalendar.current()
    sees_identity = actor.can(Permission.TICKET_VIEW_CONFIDENTIAL)
    since = clock.stamp(now - dt.timedelta(days=conf.window_days))
    sql = _QUEUE.format(one="AND t.id = :ticket" if ticket_id is not None else "")
    rows = raw_connection().execute(sql, {"since": since, "confidential": int(sees_identity), "share": conf.share_percent,
                                          "limit": limit, "ticket": ticket_id})
    out: list[VisitDue] = []
    for (tid, number, title, category, name, phone, contact, confidential, closed_at, unit, round_, attempts) in rows:
        due = due_at(closed_at, conf.within_days, calendar)
        masked = bool(confidential) and not sees_identity
        out.append(VisitDue(tid, number, title, Category.label_of(category), mask_name(name) if masked else name,
                            mask_phone(phone or contact) if masked else (phone or contact), unit, closed_at, due,
                            due < clock.stamp(now), round_, len(json.loads(attempts))))
    return out


@dataclass(frozen=True)
class VisitSheet:
    """One ticket as the visitor's screen shows it."""

    due: VisitDue
    content: str
    feedback_result: str
    feedback: list[tuple[str, str]]
    phrases: tuple[tuple[str, str], ...]
    earlier: list[str]  # what earlier rounds found, newest last


def sheet(actor: Actor, ticket_id: int, now: dt.datetime | None = None) -> VisitSheet:
    actor = require(actor, Permission.VISIT)
    due = next(iter(queue(actor, now, limit=1, ticket_id=ticket_id)), None)
    if due is None:
        raise NotFound("这张工单现在不在回访队列中（未办结、已回访、诉求人不同意回访，或未被抽中）。")
    conn = raw_connection()
    content, feedback = conn.execute(
        "SELECT t.content, a.feedback FROM ticket t JOIN assignment a ON a.ticket_id = t.id AND a.role = 'lead'"
        " WHERE t.id = ? ORDER BY a.id DESC LIMIT 1", (ticket_id,)).fetchone()
    result, lines = feedback_lines(feedback)
    earlier = [f"第 {r} 次：{VisitStatus.label_of(s)}" + (f"，{sat}" if sat else "")
               for r, s, sat in conn.execute("SELECT round, status, satisfaction FROM return_visit"
                                             " WHERE ticket_id = ? AND round < ? ORDER BY round",
                                             (ticket_id, due.round))]
    call = due.caller or "诉求人"
    phrases = tuple((title, text.replace("{称呼}", call).replace("{问题}", f"“{due.title}”问题"))
                    for title, text in PHRASES)
    return VisitSheet(due, content, result, lines, phrases, earlier)


@dataclass(frozen=True)
class RehandlingDue:
    """A visit that found the caller dissatisfied or the matter unsolved, awaiting the dispatcher's
    decision on 二次办理 (GB/T 33358 10.4.2)."""

    visit_id: int
    ticket_id: int
    number: str
    title: str
    unit: str
    visited_at: str
    satisfaction: str  # label
    solved: str  # label
    comment: str


def rehandling_due(actor: Actor, limit: int = 200) -> list[RehandlingDue]:
    """Visits found dissatisfied or unsolved, not yet decided, on tickets still closed; the oldest first."""
    require(actor, Permission.DISPATCH)
    rows = raw_connection().execute(
        """
        SELECT r.id, t.id, t.number, t.title, u.name, r.visited_at, r.satisfaction, r.solved, r.comment
        FROM return_visit r JOIN ticket t ON t.id = r.ticket_id
        JOIN assignment a ON a.id = (SELECT max(l.id) FROM assignment l WHERE l.ticket_id = t.id AND l.role = 'lead')
        JOIN unit u ON u.id = a.unit_id
        WHERE r.status = 'done' AND r.rehandled = 0 AND t.status = 'closed'
          AND (r.satisfaction IN ('dissatisfied', 'very_dissatisfied') OR r.solved = 'unsolved')
          AND r.round = (SELECT max(v.round) FROM return_visit v WHERE v.ticket_id = t.id)
        ORDER BY r.visited_at LIMIT ?
        """, (limit,))
    return [RehandlingDue(vid, tid, number, title, unit, at, Satisfaction.label_of(sat), Solved.label_of(solved), comment)
            for vid, tid, number, title, unit, at, sat, solved, comment in rows]


@dataclass(frozen=True)
class VisitDone:
    """A finished round, as the record of visits lists it."""

    visit_id: int
    ticket_id: int
    number: str
    title: str
    round: int
    status: str  # label
    visited_at: str
    satisfaction: str  # label, '' when none was given
    corrected_from: str  # label of the first score when a manager changed it
    correction_reason: str
    comment: str


def recent_visits(actor: Actor, limit: int = 200) -> list[VisitDone]:
    """Finished rounds, the newest first: where a manager finds a score to correct."""
    require(actor, Permission.VISIT)
    rows = raw_connection().execute(
        """
        SELECT r.id, t.id, t.number, t.title, r.round, r.status, r.visited_at, r.satisfaction, r.corrected_from,
               r.correction_reason, r.comment
        FROM return_visit r JOIN ticket t ON t.id = r.ticket_id
        WHERE r.status != 'due' ORDER BY r.updated_at DESC LIMIT ?
        """, (limit,))
    return [VisitDone(vid, tid, number, title, round_, VisitStatus.label_of(status), at,
                      Satisfaction.label_of(sat) if sat else "", Satisfaction.label_of(orig) if orig else "", why, comment)
            for vid, tid, number, title, round_, status, at, sat, orig, why, comment in rows]
