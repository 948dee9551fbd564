"""The deadline engine: clocks started, met and moved on tickets (DESIGN "Deadlines").

Callers are the workflow services (registration, dispatch, handling), inside
their write transaction, so a clock never exists without the step that started
it. Counting rules:

- minutes and hours run on the wall clock: units serve 7×24 (12345 5.2.2.2.1);
- calendar days and working days end at 24:00 of the last day, the start day not
  counted (the usual reading of "N 日内", as 民法典 201–203 count periods);
- working days follow China's calendar with make-up days (core.deadlines.workcalendar). A
  count through a year whose notice is not imported uses weekends only and the
  clock is *provisional*: shown as such, recomputed when the notice arrives.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass

from core import clock
from core.deadlines import rules as deadline_rules
from core.deadlines import workcalendar
from core.deadlines.rules import Facts, Rule
from core.errors import ValidationError
from core.roles import Actor, Permission
from core.service import write
from core.vocab import ClockUnit, StartEvent
from db.connection import raw_connection
from db.models import Deadline, DeadlineRules, Setting, Surge, Ticket

log = logging.getLogger("hotline.deadlines")

DEFAULT_PROFILE = {"12345": "12345", "12365": "12365"}
PROFILE_SETTING = "deadline.profile."  # + hotline: which profile times that hotline's tickets


@dataclass(frozen=True)
class RuleSet:
    profile: str
    version: int  # 0: the standard's defaults
    rules: tuple[Rule, ...]
    note: str = ""


@dataclass(frozen=True)
class Due:
    at: dt.datetime
    provisional: bool


@dataclass(frozen=True)
class Preview:
    due: Due
    rule: Rule
    profile: str
    version: int


def profile_for(hotline: str) -> str:
    row = Setting.get_or_none(Setting.key == PROFILE_SETTING + hotline)
    return row.value if row and row.value in deadline_rules.PROFILES else DEFAULT_PROFILE.get(hotline, "12345")


def _profile(code: str) -> deadline_rules.Profile:
    try:
        return deadline_rules.PROFILES[code]
    except KeyError:
        known = "、".join(deadline_rules.PROFILES)
        raise ValidationError.single("profile", f"时限规则方案“{code}”不存在，可选：{known}") from None


def rule_set(profile: str, version: int | None = None) -> RuleSet:
    """The profile's rules in force (``version`` None) or as they were at ``version``."""
    defaults = _profile(profile).defaults
    query = DeadlineRules.select().where(DeadlineRules.profile == profile)
    if version is None:
        row = query.order_by(DeadlineRules.version.desc()).first()
    elif version == 0:
        row = None
    else:
        row = query.where(DeadlineRules.version == version).first()
        if row is None:
            raise ValidationError.single("version", f"时限规则“{profile}”没有第 {version} 版")
    if row is None:
        return RuleSet(profile, 0, defaults, "标准默认")
    return RuleSet(profile, row.version, tuple(Rule.from_json(r) for r in json.loads(row.rules)), row.note)


def save_rules(actor: Actor, profile: str, rules: list[Rule], note: str) -> int:
    """Save an edited rule list as the profile's next version; returns it.

    Clocks already running keep the version they were computed with.
    """
    _profile(profile)
    problems = [p for rule in rules for p in deadline_rules.rule_problems(rule)]
    keys = [r.key for r in rules]
    if len(set(keys)) != len(keys):
        problems.append("规则编号有重复：" + "、".join(sorted({k for k in keys if keys.count(k) > 1})))
    if not rules:
        problems.append("规则列表为空")
    if not note.strip():
        problems.append("请写明修改说明（依据哪份文件、改了什么），以便日后查对每一版规则")
    if problems:
        raise ValidationError.single("rules", "；".join(problems))
    with write(actor, Permission.CALENDAR_MANAGE, "save_deadline_rules", "deadline_rules", profile) as tx:
        latest = rule_set(profile).version
        DeadlineRules.create(
            profile=profile,
            version=latest + 1,
            rules=json.dumps([r.to_json() for r in rules], ensure_ascii=False),
            note=note.strip(),
            created_at=clock.stamp(),
            created_by=actor.user_id,
        )
        tx.detail = {"version": latest + 1, "note": note.strip()}
    return latest + 1


def restore_defaults(actor: Actor, profile: str) -> int:
    """A new version equal to the standard's defaults (history stays whole)."""
    return save_rules(actor, profile, list(_profile(profile).defaults), "恢复标准默认规则")


def due_time(rule: Rule, start: dt.datetime, calendar: workcalendar.WorkCalendar | None = None) -> Due:
    start = clock.to_local(start)
    if rule.clock == ClockUnit.MINUTES.value:
        return Due(start + dt.timedelta(minutes=rule.amount), False)
    if rule.clock == ClockUnit.HOURS.value:
        return Due(start + dt.timedelta(hours=rule.amount), False)
    if rule.clock == ClockUnit.DAYS.value:
        return Due(end_of(start.date() + dt.timedelta(days=rule.amount)), False)
    calendar = calendar or workcalendar.current()
    day, provisional = calendar.working_day_after(start.date(), rule.amount)
    return Due(end_of(day), provisional)


def end_of(day: dt.date) -> dt.datetime:
    """24:00 of ``day`` (stored as 23:59:59): when a day-counted clock, or a date a person
    gave (办理时限, 延期至), runs out."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), clock.LOCAL_TZ)


def surge_at(when: dt.datetime) -> bool:
    """A 集中大话务量 declared by the manager covers ``when`` (12345 5.2.2.1.2)."""
    stamp = clock.stamp(when)
    return Surge.select().where((Surge.starts_at <= stamp) & (Surge.ends_at > stamp)).exists()


def facts_of(ticket: Ticket, at: dt.datetime) -> Facts:
    return Facts(
        hotline=ticket.hotline,
        category=ticket.category,
        urgency=ticket.urgency,
        emergency_type=ticket.emergency_type,
        channel=ticket.channel,
        surge=surge_at(at),
        complex=bool(ticket.complex),
    )


def preview(profile: str, stage: str, facts: Facts, start: dt.datetime, version: int | None = None) -> Preview | None:
    """What the rules give for one stage, without touching a ticket (the ``deadline`` command)."""
    rules = rule_set(profile, version)
    for rule in rules.rules:
        if rule.stage == stage and rule.matches(facts):
            return Preview(due_time(rule, start), rule, profile, rules.version)
    return None


def start_clocks(
    ticket: Ticket,
    event: StartEvent,
    at: dt.datetime,
    assignment_id: int | None = None,
    stages: tuple[str, ...] | None = None,
) -> list[Deadline]:
    """Start every clock the ticket's rules count from ``event``; inside a write.

    Unit stages (sign-off, feedback) start only for an assignment, ticket stages
    only without one, so a dispatch to three units gives three pairs of clocks.
    """
    profile = profile_for(ticket.hotline)
    rules = rule_set(profile)
    wanted = tuple(
        s for s in (stages or tuple({r.stage for r in rules.rules}))
        if (s in deadline_rules.UNIT_STAGES) == (assignment_id is not None)
    )
    started = []
    calendar = workcalendar.current()
    for rule in deadline_rules.rules_starting(rules.rules, event.value, facts_of(ticket, at), wanted):
        due = due_time(rule, at, calendar)
        started.append(Deadline.create(
            ticket=ticket.id,
            assignment=assignment_id,
            stage=rule.stage,
            started_at=clock.stamp(at),
            due_at=clock.stamp(due.at),
            provisional=due.provisional,
            profile=profile,
            rules_version=rules.version,
            rule_key=rule.key,
        ))
    return started


def restart(ticket: Ticket, stage: str, at: dt.datetime, assignment_id: int | None = None) -> list[Deadline]:
    """Run a stage's clock again from ``at`` with the rule that timed it first
    (re-dispatch after a return accepted, re-handling after feedback sent back)."""
    rules = rule_set(profile_for(ticket.hotline))
    facts = facts_of(ticket, at)
    for rule in rules.rules:
        if rule.stage == stage and rule.matches(facts):
            return start_clocks(ticket, StartEvent(rule.start), at, assignment_id, (stage,))
    return []


def _open(ticket_id: int, stages: tuple[str, ...] | None, assignment_id: int | None, all_units: bool):
    query = Deadline.select().where((Deadline.ticket == ticket_id) & (Deadline.met_at == ""))
    if stages:
        query = query.where(Deadline.stage.in_(stages))
    if not all_units:
        query = query.where(Deadline.assignment == assignment_id if assignment_id else Deadline.assignment.is_null())
    return query


def meet(ticket_id: int, stages: tuple[str, ...] | None, at: dt.datetime, assignment_id: int | None = None,
         all_units: bool = False) -> int:
    """Stop the open clocks of these stages: the step was done at ``at``."""
    return _stop(ticket_id, stages, at, assignment_id, all_units, cancelled=False)


def cancel(ticket_id: int, stages: tuple[str, ...] | None, at: dt.datetime, assignment_id: int | None = None,
           all_units: bool = False) -> int:
    """Stop clocks whose step will not happen (a return accepted): never counted as late."""
    return _stop(ticket_id, stages, at, assignment_id, all_units, cancelled=True)


def _stop(ticket_id, stages, at, assignment_id, all_units, cancelled: bool) -> int:
    clocks = list(_open(ticket_id, stages, assignment_id, all_units))
    for d in clocks:
        if not cancelled and at < clock.parse_stamp(d.started_at):
            raise ValidationError.single("at", f"所填时间（{at:%Y-%m-%d %H:%M}）早于该环节时限的起算时间"
                                               f"（{clock.display(d.started_at)}），请检查。")
    ids = [d.id for d in clocks]
    if ids:
        Deadline.update(met_at=clock.stamp(at), cancelled=cancelled).where(Deadline.id.in_(ids)).execute()
    return len(ids)


def open_clock(ticket_id: int, stage: str, assignment_id: int | None = None) -> Deadline | None:
    query = _open(ticket_id, (stage,), assignment_id, all_units=False)
    return query.order_by(Deadline.id.desc()).first()


def set_by_center(ticket: Ticket, stage: str, at: dt.datetime, due: dt.date, assignment_id: int | None) -> None:
    """A deadline the center fixed itself (12345 5.2.2.1.3 note): replaces the rule's, or
    stands alone where the profile has no rule for the stage."""
    current = open_clock(ticket.id, stage, assignment_id)
    if current is not None:
        extend(current, end_of(due))
        return
    Deadline.create(ticket=ticket.id, assignment=assignment_id, stage=stage, started_at=clock.stamp(at),
                    due_at=clock.stamp(end_of(due)), provisional=False, profile=profile_for(ticket.hotline),
                    rules_version=rule_set(profile_for(ticket.hotline)).version, rule_key="center.set")


def extend(deadline: Deadline, new_due: dt.datetime) -> None:
    """An approved extension sets the date itself: no longer computed, never provisional."""
    Deadline.update(due_at=clock.stamp(new_due), provisional=False, notified_level=0).where(Deadline.id == deadline.id).execute()


def recompute_provisional(actor: Actor | None = None) -> int:
    """Recompute every open provisional clock with the calendar as it now stands;
    inside the calendar import's transaction. Returns how many were recomputed."""
    calendar = workcalendar.current()
    conn = raw_connection()
    rows = list(conn.execute(
        "SELECT id, started_at, profile, rules_version, rule_key FROM deadline WHERE provisional = 1 AND met_at = ''"
    ))
    sets: dict[tuple[str, int], dict[str, Rule]] = {}
    changed = []
    for deadline_id, started_at, profile, version, key in rows:
        if (profile, version) not in sets:
            sets[(profile, version)] = {r.key: r for r in rule_set(profile, version).rules}
        rule = sets[(profile, version)].get(key)
        if rule is None:
            continue
        due = due_time(rule, clock.parse_stamp(started_at), calendar)
        changed.append((clock.stamp(due.at), int(due.provisional), deadline_id))
    # A clock that moved is announced again when it really runs out.
    conn.executemany(
        "UPDATE deadline SET notified_level = CASE WHEN due_at <> ?1 THEN 0 ELSE notified_level END,"
        " due_at = ?1, provisional = ?2 WHERE id = ?3", changed)
    log.info("recomputed %d provisional deadlines", len(changed))
    return len(changed)


def provisional_count() -> int:
    return raw_connection().execute(
        "SELECT count(*) FROM deadline WHERE provisional = 1 AND met_at = ''"
    ).fetchone()[0]


@dataclass(frozen=True)
class SurgeInfo:
    id: int
    starts_at: str
    ends_at: str
    reason: str


def declare_surge(actor: Actor, starts: dt.datetime, ends: dt.datetime, reason: str) -> int:
    """集中大话务量 (12345 5.2.2.1.2): ordinary tickets registered within it get 48 hours to dispatch."""
    problems = {}
    if not reason.strip():
        problems["reason"] = "请写明集中大话务量的原因（如极端天气、特殊时间）。"
    if ends <= starts:
        problems["ends"] = "结束时间应晚于开始时间。"
    elif ends - starts > dt.timedelta(days=31):
        problems["ends"] = "一次宣布最长 31 天；更长的时段请分次宣布。"
    if problems:
        raise ValidationError(problems)
    with write(actor, Permission.SURGE_DECLARE, "declare_surge", "surge") as tx:
        row = Surge.create(starts_at=clock.stamp(starts), ends_at=clock.stamp(ends), reason=reason.strip(),
                           declared_by=actor.user_id, declared_at=clock.stamp())
        tx.detail = {"starts_at": row.starts_at, "ends_at": row.ends_at, "reason": row.reason}
    return row.id


def surges() -> list[SurgeInfo]:
    return [SurgeInfo(s.id, s.starts_at, s.ends_at, s.reason) for s in Surge.select().order_by(Surge.starts_at.desc())]
