"""演示数据, after registration: what happened to each demo ticket sent to handling units.

Every ticket registered to be handled gets a story played forward from its
registration until ``now``, with the steps core.dispatch.sending and core.dispatch.handling
record (派单, 签收, 退单 and its review, 办理进展, 延期 and its approval, 反馈, 审核,
办结) and the 督办 of core.dispatch.supervision. Each clock is started, met or cancelled
as those services do it, with the center's rules (core.deadlines.rules) and
``deadlines.due_time`` on ``workcalendar.current()``; a step that would fall after
``now`` has not happened yet, so the recent tickets are the open ones, at
whatever step their story has reached. Units come from ``units.suggest_units``.

The rows come out as tuples for ``db.bulk`` (a million tickets in minutes), so
the services' row and event shapes are copied here; tests/demo/test_demo.py
checks them against the services. Times are whole local seconds since
1970-01-01 (China has one fixed offset, +08:00, since 1991).
"""
from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from core import clock
from core.deadlines import rules as deadline_rules
from core.deadlines import clocks as deadlines
from core.deadlines import reminders
from core.units import tree as units
from core.center import users
from core.deadlines import workcalendar
from core.deadlines.rules import Facts, Rule
from core.dispatch.reads import default_opinion
from core.roles import Role
from core.center.topics import active_topics
from core.vocab import (
    AssignmentRole,
    AssignmentStatus,
    Category,
    ClockUnit,
    DispatchMethod,
    EmergencyType,
    EventKind,
    FeedbackResult,
    Stage,
    StartEvent,
    Status,
    SupervisionKind,
    UnitKind,
    Urgency,
)
from db.models import Surge, Unit

# Plain strings for the codes the stories write a million times (an Enum's .value is a descriptor call).
_LEAD, _CO = AssignmentRole.LEAD.value, AssignmentRole.CO.value
_A_DISPATCHED, _A_SIGNED, _A_RETURN_ASKED = (AssignmentStatus.DISPATCHED.value, AssignmentStatus.SIGNED.value,
                                             AssignmentStatus.RETURN_ASKED.value)
_A_WITHDRAWN, _A_FEEDBACK, _A_CLOSED = (AssignmentStatus.WITHDRAWN.value, AssignmentStatus.FEEDBACK.value,
                                        AssignmentStatus.CLOSED.value)
_S_PENDING, _S_ACCEPTED, _S_DISPATCHED = Status.PENDING.value, Status.ACCEPTED.value, Status.DISPATCHED.value
_S_RETURNED, _S_FEEDBACK, _S_CLOSED = Status.RETURNED.value, Status.FEEDBACK.value, Status.CLOSED.value
_ST_ACCEPT, _ST_DISPATCH, _ST_SIGN_OFF = Stage.ACCEPT.value, Stage.DISPATCH.value, Stage.SIGN_OFF.value
_ST_FEEDBACK, _ST_REPLY = Stage.FEEDBACK.value, Stage.REPLY.value
_NORMAL, _URGENT = Urgency.NORMAL.value, Urgency.URGENT.value
_CONSULT, _SUGGESTION = Category.CONSULT.value, Category.SUGGESTION.value
_WALL_CLOCK = (ClockUnit.MINUTES.value, ClockUnit.HOURS.value)  # deadlines.due_time: no calendar


def _json_encoder() -> Callable[[object], str]:
    """json.dumps(value, ensure_ascii=False), without building an encoder per call (a third of the cost)."""
    plain = json.JSONEncoder(ensure_ascii=False)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return plain.encode
    chunks = make(None, plain.default, json.encoder.encode_basestring, None, ": ", ", ", False, False, True)
    return lambda value: "".join(chunks(value, 0))


_JSON = _json_encoder()
_LABELS = {code.value: code.label for kind in (DispatchMethod, FeedbackResult, SupervisionKind) for code in kind}

ASSIGNMENT_COLUMNS = (
    "id", "uid", "origin", "rev", "updated_at", "ticket_id", "unit_id", "role", "status", "dispatched_at",
    "dispatched_by", "method", "opinion", "signed_at", "signed_by", "feedback", "feedback_at", "closed_at",
)
DEADLINE_COLUMNS = (
    "uid", "ticket_id", "assignment_id", "stage", "started_at", "due_at", "provisional", "profile", "rules_version",
    "rule_key", "met_at", "cancelled", "notified_level",
)
EXTENSION_COLUMNS = (
    "uid", "origin", "rev", "updated_at", "assignment_id", "reason", "requested_due", "asked_at", "recorded_by",
    "decision", "decided_at", "decided_by", "decision_note",
)
SUPERVISION_COLUMNS = (
    "uid", "origin", "rev", "updated_at", "ticket_id", "unit_id", "kind", "at", "by_user", "content", "answer",
    "answered_at",
)

# 12365 complaints and reports are accepted (决定受理) before they are transferred (core.dispatch.sending).
NEEDS_ACCEPTANCE = (Category.COMPLAINT.value, Category.REPORT.value)
TERRITORIAL = (UnitKind.STREET.value, UnitKind.COMMUNITY.value)

MINUTE, HOUR, DAY = 60, 3600, 86_400
_EPOCH = dt.date(1970, 1, 1).toordinal()

# How the stories go. Shares are of the tickets sent to units; each was tuned on
# the demo so that, with two years of history, about one ticket in twenty is
# open (a million-ticket demo keeps ~50,000 open) and 5–15 % of the open clocks
# are overdue, with the recent tickets the open ones.
P_CO = 0.25  # a co-handling unit, where the suggestions give a department and a street, or the reverse
P_RETURN = 0.04  # the lead unit says the ticket is not theirs (退单) …
P_RETURN_ACCEPTED = 0.75  # … and the center agrees
P_COMPLEX = {Category.COMPLAINT.value: 0.15, Category.REPORT.value: 0.2, Category.HELP.value: 0.06}
# A long matter (building work, wages, repairs that need parts): the unit asks for more time.
P_LONG = {Category.COMPLAINT.value: 0.42, Category.REPORT.value: 0.45, Category.HELP.value: 0.35,
          Category.SUGGESTION.value: 0.15}
LONG_DAYS = (20, 120)  # the extension asked for, in days past the running deadline
P_EXTENSION_APPROVED = 0.88
P_UNRESOLVED = 0.3  # of complaints, help and reports: fed back 未解决 with a date to follow up
FOLLOW_UP_DAYS = (30, 150)
P_SENT_BACK = 0.03  # the center sends the feedback back for re-handling (退回重办)
P_PROGRESS = 0.3  # a progress note on an ordinary matter; a long one nearly always has one
P_SUPERVISED = 0.35  # a unit late by more than two hours is chased (督办) …
P_ANSWERED = 0.7  # … and answers
LATE = {"dispatch": 0.05, "sign_off": 0.06, "feedback": 0.18}
DEFAULT_SPAN = {"accept": DAY, "dispatch": DAY, "sign_off": DAY, "feedback": 7 * DAY}

# One of each, however small the demo, so every screen has something to show: the
# youngest ticket of the fill's last chunk that fits a case plays it, its steps
# spread evenly between registration and now.
SHOWCASE: dict[str, tuple[tuple[str, ...], float, float]] = {
    # case: (steps that have happened, youngest and oldest age in days)
    "pending": ((), 0.02, 5),
    "accepted": (("accept",), 0.3, 30),  # 12365 complaints and reports only
    "awaiting_sign_off": (("dispatch",), 0.1, 5),
    # Dispatched ten days or more ago and never signed: late on any calendar (no holiday run
    # is that long), so 督办 shows whatever day the demo is made (late steps are otherwise random).
    "sign_off_late": (("dispatch",), 20, 30),
    # Dispatched at the hour that puts its sign-off clock in its last stretch now (催办):
    # timed by the clock itself (_Story.near_due), not spread, since spans vary with the calendar.
    "sign_off_near": (("dispatch",), 1, 12),
    "returned": (("dispatch", "sign", "return_ask"), 0.3, 5),
    "in_handling": (("dispatch", "sign", "progress"), 2, 7),
    "extension_pending": (("dispatch", "sign", "progress", "extension_ask"), 3, 10),
    "extension_approved": (("dispatch", "sign", "extension_ask", "extension_decide"), 4, 12),
    "feedback": (("dispatch", "sign", "feedback"), 2, 10),
}
# Cases whose step is timed so that this stage's clock is near due at the demo's now.
NEAR_DUE_CASES = {"sign_off_near": ("dispatch", _ST_SIGN_OFF)}


def local_seconds(value: dt.datetime) -> int:
    value = clock.to_local(value)
    return (value.toordinal() - _EPOCH) * DAY + value.hour * HOUR + value.minute * MINUTE + value.second


def to_datetime(seconds: int) -> dt.datetime:
    day, rest = divmod(seconds, DAY)
    return dt.datetime.combine(dt.date.fromordinal(day + _EPOCH), dt.time(rest // HOUR, rest // MINUTE % 60, rest % 60),
                               clock.LOCAL_TZ)


class _Stamps:
    """``clock.stamp`` for local seconds, with each day's text made once."""

    def __init__(self) -> None:
        self._days: dict[int, str] = {}
        self._times = [f"T{s // HOUR:02d}:{s // MINUTE % 60:02d}:{s % 60:02d}+08:00" for s in range(DAY)]
        self._recent: dict[int, str] = {}  # a step's time is stamped for its event, its row and its clock

    def day(self, seconds: int) -> str:
        ordinal = seconds // DAY
        text = self._days.get(ordinal)
        if text is None:
            text = self._days[ordinal] = dt.date.fromordinal(ordinal + _EPOCH).isoformat()
        return text

    def __call__(self, seconds: int) -> str:
        text = self._recent.get(seconds)
        if text is None:
            if len(self._recent) > 50_000:
                self._recent.clear()
            day = self._days.get(seconds // DAY)
            text = self._recent[seconds] = (day or self.day(seconds)) + self._times[seconds % DAY]
        return text


@dataclass(frozen=True)
class TicketFacts:
    """What a story needs of a freshly generated ticket."""

    id: int
    hotline: str
    category: str
    urgency: str
    emergency_type: str
    channel: str
    topic_id: int | None
    title: str
    text: str  # title, content and address, for the unit suggestions
    received: int  # local seconds
    registered: int


@dataclass(frozen=True)
class _Unit:
    id: int
    uid: str
    name: str
    kind: str


class _Clock:
    __slots__ = ("assignment", "cancelled", "due", "key", "met", "profile", "provisional", "stage", "start", "version")

    def __init__(self, stage: str, assignment: int | None, start: int, due: int, provisional: bool, profile: str,
                 version: int, key: str) -> None:
        self.stage, self.assignment, self.start, self.due = stage, assignment, start, due
        self.provisional, self.profile, self.version, self.key = provisional, profile, version, key
        self.met: int | None = None
        self.cancelled = False


class _Record:
    """A travelling record: each change raises its rev and moves updated_at (core.tickets.timeline.touch)."""

    __slots__ = ("rev", "status", "updated")

    def touch(self, at: int, status: str | None = None) -> None:
        self.rev += 1
        self.updated = max(self.updated, at)
        if status is not None:
            self.status = status


class _Assignment(_Record):
    __slots__ = ("by", "closed", "dispatched", "feedback", "feedback_at", "id", "method", "opinion", "role",
                 "signed", "signed_by", "uid", "unit")

    def __init__(self, aid: int, uid: str, unit: _Unit, role: str, at: int, by: int | None, method: str,
                 opinion: str) -> None:
        self.id, self.uid, self.unit, self.role = aid, uid, unit, role
        self.status = _A_DISPATCHED
        self.dispatched, self.by, self.method, self.opinion = at, by, method, opinion
        self.signed: int | None = None
        self.signed_by = ""
        self.feedback = "{}"
        self.feedback_at: int | None = None
        self.closed: int | None = None
        self.rev, self.updated = 1, at


class Outcome(_Record):
    """The ticket row's fields a story changes."""

    __slots__ = ("complex",)

    def __init__(self, status: str, updated: int) -> None:
        self.status, self.complex, self.rev, self.updated = status, 0, 1, updated


class Stories:
    """The dispatch side of a demo fill: one per fill, fed the tickets in received order."""

    def __init__(self, rng: random.Random, now: dt.datetime, origin: str, uid: Callable[[], str]) -> None:
        self.rng = rng
        self.now = local_seconds(now)
        self.origin = origin
        self.uid = uid
        self.stamp = _Stamps()
        self.calendar = workcalendar.current()
        self.conf = reminders.settings()
        in_use = {n.id for n in units.unit_tree()}  # active, and no retired unit above them
        self.units = {u.id: _Unit(u.id, u.uid, u.name, u.kind)
                      for u in Unit.select(Unit.id, Unit.uid, Unit.name, Unit.kind).order_by(Unit.id) if u.id in in_use}
        self.district = self._district()
        self.topic_paths = {t.id: t.path for t in active_topics()}
        self.topic_names = {t.id: t.name for t in active_topics()}
        self.surges = [(local_seconds(clock.parse_stamp(s.starts_at)), local_seconds(clock.parse_stamp(s.ends_at)))
                       for s in Surge.select()]
        self.rule_sets: dict[str, deadlines.RuleSet] = {}
        self._rules: dict[tuple, list[Rule]] = {}
        self._offsets: dict[Rule, int] = {}
        self._day_dues: dict[tuple[Rule, int], tuple[int, bool]] = {}
        self._suggested: dict[tuple, tuple[_Unit, ...]] = {}
        self._words, self._inside = _unit_words()
        self.dispatchers, self.managers, self.supervisors = _staff()
        self.next_assignment = 1
        self.assignments: list[tuple] = []
        self.deadlines: list[tuple] = []
        self.extensions: list[tuple] = []
        self.supervisions: list[tuple] = []

    @property
    def can_dispatch(self) -> bool:
        return bool(self.units)

    def resume(self, max_assignment_id: int) -> None:
        self.next_assignment = max(self.next_assignment, max_assignment_id + 1)

    def take(self) -> tuple[list[tuple], list[tuple], list[tuple], list[tuple]]:
        """The rows made since the last call: assignments, deadlines, extension requests, supervisions."""
        out = (self.assignments, self.deadlines, self.extensions, self.supervisions)
        self.assignments, self.deadlines, self.extensions, self.supervisions = [], [], [], []
        return out

    def play(self, ticket: TicketFacts, events: list[tuple], case: str | None = None) -> Outcome:
        """The ticket's story up to now (a SHOWCASE ``case``'s, if given): appends its rows and
        events; returns its row's new fields."""
        story = _Story(self, ticket, SHOWCASE[case][0] if case else None, NEAR_DUE_CASES.get(case or ""))
        story.run()
        return story.finish(events)

    def showcase_cases(self, tickets: list[TicketFacts]) -> dict[int, str]:
        """Ticket id → SHOWCASE case, each case to the youngest ticket that fits it (the fill's last tickets)."""
        chosen: dict[int, str] = {}
        if not self.can_dispatch:
            return chosen
        for case, (_steps, youngest, oldest) in SHOWCASE.items():
            for t in reversed(tickets):
                age = (self.now - t.registered) / DAY
                accepts = t.hotline == "12365" and t.category in NEEDS_ACCEPTANCE
                if (t.id not in chosen and t.urgency == _NORMAL and youngest <= age <= oldest
                        and (case == "accepted") == accepts):
                    chosen[t.id] = case
                    break
        return chosen

    # -- where things come from -------------------------------------------------
    def _district(self) -> _Unit | None:
        """Where a ticket no unit's matters cover goes (12345 5.2.2.1.1): the district government."""
        rows = sorted(self.units.values(), key=lambda u: (u.kind != UnitKind.DISTRICT.value, u.id))
        return rows[0] if rows else None

    def suggested(self, ticket: TicketFacts) -> tuple[_Unit, ...]:
        """units.suggest_units for the ticket, asked once per kind of ticket.

        suggest_units weighs the topic and the units' words (matters, keywords,
        places) that the text holds, so tickets alike in those get the answer of
        the first of them: a million calls would take minutes.
        """
        words = frozenset(w for found in self._words.findall(ticket.text) for w in self._inside[found])
        key = (ticket.category, ticket.topic_id, words)
        found = self._suggested.get(key)
        if found is None:
            hits = units.suggest_units(ticket.category, self.topic_paths.get(ticket.topic_id, ""), ticket.text)
            found = self._suggested[key] = tuple(self.units[s.unit_id] for s in hits if s.unit_id in self.units)
        return found

    def facts(self, ticket: TicketFacts, at: int, complex_: bool) -> Facts:
        """deadlines.facts_of."""
        surge = bool(self.surges) and any(start <= at < end for start, end in self.surges)
        return Facts(ticket.hotline, ticket.category, ticket.urgency, ticket.emergency_type, ticket.channel, surge,
                     complex_)

    def rule_set(self, hotline: str) -> deadlines.RuleSet:
        found = self.rule_sets.get(hotline)
        if found is None:
            found = self.rule_sets[hotline] = deadlines.rule_set(deadlines.profile_for(hotline))
        return found

    def rules(self, ticket: TicketFacts, at: int, complex_: bool, start: str, unit: bool,
              stages: tuple[str, ...] | None = None) -> list[Rule]:
        """deadline_rules.rules_starting for the unit or the ticket stages, as deadlines.start_clocks picks them."""
        surge = bool(self.surges) and any(s <= at < e for s, e in self.surges)
        key = (ticket.hotline, ticket.category, ticket.urgency, ticket.emergency_type, ticket.channel, surge, complex_,
               start, unit, stages)
        found = self._rules.get(key)
        if found is None:
            rules = self.rule_set(ticket.hotline).rules
            wanted = tuple(s for s in (stages or tuple({r.stage for r in rules}))
                           if (s in deadline_rules.UNIT_STAGES) == unit)
            facts = self.facts(ticket, at, complex_)
            found = self._rules[key] = deadline_rules.rules_starting(rules, start, facts, wanted)
        return found

    def due(self, rule: Rule, start: int) -> tuple[int, bool]:
        """deadlines.due_time, run once per rule (minutes, hours) or per rule and start day (days, working days)."""
        if rule.clock in _WALL_CLOCK:
            offset = self._offsets.get(rule)
            if offset is None:
                base = to_datetime(start)
                offset = self._offsets[rule] = local_seconds(deadlines.due_time(rule, base, self.calendar).at) - start
            return start + offset, False
        day = start // DAY
        found = self._day_dues.get((rule, day))
        if found is None:
            due = deadlines.due_time(rule, to_datetime(day * DAY), self.calendar)
            found = self._day_dues[(rule, day)] = (local_seconds(due.at), due.provisional)
        return found


def _unit_words() -> tuple[re.Pattern[str], dict[str, tuple[str, ...]]]:
    """A pattern that finds the active units' matters, keywords and place names in a text, and
    for each word the words inside it (the pattern reports the longest only)."""
    words: set[str] = set()
    for u in Unit.select(Unit.name, Unit.kind, Unit.matters, Unit.keywords).where(Unit.active == True):
        words |= set(units.split_terms(u.matters)) | set(units.split_terms(u.keywords))
        if u.kind in TERRITORIAL:
            words.add(re.sub(r"(街道|社区|居委会|村委会|镇|乡)$", "", u.name))
    words = {w for w in words if len(w) >= 2}
    if not words:
        return re.compile(r"(?!)"), {}
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))
    inside = {w: tuple(v for v in words if v in w) for w in words}
    return pattern, inside


def account_ids(*roles: Role) -> list[int | None]:
    """The active accounts of the first of ``roles`` anyone holds, else every active account."""
    accounts = [u for u in users.list_users() if u.active]
    for role in roles:
        ids = [u.id for u in accounts if role in u.roles]
        if ids:
            return ids
    return [u.id for u in accounts] or [None]


def _staff() -> tuple[list[int | None], list[int | None], list[int | None]]:
    """Who dispatches, who decides extensions, who supervises."""
    return (account_ids(Role.DISPATCHER, Role.MANAGER, Role.ADMIN), account_ids(Role.MANAGER, Role.ADMIN),
            account_ids(Role.SUPERVISOR, Role.DISPATCHER, Role.MANAGER))


# --- one ticket ------------------------------------------------------------------

class _Story:
    """One ticket from registration to now, step by step as the services would record it."""

    def __init__(self, sim: Stories, ticket: TicketFacts, showcase: tuple[str, ...] | None,
                 near_due: tuple[str, str] | None = None) -> None:
        self.sim, self.t, self.rng = sim, ticket, sim.rng
        self.now = sim.now
        self.showcase = showcase
        self.near_due = near_due  # (step, stage): that step is timed so the stage's clock is near due now
        self.out = Outcome(_S_PENDING, ticket.registered)
        self.clocks: list[_Clock] = []
        self.assignments: list[_Assignment] = []
        self.events: list[tuple] = []
        self.complex = False
        self.closed_at: int | None = None
        self.profile = sim.rule_set(ticket.hotline)

    # -- plumbing ---------------------------------------------------------------
    def when(self, step: str, natural: int) -> int | None:
        """When ``step`` happens: None if not by now. A showcase spreads its steps over the ticket's age."""
        if self.showcase is not None:
            if step not in self.showcase:
                return None
            if self.near_due is not None and self.near_due[0] == step:
                return self.start_near_due(self.near_due[1])
            k = self.showcase.index(step) + 1
            return self.t.registered + (self.now - self.t.registered) * k // (len(self.showcase) + 1)
        return natural if natural <= self.now else None

    def start_near_due(self, stage: str) -> int | None:
        """The latest whole hour back from now at which starting ``stage``'s clock leaves it in
        its last stretch now (催办 by the default reminder settings); None if there is none."""
        conf, now = reminders.ReminderSettings(), to_datetime(self.now)
        for hours in range(1, 24 * 14):
            at = self.now - hours * HOUR
            if at <= self.t.registered:
                return None
            for rule in self.sim.rules(self.t, at, self.complex, StartEvent.DISPATCHED._value_, True, (stage,)):
                due, _provisional = self.sim.due(rule, at)
                if reminders.level_at(now, to_datetime(at), to_datetime(due), conf) == reminders.NEAR:
                    return at
        return None

    def chance(self, step: str, p: float) -> bool:
        if self.showcase is not None:
            return step in self.showcase
        return self.rng.random() < p

    def within(self, start: int, due: int, skew: float, late: float, late_span: int) -> int:
        """A step done between ``start`` and ``due`` (skew > 1: early, < 1: near the end), or late."""
        rng = self.rng
        if rng.random() < late:  # most a little late, a few very late
            return due + MINUTE + int(late_span * rng.random() ** 2)
        span = max(due - start - MINUTE, MINUTE)
        return start + MINUTE + int(span * rng.random() ** skew)

    def event(self, kind: EventKind, at: int, actor: int | None, summary: str, data: dict | str | None = None) -> None:
        """core.tickets.timeline.add_event; ``data`` as a dict, or already JSON where every value is our own."""
        text = "{}" if data is None else data if isinstance(data, str) else _JSON(data)
        self.events.append((self.sim.uid(), self.sim.origin, self.t.id, kind._value_, self.sim.stamp(at), actor,
                            summary, text))

    def start_clocks(self, event: StartEvent, at: int, assignment: int | None, stages: tuple[str, ...] | None = None) -> None:
        """deadlines.start_clocks."""
        for rule in self.sim.rules(self.t, at, self.complex, event._value_, assignment is not None, stages):
            due, provisional = self.sim.due(rule, at)
            self.clocks.append(_Clock(rule.stage, assignment, at, due, provisional, self.profile.profile,
                                      self.profile.version, rule.key))

    def restart(self, stage: str, at: int, assignment: int | None) -> None:
        """deadlines.restart: the stage's clock again, from ``at``, with the rule that timed it first."""
        facts = self.sim.facts(self.t, at, self.complex)
        for rule in self.profile.rules:
            if rule.stage == stage and rule.matches(facts):
                self.start_clocks(StartEvent(rule.start), at, assignment, (stage,))
                return

    def stop(self, stages: tuple[str, ...] | None, at: int, assignment: int | None, cancelled: bool = False) -> None:
        """deadlines.meet / deadlines.cancel for one assignment's clocks, or the ticket's (None)."""
        for c in self.clocks:
            if c.met is None and c.assignment == assignment and (stages is None or c.stage in stages):
                c.met, c.cancelled = at, cancelled

    def clock(self, stage: str, assignment: int | None) -> _Clock | None:
        for c in reversed(self.clocks):
            if c.stage == stage and c.assignment == assignment and c.met is None:
                return c
        return None

    def due_of(self, stage: str, assignment: int | None, start: int) -> int:
        c = self.clock(stage, assignment)
        return c.due if c is not None else start + DEFAULT_SPAN[stage]

    # -- the story --------------------------------------------------------------
    def run(self) -> None:
        t, sim = self.t, self.sim
        self.start_clocks(StartEvent.REGISTERED, t.received, None)
        ready = t.registered
        if t.hotline == "12365" and t.category in NEEDS_ACCEPTANCE:
            at = self.when("accept", self.within(ready, self.due_of("accept", None, t.received), 2.0, 0.03, DAY))
            if at is None:
                return
            self.accept(at)
            ready = at
        if not sim.can_dispatch or self.showcase == ("accept",):
            return
        lead, co, other = self.pick_units()
        self.complex = self.rng.random() < P_COMPLEX.get(t.category, 0.0) and t.urgency == _NORMAL
        at = self.when("dispatch", self.within(ready, self.due_of("dispatch", None, t.received), 2.5,
                                               LATE["dispatch"], DAY + DAY // 2))
        if at is None:
            return
        first = self.dispatch(at, lead, co)
        outcome = self.lead_story(first, may_return=True)
        if outcome is not None:  # the return was accepted: dispatch again, to the next unit
            decided = outcome
            self.restart(_ST_DISPATCH, decided, None)
            again = self.when("redispatch", self.within(decided, self.due_of("dispatch", None, decided), 2.5,
                                                        LATE["dispatch"], DAY))
            if again is None:
                return
            self.lead_story(self.dispatch(again, other, []), may_return=False)
        for a in self.assignments:
            if a.role == _CO:
                self.co_story(a)
        self.supervise()

    def pick_units(self) -> tuple[_Unit, list[_Unit], _Unit]:
        """The lead (the best suggestion, now and then the second), a co-handling unit where a
        department and a street both fit, and the unit a returned ticket goes to next."""
        rng, found = self.rng, self.sim.suggested(self.t)
        district = self.sim.district
        assert district is not None  # can_dispatch
        if not found:
            return district, [], district
        lead = found[1] if len(found) > 1 and rng.random() < 0.15 else found[0]
        rest = [u for u in found if u is not lead]
        co: list[_Unit] = []
        partner = next((u for u in rest if (u.kind in TERRITORIAL) != (lead.kind in TERRITORIAL)), None)
        if partner is not None and rng.random() < P_CO:
            co.append(partner)
        other = next((u for u in rest if u not in co), district if district is not lead else lead)
        return lead, co, other

    def accept(self, at: int) -> None:
        """core.dispatch.sending.accept (12365 决定受理)."""
        self.stop((_ST_ACCEPT,), at, None)
        self.out.touch(at, _S_ACCEPTED)
        self.start_clocks(StartEvent.ACCEPTED, at, None)
        self.event(EventKind.ACCEPTED, at, self.rng.choice(self.sim.dispatchers), "决定受理")

    def dispatch(self, at: int, lead: _Unit, co: list[_Unit]) -> _Assignment:
        """core.dispatch.sending.dispatch."""
        t, rng, sim = self.t, self.rng, self.sim
        actor = rng.choice(sim.dispatchers)
        urgent = t.urgency == _URGENT
        method = DispatchMethod.PHONE.value if urgent and rng.random() < 0.6 else _weighted(rng, _METHODS)
        opinion = _opinion(t, self.complex)
        self.stop((_ST_DISPATCH,), at, None)
        self.out.touch(at, _S_DISPATCHED)
        self.out.complex = int(self.complex)
        made = []
        for role, unit in [(_LEAD, lead)] + [(_CO, u) for u in co]:
            a = _Assignment(sim.next_assignment, sim.uid(), unit, role, at, actor, method, opinion)
            sim.next_assignment += 1
            self.assignments.append(a)
            made.append(a)
            self.start_clocks(StartEvent.DISPATCHED, at, a.id)
        names = f"牵头：{lead.name}"
        if co:
            names += "；协办：" + "、".join(u.name for u in co)
        facts: dict = {
            "units": [{"uid": a.unit.uid, "name": a.unit.name, "role": a.role} for a in made],
            "method": method, "opinion": opinion, "complex": self.complex,
        }
        summary = f"{names}（{_LABELS[method]}）。{opinion}"
        if urgent:
            person = _person(rng)
            phoned = at
            facts |= {"phoned_person": person, "phoned_at": sim.stamp(phoned)}
            summary += f" 已于 {sim.stamp(phoned)[11:16]} 电话告知 {person}。"
        if t.emergency_type in _POLICE_TYPES:
            facts["police_told"] = told = rng.random() < 0.8
            summary += " 已报公安部门。" if told else " 未报公安部门。"
        if t.emergency_type in _EMERGENCY_MGMT_TYPES:
            facts["emergency_told"] = told = rng.random() < 0.7
            summary += " 已报应急管理部门。" if told else " 未报应急管理部门。"
        self.event(EventKind.DISPATCHED, at, actor, summary, facts)
        return made[0]

    def sign(self, a: _Assignment, at: int) -> None:
        """core.dispatch.sending.sign_off."""
        person = _person(self.rng)
        self.stop((_ST_SIGN_OFF,), at, a.id)
        a.touch(at, _A_SIGNED)
        a.signed, a.signed_by = at, person
        self.event(EventKind.SIGNED, at, a.by, f"{a.unit.name}签收，签收人：{person}",
                   f'{{"unit": "{a.unit.uid}", "person": "{person}"}}')  # a uuid and a name of ours: nothing to escape

    def lead_story(self, a: _Assignment, may_return: bool) -> int | None:
        """The lead unit's part; returns when the center accepted its return (退单), else None."""
        rng, sim = self.rng, self.sim
        sign_due = self.due_of("sign_off", a.id, a.dispatched)
        sign_natural = self.within(a.dispatched, sign_due, 2.0, LATE["sign_off"], 2 * DAY)
        signed = self.when("sign", sign_natural)
        if may_return and self.chance("return_ask", P_RETURN):
            asked_natural = a.dispatched + HOUR + int(rng.random() * max(sign_due - a.dispatched, HOUR) * 1.2)
            asked = self.when("return_ask", asked_natural)
            if signed is not None and (asked is None or signed < asked):
                self.sign(a, signed)
            if asked is None:
                return None
            before = a.status
            reason = rng.choice(_RETURN_REASONS)
            a.touch(asked, _A_RETURN_ASKED)
            self.out.touch(asked, _S_RETURNED)
            self.event(EventKind.RETURN_ASKED, asked, a.by, f"{a.unit.name}申请退单：{reason}",
                       {"unit": a.unit.uid, "reason": reason, "before": before})
            decided = self.when("return_decide", asked + HOUR + int(rng.random() * 20 * HOUR))
            if decided is None:
                return None
            actor = rng.choice(sim.dispatchers)
            if rng.random() < P_RETURN_ACCEPTED:
                self.stop(None, decided, a.id, cancelled=True)
                a.touch(decided, _A_WITHDRAWN)
                a.closed = decided
                accepted = self.t.hotline == "12365" and self.t.category in NEEDS_ACCEPTANCE
                self.out.touch(decided, (Status.ACCEPTED if accepted else Status.PENDING).value)
                self.event(EventKind.RETURN_DECIDED, decided, actor, f"同意{a.unit.name}退单，待重新派单",
                           {"unit": a.unit.uid, "accepted": True, "note": ""})
                return decided
            note = "经核实属于该单位职责范围，请继续办理。"
            a.touch(decided, _A_SIGNED if a.signed else _A_DISPATCHED)
            self.out.touch(decided, _S_DISPATCHED)
            self.event(EventKind.RETURN_DECIDED, decided, actor, f"不同意{a.unit.name}退单，仍由其办理：{note}",
                       {"unit": a.unit.uid, "accepted": False, "note": note})
            if a.signed is None:
                signed = self.when("sign", max(sign_natural, decided + 10 * MINUTE))
                if signed is None:
                    return None
                self.sign(a, signed)
            # A unit that signed and then asked to return it handles it only once refused:
            # a return can be asked days after sign-off where a holiday stretches the clock.
            self.handle(a, since=max(a.signed, decided))
            return None
        if signed is None:
            return None
        self.sign(a, signed)
        self.handle(a, since=signed)
        return None

    def handle(self, a: _Assignment, since: int) -> None:
        """From sign-off (or a refused return, ``since``) to the closing: progress, an
        extension, feedback and its review."""
        rng, t = self.rng, self.t
        assert a.signed is not None
        feedback_clock = self.clock("feedback", a.id)
        due = feedback_clock.due if feedback_clock else a.dispatched + DEFAULT_SPAN["feedback"]
        span = max(due - a.dispatched, HOUR)
        long = t.urgency == _NORMAL and self.chance("extension_ask", P_LONG.get(t.category, 0.0))
        start = since
        if self.chance("progress", 0.9 if long else P_PROGRESS) and span >= 2 * DAY:
            at = self.when("progress", since + int(max(due - since, HOUR) * (0.2 + 0.4 * rng.random())))
            if at is not None:
                note = rng.choice(_PROGRESS)
                self.event(EventKind.PROGRESS, at, a.by, f"{a.unit.name}：{note}", f'{{"unit": "{a.unit.uid}"}}')
        if long:
            asked = self.when("extension_ask", max(since + HOUR, a.dispatched + int(span * (0.55 + 0.4 * rng.random()))))
            if asked is None:
                return
            decided_at = self.extension(a, asked, due)
            if decided_at is None:
                return
            start = decided_at
            c = self.clock("feedback", a.id)
            due = c.due if c is not None else due
        fed = self.when("feedback", max(start + 10 * MINUTE, self.within(start, due, 0.6, LATE["feedback"],
                                                                         min(4 * span, 45 * DAY))))
        if fed is None:
            return
        planned = self.feedback(a, fed)
        while True:
            wait = planned if planned is not None else fed + 2 * HOUR + int(5 * DAY * rng.random() ** 1.5)
            reviewed = self.when("review", wait)
            if reviewed is None:
                return
            if not rng.random() < P_SENT_BACK:
                self.close(a, reviewed)
                return
            self.send_back(a, reviewed)
            c = self.clock("feedback", a.id)
            again_due = c.due if c is not None else reviewed + DEFAULT_SPAN["feedback"]
            fed = self.when("feedback", self.within(reviewed, again_due, 0.8, LATE["feedback"], 3 * DAY))
            if fed is None:
                return
            planned = self.feedback(a, fed)

    def extension(self, a: _Assignment, asked: int, due: int) -> int | None:
        """core.dispatch.handling.ask_extension, then decide_extension; the decision time, or None if not yet."""
        rng, sim = self.rng, self.sim
        first = max(due, asked) // DAY + 1  # a day after the running deadline, and after today
        until_day = first + LONG_DAYS[0] + int(rng.random() * (LONG_DAYS[1] - LONG_DAYS[0]))
        until = sim.stamp.day(until_day * DAY)
        reason = rng.choice(_EXTENSION_REASONS)
        request = [sim.uid(), sim.origin, 1, sim.stamp(asked), a.id, reason, until, sim.stamp(asked), a.by, "", "", None, ""]
        self.event(EventKind.EXTENSION_ASKED, asked, a.by, f"{a.unit.name}申请延期至 {until}：{reason}",
                   {"unit": a.unit.uid, "until": until})
        decided = self.when("extension_decide", asked + HOUR + int(rng.random() * 30 * HOUR))
        approve = decided is not None and (self.showcase is not None or rng.random() < P_EXTENSION_APPROVED)
        if decided is not None:
            manager = rng.choice(sim.managers)
            note = "" if approve else "延期理由不充分，请按原时限办结。"
            request[2:4] = [2, sim.stamp(decided)]
            request[9:13] = ["approved" if approve else "refused", sim.stamp(decided), manager, note]
            if approve:
                c = self.clock("feedback", a.id)
                if c is not None:  # deadlines.extend
                    c.due, c.provisional = until_day * DAY + DAY - 1, False
                else:  # a profile without a feedback rule: deadlines.set_by_center
                    self.clocks.append(_Clock(_ST_FEEDBACK, a.id, decided, until_day * DAY + DAY - 1, False,
                                              self.profile.profile, self.profile.version, "center.set"))
            verdict = f"批准延期至 {until}" if approve else "不批准延期"
            self.event(EventKind.EXTENSION_DECIDED, decided, manager, f"{a.unit.name}：{verdict}" + (f"。{note}" if note else ""),
                       {"unit": a.unit.uid, "approved": approve, "until": until})
        self.sim.extensions.append(tuple(request))
        return decided

    def feedback(self, a: _Assignment, at: int) -> int | None:
        """core.dispatch.handling.record_feedback; when to review an unresolved matter (its follow-up), else None."""
        rng, t = self.rng, self.t
        leaf = self.sim.topic_names.get(t.topic_id, "") if t.topic_id is not None else ""
        result, elements, planned = _feedback_content(rng, t, leaf, a.unit.name, at, self.sim.stamp)
        content = {"result": result, "elements": elements, "received_via": _received_via(rng, a.method)}
        a.feedback = _JSON(content)
        a.feedback_at = at
        a.touch(at, _A_FEEDBACK)
        self.stop((_ST_FEEDBACK,), at, a.id)
        if a.role == _LEAD:
            self.out.touch(at, _S_FEEDBACK)
            self.start_clocks(StartEvent.UNIT_REPLIED, at, None)
        labels = _FEEDBACK_LABELS[result]
        text = "；".join(f"{labels[k]}：{v}" for k, v in elements.items())
        self.event(EventKind.FEEDBACK, at, a.by, f"{a.unit.name}反馈（{_LABELS[result]}）：{text}",
                   {"unit": a.unit.uid, **content})
        return planned

    def send_back(self, a: _Assignment, at: int) -> None:
        """core.dispatch.handling.review_feedback, sent back for re-handling (退回重办)."""
        note = self.rng.choice(_SEND_BACK_NOTES)
        a.touch(at, _A_SIGNED)
        a.feedback_at, a.feedback = None, "{}"  # the feedback stays in its event
        self.restart(_ST_FEEDBACK, at, a.id)
        self.stop((_ST_REPLY,), at, None, cancelled=True)
        self.out.touch(at, _S_DISPATCHED)
        self.event(EventKind.FEEDBACK_REVIEWED, at, self.rng.choice(self.sim.dispatchers), f"{a.unit.name}的反馈退回重办：{note}",
                   {"unit": a.unit.uid, "approved": False, "note": note})

    def close(self, lead: _Assignment, at: int) -> None:
        """core.dispatch.handling.review_feedback approved, and _close: 办结."""
        actor = self.rng.choice(self.sim.dispatchers)
        lead.touch(at, _A_CLOSED)
        lead.closed = at
        self.event(EventKind.FEEDBACK_REVIEWED, at, actor, f"{lead.unit.name}的反馈审核通过",
                   f'{{"unit": "{lead.unit.uid}", "approved": true}}')
        self.closed_at = at
        self.stop(None, at, None)
        self.out.touch(at, _S_CLOSED)
        self.event(EventKind.CLOSED, at, actor, "牵头单位反馈审核通过，办结")

    def co_story(self, a: _Assignment) -> None:
        """A co-handling unit signs and feeds back on its own clocks; the closing releases it (_close)."""
        end = self.closed_at if self.closed_at is not None else self.now
        signed = self.within(a.dispatched, self.due_of("sign_off", a.id, a.dispatched), 2.0, LATE["sign_off"], DAY)
        due = self.due_of("feedback", a.id, a.dispatched)
        fed = max(signed + 10 * MINUTE, self.within(a.dispatched, due, 0.9, LATE["feedback"], 4 * DAY))
        if signed <= end:
            self.sign(a, signed)
            if fed <= end:
                self.feedback(a, fed)
        if self.closed_at is not None:
            self.stop(None, self.closed_at, a.id, cancelled=True)
            a.touch(self.closed_at, _A_CLOSED)
            a.closed = self.closed_at

    def supervise(self) -> None:
        """督办 of units more than two hours late (core.dispatch.supervision.supervise, record_answer)."""
        rng = self.rng
        units_by_id = {a.id: a.unit for a in self.assignments}
        for c in list(self.clocks):
            if c.assignment is None:
                continue
            end = min(c.met if c.met is not None else self.now, self.now)
            if c.cancelled or end <= c.due + 2 * HOUR or not rng.random() < P_SUPERVISED:
                continue
            unit = units_by_id[c.assignment]
            late_days = (end - c.due) // DAY
            kinds = [SupervisionKind.SYSTEM.value] + ([SupervisionKind.DOCUMENT.value] if late_days >= 3 else [])
            first = c.due + 2 * HOUR + int(rng.random() * min(DAY, end - c.due - 2 * HOUR))
            for n, kind in enumerate(kinds):
                at = first if n == 0 else c.due + 3 * DAY + int(rng.random() * (end - c.due - 3 * DAY))
                self.supervision(unit, kind, at, Stage(c.stage))

    def supervision(self, unit: _Unit, kind: str, at: int, stage: Stage) -> None:
        rng, sim = self.rng, self.sim
        actor = rng.choice(sim.supervisors)
        content = _supervision_text(kind, stage, sim.stamp.day(at)[:4], rng)
        uid = sim.uid()
        row = [uid, sim.origin, 1, sim.stamp(at), self.t.id, unit.id, kind, sim.stamp(at), actor, content, "", ""]
        self.out.touch(at)
        self.event(EventKind.SUPERVISED, at, actor, f"{_LABELS[kind]}（{unit.name}）：{content}",
                   {"supervision": uid, "kind": kind})
        answered = at + HOUR + int(rng.random() * 1.5 * DAY)
        if answered <= self.now and rng.random() < P_ANSWERED:
            answer = rng.choice(_SUPERVISION_ANSWERS)
            row[2:4] = [2, sim.stamp(answered)]
            row[10:12] = [answer, sim.stamp(answered)]
            self.event(EventKind.SUPERVISION_ANSWERED, answered, actor, f"{_LABELS[kind]}的答复：{answer}",
                       {"supervision": uid})
        sim.supervisions.append(tuple(row))

    # -- rows -------------------------------------------------------------------
    def finish(self, events: list[tuple]) -> Outcome:
        sim, stamp, tid = self.sim, self.sim.stamp, self.t.id
        for a in self.assignments:
            sim.assignments.append((
                a.id, a.uid, sim.origin, a.rev, stamp(a.updated), tid, a.unit.id, a.role, a.status,
                stamp(a.dispatched), a.by, a.method, a.opinion, stamp(a.signed) if a.signed is not None else "",
                a.signed_by, a.feedback, stamp(a.feedback_at) if a.feedback_at is not None else "",
                stamp(a.closed) if a.closed is not None else "",
            ))
        for c in self.clocks:
            level = 0
            if c.met is None:  # what the tray had announced by an hour ago
                level = reminders.level_at(to_datetime(self.now - HOUR), to_datetime(c.start), to_datetime(c.due), sim.conf)
            sim.deadlines.append((
                sim.uid(), tid, c.assignment, c.stage, stamp(c.start), stamp(c.due), int(c.provisional), c.profile, c.version,
                c.key, stamp(c.met) if c.met is not None else "", int(c.cancelled), level,
            ))
        self.events.sort(key=_at)  # stamps sort as times: one format, one offset
        events.extend(self.events)
        return self.out


def _at(event: tuple) -> str:
    return event[4]


def _weighted(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    pick = rng.random() * sum(w for _, w in table)
    for value, weight in table:
        pick -= weight
        if pick < 0:
            return value
    return table[-1][0]


# --- what people write ---------------------------------------------------------------

_POLICE_TYPES = (EmergencyType.INSTABILITY.value,)
_EMERGENCY_MGMT_TYPES = (EmergencyType.INCIDENT.value, EmergencyType.UTILITIES.value, EmergencyType.EXTREME_WEATHER.value)
_METHODS = ((DispatchMethod.NOTICE.value, 55), (DispatchMethod.EMAIL.value, 30), (DispatchMethod.PHONE.value, 10),
            (DispatchMethod.FAX.value, 5))
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
_TITLES = ("科员", "科长", "主任", "值班员", "副主任", "干事")


def _person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + rng.choice(_TITLES)


def _opinion(t: TicketFacts, complex_: bool) -> str:
    """What the dispatch screen proposes (handling_reads.default_opinion), as most dispatchers leave it."""
    text = default_opinion(t.hotline, t.category, t.title)
    if t.urgency == _URGENT:
        return "紧急诉求，请立即安排人员到场处置。" + text
    return "复杂疑难诉求。" + text if complex_ else text


_RETURN_REASONS = (
    "该事项不属于本单位职责范围，请改派相关部门。",
    "诉求地点不在本单位辖区，请核实后改派。",
    "该事项已由其他部门立案处理，请改派主管部门。",
)
_PROGRESS = (
    "已到现场核实情况，正在协调相关方处理。",
    "已约谈当事方，责令限期整改，整改期满后复查。",
    "已联系诉求人了解详细情况，正在调查取证。",
    "已安排人员处理，部分问题已整改，其余正在推进。",
)
_EXTENSION_REASONS = (
    "需协调多个部门联合处置，整改工期较长。",
    "涉事企业正在整改，需跟踪复查整改效果。",
    "需委托第三方检测，等待检测结果。",
    "维修需采购配件，预计工期较长。",
    "涉及劳动争议仲裁程序，需等待仲裁结果。",
)
_SEND_BACK_NOTES = ("反馈内容未说明具体处理措施，请补充后重新反馈。", "诉求人对处理结果有异议，请再次核实处理。")
_SUPERVISION_ANSWERS = ("已加快办理，将于近日反馈。", "已安排专人负责，按要求办结后反馈。", "已现场处置完毕，正在整理反馈材料。")

_MEASURES = {
    "施工扰民": "已到现场核查，责令施工单位每日22时后停止产生噪声的作业，并在工地周边公示作业时间，后续加强夜间巡查。",
    "餐饮油烟": "已上门检查，责令商户加装油烟净化设施并改造排烟管道，商户已在限期内整改到位。",
    "噪声污染": "已联系活动组织者，约定降低音响音量并将活动结束时间提前至晚八点半，社区持续跟进。",
    "物业管理": "已约谈物业服务企业负责人，责令限期整改，物业已按要求处理并在小区公示。",
    "拖欠工资": "劳动保障监察大队已立案调查并约谈企业负责人，企业已支付所欠工资。",
    "消费维权": "已组织双方调解，商家同意按剩余金额退款，诉求人表示认可。",
    "食品安全": "已对商户进行现场检查，下架问题食品并依法立案调查，督促商家按规定赔偿。",
    "公交地铁": "已转公交集团核查，对涉事驾驶员批评教育并扣减考核分，加强进站停靠管理。",
    "出租网约车": "经调查核实，司机存在绕路行为，已责令退还多收费用并依法处理。",
    "工作人员作风": "已对窗口工作人员批评教育并在中心内部通报，完善一次性告知制度。",
    "垃圾处理": "已督促物业和环卫作业单位当日完成清运，并将清运频次调整为每日两次。",
    "校外培训": "已约谈培训机构负责人，机构同意按未上课时退还费用。",
    "医疗服务": "已转医院核查，医院将在高峰时段增加出诊医生并推行分时段预约。",
    "通信网络": "运营商已派维修人员上门排查，更换老化线路和设备，网络恢复正常。",
    "市政设施": "维修人员已到现场处理，已完成维修并恢复正常使用。",
    "道路设施": "道路养护单位已完成路面修补，并设置警示标志。",
    "供水": "供水所已到现场检查加压设备并调整供水压力，供水已恢复正常。",
    "供电": "供电公司已排查线路并更换老化电缆，已恢复正常供电。",
    "供气": "燃气公司已上门检查处置，已恢复正常供气。",
    "违法建设": "已现场核查，确认属违法建设，已下达限期拆除通知书，当事人已自行拆除。",
    "计量器具": "已对市场电子秤进行抽检，没收不合格计量器具并责令摊主整改。",
    "大气污染": "已现场检查，责令工地落实围挡、洒水和渣土车覆盖措施，并依法处罚。",
    "治安秩序": "派出所已会同社区上门检查，督促房东清理楼道电动车，落实消防安全措施。",
    "特种设备": "已现场检查，责令商场停用该扶梯，检验合格后方可恢复运行。",
    "社会救助": "社区已上门走访，为老人申请居家养老服务，并安排志愿者定期探望。",
}
_GENERIC_MEASURES = "已到现场核实情况，督促相关方整改，问题已解决。"
_CALLER_TOLD = ("已电话告知诉求人办理结果，诉求人表示认可。", "已电话告知诉求人处理情况，诉求人表示满意。",
                "已短信告知诉求人办理结果。", "已上门告知诉求人处理情况。")
_UNRESOLVED = (
    ("需协调多个部门，现场整改尚未完成。", "继续督促整改，整改完成后组织复查。"),
    ("涉事企业负责人暂时无法联系。", "已发函要求其限期到场说明情况，逾期依法处理。"),
    ("维修需要采购配件，工期较长。", "配件到货后安排施工，完成后告知诉求人。"),
    ("涉及历史遗留问题，需进一步调查。", "已成立工作专班，逐项梳理后提出处理方案。"),
)
_CANNOT = (
    ("涉及民事纠纷，不属于行政处理范围。", "已向诉求人解释，并告知可通过人民调解或诉讼途径解决。"),
    ("现行政策无相关规定，暂不具备解决条件。", "已将诉求纳入政策研究，待条件成熟时统筹解决。"),
)
_UNREASONABLE = (
    ("诉求人要求的赔偿金额明显超出法律规定的标准。", "《中华人民共和国消费者权益保护法》第五十五条"),
    ("经现场核实，被反映情况不存在。", "《江苏省12345政务服务便民热线管理办法》相关规定"),
)
_FEEDBACK_LABELS = {
    FeedbackResult.RESOLVED.value: {"measures": "主要措施", "caller_told": "反馈情况（如何告知诉求人）"},
    FeedbackResult.UNRESOLVED.value: {"reason": "未解决原因", "next_steps": "下一步工作措施", "planned_on": "落实时间",
                                      "caller_told": "反馈情况（如何告知诉求人）"},
    FeedbackResult.CANNOT_RESOLVE.value: {"reason": "不能解决原因或困难", "measures": "有无研究工作措施",
                                          "caller_told": "反馈情况（如何告知诉求人）"},
    FeedbackResult.CONSULT_ANSWERED.value: {"answer": "答复内容"},
    FeedbackResult.SUGGESTION_FORWARDED.value: {"forwarded_to": "转交部门", "caller_told": "反馈情况（已告知诉求人收到建议）"},
    FeedbackResult.UNREASONABLE.value: {"reason": "诉求不合理的具体依据", "legal_basis": "相关法律、法规、规章和政策规定",
                                        "caller_told": "反馈情况（如何告知诉求人）"},
}


def _feedback_content(rng: random.Random, t: TicketFacts, topic: str, unit: str, at: int,
                      stamp: _Stamps) -> tuple[str, dict[str, str], int | None]:
    """A result and the elements it requires (core.dispatch.handling.FEEDBACK_ELEMENTS); the follow-up time if unresolved."""
    told = rng.choice(_CALLER_TOLD)
    if t.category == _CONSULT:
        return FeedbackResult.CONSULT_ANSWERED.value, {
            "answer": "已电话联系诉求人，就所咨询事项作了解答，并告知办理渠道和所需材料。"}, None
    if t.category == _SUGGESTION:
        return FeedbackResult.SUGGESTION_FORWARDED.value, {
            "forwarded_to": f"{unit}相关业务科室", "caller_told": "已电话告知诉求人建议已收到并转交研究。"}, None
    pick = rng.random()
    if t.urgency != _NORMAL:  # an emergency is dealt with on the spot
        pick = P_UNRESOLVED + 0.07 + pick * (1 - P_UNRESOLVED - 0.07)
    if pick < P_UNRESOLVED:
        reason, steps = rng.choice(_UNRESOLVED)
        day = at // DAY + FOLLOW_UP_DAYS[0] + int(rng.random() * (FOLLOW_UP_DAYS[1] - FOLLOW_UP_DAYS[0]))
        follow_up = day * DAY + 9 * HOUR + int(rng.random() * 3 * DAY)  # the center checks after the promised day
        return FeedbackResult.UNRESOLVED.value, {
            "reason": reason, "next_steps": steps, "planned_on": stamp.day(day * DAY), "caller_told": told}, follow_up
    if pick < P_UNRESOLVED + 0.04:
        reason, measures = rng.choice(_CANNOT)
        return FeedbackResult.CANNOT_RESOLVE.value, {"reason": reason, "measures": measures, "caller_told": told}, None
    if pick < P_UNRESOLVED + 0.07:
        reason, basis = rng.choice(_UNREASONABLE)
        return FeedbackResult.UNREASONABLE.value, {"reason": reason, "legal_basis": basis, "caller_told": told}, None
    return FeedbackResult.RESOLVED.value, {"measures": _MEASURES.get(topic, _GENERIC_MEASURES), "caller_told": told}, None


def _received_via(rng: random.Random, method: str) -> str:
    if method == DispatchMethod.EMAIL.value:
        return "电子邮件"
    return "电话" if rng.random() < 0.5 else "纸质回执"


def _supervision_text(kind: str, stage: Stage, year: str, rng: random.Random) -> str:
    step = "签收" if stage == Stage.SIGN_OFF else "反馈"
    if kind == SupervisionKind.DOCUMENT.value:
        return f"发督办函（玄热督〔{year}〕{rng.randint(1, 400)}号），要求3个工作日内办结并{step}。"
    return f"工单已超过{step}时限，请尽快办理并{step}。"
