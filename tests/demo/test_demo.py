"""demo.fill, demo.dispatch: the demo center, its tickets and what became of them (演示数据).

The demo database is what people try the program on and what bench/ measures,
so it must be as consistent as a real one: numbers that registration continues,
an event for every step, every ticket valid by the registration rules, and the
dispatch state (assignments, clocks, extensions, supervision) as the services
core.dispatch.sending and core.dispatch.handling would have left it.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
from collections import Counter

import pytest

from core import clock, store
from core.deadlines import clocks as deadlines
from demo import fill as demo
from core.dispatch import sending as dispatch
from core.dispatch import handling
from core.dispatch import reads as handling_reads
from core.tickets import registration
from core.deadlines import reminders
from core.tickets import reads as tickets
from core.center import users
from core.deadlines import workcalendar
from core.center.profile import current_center
from core.roles import Role
from core.vocab import (
    AssignmentRole,
    AssignmentStatus,
    Category,
    Disposition,
    EventKind,
    Stage,
    Status,
    Urgency,
)
from db.connection import raw_connection
from db.models import (
    Assignment,
    Audit,
    Deadline,
    ExtensionRequest,
    Supervision,
    Ticket,
    TicketCounter,
    TicketEvent,
    Unit,
)

COUNT = 300


pytestmark = pytest.mark.usefixtures("cheap_password_hashing")


@pytest.fixture
def now() -> dt.datetime:
    # One "now" for every fill in a test: the history ends there.
    return clock.now() - dt.timedelta(minutes=1)


@pytest.fixture
def filled(db_path, now):
    store.open_center(db_path)
    result = demo.fill_demo(COUNT, seed=1, now=now)
    yield result
    store.close_center()


def _fingerprint(path, now, seed) -> list[tuple]:
    store.open_center(path)
    try:
        demo.fill_demo(COUNT, seed=seed, now=now)
        return [
            (t.number, t.received_at, t.title, t.caller_phone, t.status, t.category, t.rev, t.updated_at)
            for t in Ticket.select().order_by(Ticket.id)
        ] + [
            (a.ticket_id, a.unit_id, a.role, a.status, a.dispatched_at, a.signed_at, a.feedback, a.closed_at)
            for a in Assignment.select().order_by(Assignment.id)
        ] + [
            (d.ticket_id, d.assignment_id, d.stage, d.started_at, d.due_at, d.met_at, d.cancelled)
            for d in Deadline.select().order_by(Deadline.id)
        ] + [(e.ticket_id, e.kind, e.at, e.summary) for e in TicketEvent.select().order_by(TicketEvent.id)]
    finally:
        store.close_center()


def _as_input(t: Ticket) -> registration.TicketInput:
    """What the registration form would have held for this stored ticket."""
    disposition = Disposition.REGISTER  # handled since: dispatched, closed after feedback …
    if t.status == Status.NOT_ACCEPTED.value:
        disposition = Disposition.NOT_ACCEPTED
    elif t.reply:
        disposition = Disposition.DIRECT_ANSWER
    return registration.TicketInput(
        channel=t.channel, hotline=t.hotline, received_at=t.received_at, caller_name=t.caller_name,
        caller_phone=t.caller_phone, caller_contact=t.caller_contact, caller_address=t.caller_address,
        caller_org=t.caller_org, confidential=t.confidential, visit_consent=t.visit_consent,
        occurred_at=t.occurred_at, region_code=t.region_code, address=t.address, reported_unit=t.reported_unit,
        title=t.title, content=t.content, category=t.category, topic_id=t.topic_id, urgency=t.urgency,
        emergency_type=t.emergency_type, risk_level=t.risk_level, disposition=disposition.value,
        not_accepted_reason=t.not_accepted_reason, referral=t.referral, reply=t.reply,
        repeat_of_id=t.repeat_of_id, details=json.loads(t.details),
    )


def test_same_seed_gives_same_tickets(tmp_path, now):
    first = _fingerprint(tmp_path / "a.db", now, seed=5)
    second = _fingerprint(tmp_path / "b.db", now, seed=5)
    other = _fingerprint(tmp_path / "c.db", now, seed=6)
    assert sum(len(row) == 8 and str(row[0]).startswith("320102-") for row in first) == COUNT
    assert first == second
    assert first != other


def test_fresh_database_gets_demo_center_and_accounts(filled):
    assert filled.tickets == COUNT
    assert filled.center_code == "320102"
    assert filled.center_name == current_center().name
    assert filled.usernames[:3] == ["admin", "op1", "op2"]
    roles = set()
    for username in filled.usernames:
        actor = users.authenticate(username, demo.DEMO_PASSWORD)
        roles |= actor.roles
    assert roles >= {Role.ADMIN, Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.MEDIATOR,
                     Role.RETURN_VISITOR, Role.MANAGER}
    assert users.authenticate("op1", demo.DEMO_PASSWORD).display_name == "王小丽"


def test_the_demo_center_has_a_knowledge_base_with_synonyms_and_flags(filled):
    """So the 知识库 area and the registration panel have something real to show."""
    from core.kb import search as kb_search

    operator = users.authenticate("op1", demo.DEMO_PASSWORD)
    hits = kb_search.search_articles(operator, "家里有煤气味怎么办", today=dt.date(2026, 11, 22))
    assert hits[0].title == "燃气泄漏应急处置" and hits[0].flags == ()
    heating = kb_search.search_articles(operator, "暖气费多少钱", today=dt.date(2026, 11, 22))[0]
    assert heating.title.endswith("供暖收费标准") and "已于 2026-04-30 失效" in heating.flags


def test_every_demo_ticket_passes_registration_validation(filled):
    center = current_center()
    for t in Ticket.select():
        assert registration.validate(_as_input(t), center) == {}, t.number


def test_numbers_are_unique_and_match_the_counters(filled):
    numbers = [t.number for t in Ticket.select(Ticket.number)]
    assert len(set(numbers)) == COUNT
    last_by_day: dict[str, int] = {}
    for number in numbers:
        code, day, seq = number.split("-")
        assert code == "320102" and len(seq) == 4
        last_by_day[day] = max(last_by_day.get(day, 0), int(seq))
        assert dt.date(int(day[:4]), int(day[4:6]), int(day[6:])) <= clock.now().date()
    assert {c.day: c.last for c in TicketCounter.select()} == last_by_day
    # Numbers of a day run 1..n in received order.
    for day, last in last_by_day.items():
        seqs = [int(n.rsplit("-", 1)[1]) for n in numbers if f"-{day}-" in n]
        assert sorted(seqs) == list(range(1, last + 1))


def test_registration_after_the_fill_continues_the_numbering(filled, now):
    operator = users.authenticate("op1", demo.DEMO_PASSWORD)
    today = clock.now().strftime("%Y%m%d")
    before = TicketCounter.get_or_none(TicketCounter.day == today)
    saved = registration.register(
        operator,
        registration.TicketInput(caller_phone="13812345678", category=Category.CONSULT.value, content="咨询居住证办理"),
    )
    expected = (before.last if before else 0) + 1
    assert saved.number == f"320102-{today}-{expected:04d}"
    assert Ticket.select().where(Ticket.number == saved.number).count() == 1


def test_every_ticket_has_its_events(filled):
    kinds: dict[int, Counter] = {}
    for e in TicketEvent.select():
        kinds.setdefault(e.ticket_id, Counter())[e.kind] += 1
    for t in Ticket.select():
        got = kinds[t.id]
        assert got[EventKind.REGISTERED.value] == 1, t.number
        if t.status == Status.CLOSED.value:
            assert got[EventKind.CLOSED.value] == 1
            if t.reply:  # answered on the spot; else closed after the lead unit's feedback
                assert got[EventKind.DIRECT_ANSWERED.value] == 1 and got[EventKind.DISPATCHED.value] == 0
            else:
                assert got[EventKind.DISPATCHED.value] >= 1 and got[EventKind.FEEDBACK.value] >= 1
        if t.status == Status.NOT_ACCEPTED.value:
            assert got[EventKind.NOT_ACCEPTED.value] == 1 and t.referral
        assert got[EventKind.MARKED_REPEAT.value] == (1 if t.repeat_of_id else 0)
    uids = ([e.uid for e in TicketEvent.select(TicketEvent.uid)] + [t.uid for t in Ticket.select(Ticket.uid)]
            + [a.uid for a in Assignment.select(Assignment.uid)])
    assert len(set(uids)) == len(uids)
    assert all(e.actor_id is not None for e in TicketEvent.select())


def test_mix_is_varied_and_repeat_callers_show_in_history(filled):
    rows = list(Ticket.select())
    statuses = Counter(t.status for t in rows)
    assert {Status.PENDING.value, Status.CLOSED.value, Status.NOT_ACCEPTED.value} <= set(statuses)
    assert len({t.category for t in rows}) == 5
    assert len({t.channel for t in rows}) >= 4
    assert Counter(t.channel for t in rows)["phone"] > COUNT * 0.5
    assert any(t.urgency == Urgency.URGENT.value and t.emergency_type for t in rows)
    assert any(t.confidential for t in rows)
    assert all(t.region_code == "320102" and t.topic_id is not None for t in rows)
    assert len({t.title for t in rows}) > 100
    # ~15% of tickets come from a phone already seen: the repeat-caller panel has something to show.
    seen: set[str] = set()
    repeats = 0
    for t in sorted(rows, key=lambda r: r.id):
        repeats += t.caller_phone in seen
        seen.add(t.caller_phone)
    assert COUNT * 0.07 < repeats < COUNT * 0.3
    phone, _ = Counter(t.caller_phone for t in rows if t.caller_phone).most_common(1)[0]
    operator = users.authenticate("op1", demo.DEMO_PASSWORD)
    assert len(tickets.caller_history(operator, phone)) >= 2
    # Two years up to now, busier in working hours than at night.
    received = [clock.parse_stamp(t.received_at) for t in rows]
    assert max(received) <= clock.now() and min(received) >= clock.now() - dt.timedelta(days=demo.HISTORY_DAYS + 1)
    hours = Counter(r.hour for r in received)
    assert sum(hours[h] for h in range(9, 17)) > 4 * sum(hours[h] for h in range(6))


def test_database_is_sound_and_the_fill_is_audited(filled):
    assert store.integrity_problems() == []
    audit = Audit.select().where(Audit.action == "demo_fill").get()
    assert json.loads(audit.detail) == {"tickets": COUNT, "requested": COUNT, "seed": 1, "cancelled": False}
    # The bulk settings are back to the everyday ones.
    conn = raw_connection()
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA cache_size").fetchone()[0] == -32_000


def test_second_fill_adds_to_the_existing_center(filled, now):
    more = demo.fill_demo(100, seed=1, now=now)
    assert more.tickets == 100 and more.center_code == "320102"
    assert "op1" in more.usernames
    numbers = [t.number for t in Ticket.select(Ticket.number)]
    assert len(numbers) == len(set(numbers)) == COUNT + 100
    last_by_day: dict[str, int] = {}
    for number in numbers:
        _, day, seq = number.split("-")
        last_by_day[day] = max(last_by_day.get(day, 0), int(seq))
    assert {c.day: c.last for c in TicketCounter.select()} == last_by_day
    assert store.integrity_problems() == []


def test_cancel_keeps_whole_chunks(db_path, now, monkeypatch):
    monkeypatch.setattr(demo, "CHUNK_TICKETS", 40)
    store.open_center(db_path)
    try:
        seen: list[tuple[int, int]] = []
        result = demo.fill_demo(200, seed=3, progress=lambda d, t: seen.append((d, t)),
                                should_cancel=lambda: len(seen) >= 3, now=now)
        assert result.cancelled and result.tickets == 80
        assert seen == [(0, 200), (40, 200), (80, 200)]
        assert Ticket.select().count() == 80
        assert TicketEvent.select(TicketEvent.ticket).distinct().count() == 80
        assert store.integrity_problems() == []
        audit = Audit.select().where(Audit.action == "demo_fill").get()
        assert json.loads(audit.detail)["cancelled"] is True
    finally:
        store.close_center()


def test_sample_inputs_register_cleanly(filled):
    operator = users.authenticate("op1", demo.DEMO_PASSWORD)
    inputs = demo.sample_inputs(30, seed=2)
    assert len(inputs) == 30
    for data in inputs:
        registration.register(operator, data)
    assert Ticket.select().count() == COUNT + 30


# --- the dispatch side (issue 4): units, assignments, clocks, events ---------------------

DEMO = 2000
OPEN = (Status.PENDING.value, Status.ACCEPTED.value, Status.DISPATCHED.value, Status.RETURNED.value,
        Status.FEEDBACK.value)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    """One 2000-ticket demo for the module (a second each); tests open it, or a copy to change."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    now = clock.now() - dt.timedelta(minutes=1)
    with pytest.MonkeyPatch.context() as patch:
        from argon2 import PasswordHasher

        patch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        store.open_center(path)
        try:
            demo.fill_demo(DEMO, seed=1, now=now)
        finally:
            store.close_center()
    return path, now


@pytest.fixture
def big(demo_file):
    path, now = demo_file
    store.open_center(path)
    yield now
    store.close_center()


@pytest.fixture
def big_copy(demo_file, tmp_path):
    path, now = demo_file
    copy = tmp_path / "copy.db"
    shutil.copy(path, copy)
    store.open_center(copy)
    yield now
    store.close_center()


def _by_ticket(rows) -> dict[int, list]:
    out: dict[int, list] = {}
    for row in rows:
        out.setdefault(row.ticket_id, []).append(row)
    return out


def _events() -> dict[int, list[TicketEvent]]:
    return _by_ticket(TicketEvent.select().order_by(TicketEvent.at, TicketEvent.id))


def _data(event: TicketEvent) -> dict:
    return json.loads(event.data)


def test_every_status_appears_and_the_open_tickets_are_the_recent_ones(big):
    rows = list(Ticket.select())
    statuses = Counter(t.status for t in rows)
    # 决定受理 (accepted) belongs to 12365 complaints and reports: the demo center runs 12345
    # (test_a_center_running_both_lines_shows_every_status has it).
    assert set(statuses) == {s.value for s in Status} - {Status.ACCEPTED.value}
    open_ = [t for t in rows if t.status in OPEN]
    assert 0.02 * DEMO < len(open_) < 0.1 * DEMO  # a million-ticket demo keeps ~50,000 open
    received = sorted(t.received_at for t in rows)
    assert min(t.received_at for t in open_) > received[len(received) // 2]  # all in the recent half
    assert sorted(t.received_at for t in open_)[len(open_) // 2] > received[int(len(received) * 0.9)]


def test_each_open_ticket_has_exactly_the_clocks_its_state_implies(big):
    clocks = _by_ticket(Deadline.select().where(Deadline.met_at == ""))
    assignments = _by_ticket(Assignment.select())
    for t in Ticket.select():
        want: set[tuple[str, int | None]] = set()
        if t.status == Status.PENDING.value:
            want.add((Stage.DISPATCH.value, None))  # 12345 5.2.2.1.2
        for a in assignments.get(t.id, []):
            if a.status == AssignmentStatus.DISPATCHED.value:
                want |= {(Stage.SIGN_OFF.value, a.id), (Stage.FEEDBACK.value, a.id)}
            elif a.status == AssignmentStatus.SIGNED.value:
                want.add((Stage.FEEDBACK.value, a.id))
            elif a.status == AssignmentStatus.RETURN_ASKED.value:  # a return asked stops no clock
                want.add((Stage.FEEDBACK.value, a.id))
                if not a.signed_at:
                    want.add((Stage.SIGN_OFF.value, a.id))
        got = [(d.stage, d.assignment_id) for d in clocks.get(t.id, [])]
        assert sorted(got, key=str) == sorted(want, key=str), (t.number, t.status)


def test_ticket_status_agrees_with_its_assignments_and_units_are_active(big):
    assignments = _by_ticket(Assignment.select())
    inactive = {u.id for u in Unit.select().where(Unit.active == False)}
    handled = 0
    for t in Ticket.select():
        mine = assignments.get(t.id, [])
        assert not {a.unit_id for a in mine} & inactive
        leads = [a for a in mine if a.role == AssignmentRole.LEAD.value and a.status != AssignmentStatus.WITHDRAWN.value]
        assert len(leads) <= 1, t.number
        lead = leads[0].status if leads else None
        expected = {
            Status.PENDING.value: None,
            Status.NOT_ACCEPTED.value: None,
            Status.DISPATCHED.value: {AssignmentStatus.DISPATCHED.value, AssignmentStatus.SIGNED.value},
            Status.RETURNED.value: {AssignmentStatus.RETURN_ASKED.value},
            Status.FEEDBACK.value: {AssignmentStatus.FEEDBACK.value},
        }
        if t.status == Status.CLOSED.value:
            if mine:  # closed after feedback: every unit released (12345 5.2.2.3; handling._close)
                handled += 1
                assert lead == AssignmentStatus.CLOSED.value and t.complex in (0, 1)
                assert {a.status for a in mine} <= {AssignmentStatus.CLOSED.value, AssignmentStatus.WITHDRAWN.value}
            else:
                assert t.reply  # answered on the spot
        elif expected[t.status] is None:
            assert lead is None, t.number
        else:
            assert lead in expected[t.status], (t.number, t.status, lead)
        for a in mine:
            times = [a.dispatched_at, a.signed_at, a.feedback_at, a.closed_at]
            present = [x for x in times if x]
            assert present == sorted(present) and a.dispatched_at >= t.received_at, a.uid
            assert a.signed_by if a.signed_at else not a.signed_by
    assert handled > DEMO * 0.5


def test_every_clock_is_the_rules_clock(big):
    """Due times are deadlines.due_time of the rule the row names, from its start; an approved
    extension sets the feedback clock to the end of the day granted."""
    extended = {}
    for e in ExtensionRequest.select().where(ExtensionRequest.decision == "approved"):
        extended[e.assignment_id] = max(extended.get(e.assignment_id, ""), e.requested_due)
    rules: dict[tuple[str, int], dict] = {}
    calendar = workcalendar.current()
    late = 0
    for d in Deadline.select():
        if (d.profile, d.rules_version) not in rules:
            rules[(d.profile, d.rules_version)] = {r.key: r for r in deadlines.rule_set(d.profile, d.rules_version).rules}
        if d.rule_key == "center.set":  # an extension where the profile times no feedback
            assert d.assignment_id in extended and d.due_at == f"{extended[d.assignment_id]}T23:59:59+08:00"
            continue
        rule = rules[(d.profile, d.rules_version)][d.rule_key]
        assert rule.stage == d.stage
        due = deadlines.due_time(rule, clock.parse_stamp(d.started_at), calendar)
        if d.stage == Stage.FEEDBACK.value and d.assignment_id in extended and d.due_at != clock.stamp(due.at):
            assert d.due_at == f"{extended[d.assignment_id]}T23:59:59+08:00" and not d.provisional
        else:
            assert (d.due_at, d.provisional) == (clock.stamp(due.at), due.provisional), d.id
        assert d.started_at <= (d.met_at or d.started_at)
        late += bool(d.met_at) and d.met_at > d.due_at and not d.cancelled
    assert late > 0  # some steps were done late, as in life


_TICKET_STEPS = {k.value for k in (EventKind.REGISTERED, EventKind.ACCEPTED, EventKind.DISPATCHED, EventKind.RETURN_ASKED,
                                   EventKind.RETURN_DECIDED, EventKind.CLOSED, EventKind.SUPERVISED)}
_LEAD_STEPS = {EventKind.FEEDBACK.value, EventKind.FEEDBACK_REVIEWED.value}


def test_events_and_rows_agree(big):
    events = _events()
    units = {u.id: u for u in Unit.select()}
    assignments = _by_ticket(Assignment.select())
    clocks = _by_ticket(Deadline.select())
    now = clock.stamp(big)
    for t in Ticket.select():
        mine, got = assignments.get(t.id, []), events.get(t.id, [])
        kinds = Counter(e.kind for e in got)
        assert all(e.at <= now and e.actor_id is not None for e in got)
        assert all(e.data == json.dumps(json.loads(e.data), ensure_ascii=False) for e in got)  # add_event's text
        # The ticket row changes with its own steps; a co-handling unit's, a progress note's do not.
        leads = {units[a.unit_id].uid for a in mine if a.role == AssignmentRole.LEAD.value}
        touching = [e.at for e in got if e.kind in _TICKET_STEPS or (e.kind in _LEAD_STEPS and _data(e)["unit"] in leads)]
        assert t.updated_at == max(touching), t.number
        dispatches = [e for e in got if e.kind == EventKind.DISPATCHED.value]
        assert len(dispatches) == len({a.dispatched_at for a in mine})
        for a in mine:
            sent = next(e for e in dispatches if e.at == a.dispatched_at)
            assert {"uid": units[a.unit_id].uid, "name": units[a.unit_id].name, "role": a.role} in _data(sent)["units"]
            mine_events = [e for e in got if _data(e).get("unit") == units[a.unit_id].uid]
            signed = [e for e in mine_events if e.kind == EventKind.SIGNED.value]
            assert [(e.at, _data(e)["person"]) for e in signed] == ([(a.signed_at, a.signed_by)] if a.signed_at else [])
            if a.feedback_at:
                last = [e for e in mine_events if e.kind == EventKind.FEEDBACK.value][-1]
                assert last.at == a.feedback_at and _data(last)["result"] == json.loads(a.feedback)["result"]
            if a.status == AssignmentStatus.WITHDRAWN.value:
                decided = [e for e in mine_events if e.kind == EventKind.RETURN_DECIDED.value]
                assert decided[-1].at == a.closed_at and _data(decided[-1])["accepted"] is True
            own = [d for d in clocks.get(t.id, []) if d.assignment_id == a.id]
            for d in own:
                if d.stage == Stage.SIGN_OFF.value and a.signed_at:
                    assert d.met_at == a.signed_at and not d.cancelled
            if a.status == AssignmentStatus.WITHDRAWN.value:
                assert all(d.met_at and (d.cancelled or d.met_at < a.closed_at) for d in own)
        if dispatches:
            first = next(d for d in clocks[t.id] if d.stage == Stage.DISPATCH.value)
            assert first.met_at == dispatches[0].at
        if t.status == Status.CLOSED.value and mine:
            closing = [e for e in got if e.kind == EventKind.CLOSED.value]
            lead = next(a for a in mine if a.role == AssignmentRole.LEAD.value and a.status == AssignmentStatus.CLOSED.value)
            assert len(closing) == 1 and closing[0].at == lead.closed_at == t.updated_at
            assert all(d.met_at for d in clocks[t.id])
            assert kinds[EventKind.FEEDBACK_REVIEWED.value] >= 1
        assert t.rev >= 1 + (len(dispatches) + kinds[EventKind.FEEDBACK.value] > 0)
    asked = {(e.ticket_id, e.at) for es in events.values() for e in es if e.kind == EventKind.EXTENSION_ASKED.value}
    decided = {(e.ticket_id, e.at, _data(e)["approved"]) for es in events.values() for e in es
               if e.kind == EventKind.EXTENSION_DECIDED.value}
    requests = list(ExtensionRequest.select())
    for r in requests:
        ticket_id = Assignment.get_by_id(r.assignment_id).ticket_id
        assert (ticket_id, r.asked_at) in asked
        if r.decision:
            assert (ticket_id, r.decided_at, r.decision == "approved") in decided and r.decided_by_id is not None
    assert len(asked) == len(requests) and len(decided) == sum(bool(r.decision) for r in requests)
    supervised = {_data(e)["supervision"]: e for es in events.values() for e in es if e.kind == EventKind.SUPERVISED.value}
    answered = {_data(e)["supervision"]: e for es in events.values() for e in es
                if e.kind == EventKind.SUPERVISION_ANSWERED.value}
    rows = list(Supervision.select())
    assert {s.uid for s in rows} == set(supervised) and {s.uid for s in rows if s.answer} == set(answered)
    for s in rows:
        assert supervised[s.uid].at == s.at and (not s.answer or answered[s.uid].at == s.answered_at)


def test_the_demo_shows_each_step_of_the_workflow(big):
    """Every screen has something: one of each state however small the demo."""
    decisions = Counter(r.decision for r in ExtensionRequest.select())
    assert decisions[""] >= 1 and decisions["approved"] >= 1 and decisions["refused"] >= 1
    pending = ExtensionRequest.get(ExtensionRequest.decision == "")
    assert pending.assignment.status == AssignmentStatus.SIGNED.value and pending.requested_due > big.date().isoformat()
    kinds = Counter(e.kind for e in TicketEvent.select(TicketEvent.kind))
    for kind in (EventKind.PROGRESS, EventKind.RETURN_ASKED, EventKind.RETURN_DECIDED, EventKind.SUPERVISED,
                 EventKind.SUPERVISION_ANSWERED, EventKind.FEEDBACK_REVIEWED):
        assert kinds[kind.value] >= 1, kind
    statuses = Counter(a.status for a in Assignment.select())
    assert set(statuses) == {s.value for s in AssignmentStatus}
    assert Assignment.select().where(Assignment.role == AssignmentRole.CO.value).count() > DEMO * 0.05
    assert Ticket.select().where(Ticket.complex == True).count() > 0
    found = reminders.scan(big)
    assert {r.level for r in found} >= {reminders.NEAR, reminders.OVERDUE} or len({r.level for r in found}) >= 2
    assert reminders.overdue_by_unit(big)


def test_the_services_carry_on_from_the_demo_state(big_copy):
    """The demo's rows are what the services expect: each open step can be taken next."""
    dispatcher = users.authenticate("dispatcher", demo.DEMO_PASSWORD)
    manager = users.authenticate("manager", demo.DEMO_PASSWORD)
    waiting = Assignment.get(Assignment.status == AssignmentStatus.DISPATCHED.value)
    dispatch.sign_off(dispatcher, waiting.id, "王科员")
    request = ExtensionRequest.get(ExtensionRequest.decision == "")
    handling.decide_extension(manager, request.id, approve=True)
    clock_row = handling.feedback_clock(request.assignment_id)
    assert clock_row.due_at == f"{request.requested_due}T23:59:59+08:00"
    returned = Assignment.get(Assignment.status == AssignmentStatus.RETURN_ASKED.value)
    dispatch.decide_return(dispatcher, returned.id, accept_it=True)
    assert Ticket.get_by_id(returned.ticket_id).status == Status.PENDING.value
    lead = Assignment.get((Assignment.status == AssignmentStatus.FEEDBACK.value)
                          & (Assignment.role == AssignmentRole.LEAD.value))
    handling.review_feedback(dispatcher, lead.id, approve=True)
    assert Ticket.get_by_id(lead.ticket_id).status == Status.CLOSED.value
    assert Deadline.select().where((Deadline.ticket == lead.ticket_id) & (Deadline.met_at == "")).count() == 0
    signed = Assignment.get((Assignment.status == AssignmentStatus.SIGNED.value)
                            & (Assignment.role == AssignmentRole.LEAD.value))
    handling.add_progress(dispatcher, signed.id, "已到现场查看。")
    assert store.integrity_problems() == []
    # The 派单督办 panel reads any demo ticket, whatever its state.
    for status in Status:
        for t in Ticket.select().where(Ticket.status == status.value).limit(3):
            shown = handling_reads.handling_of(dispatcher, t.id)
            assert shown.status == t.status and len(shown.assignments) == t.assignments.count()


def test_a_center_running_both_lines_shows_every_status(db_path, now):
    """12365 complaints and reports are accepted (决定受理) before they are transferred."""
    from core.center import profile as center
    from demo import units as demo_units

    store.open_center(db_path)
    try:
        center.setup_center("both", "320102", "玄武区热线", "admin", "管理员", "admin-pass-1")
        admin = users.actor_for("admin")
        demo_units.fill_demo_units(admin)
        demo.fill_demo(DEMO, seed=2, now=now)
        statuses = {t.status for t in Ticket.select(Ticket.status)}
        assert statuses == {s.value for s in Status}
        for t in Ticket.select().where(Ticket.status == Status.ACCEPTED.value):
            assert t.hotline == "12365" and t.category in ("complaint", "report")
            open_ = {d.stage for d in Deadline.select().where((Deadline.ticket == t.id) & (Deadline.met_at == ""))}
            assert open_ == {Stage.DISPATCH.value, Stage.COMPLETE.value}  # 12365 6.3.5.1, 6.3.5.2.1
        accepted = TicketEvent.select().where(TicketEvent.kind == EventKind.ACCEPTED.value).count()
        assert accepted >= Ticket.select().where(Ticket.status == Status.ACCEPTED.value).count() > 0
        assert store.integrity_problems() == []
    finally:
        store.close_center()


def test_the_demo_center_has_a_month_of_calls_linked_to_its_phone_tickets(filled, now):
    """Issue 17: the 话务 figures are alive in a demo center, from the real import."""
    from core.calls import figures
    from core.center.users import actor_for

    conn = raw_connection()
    month_ago = clock.stamp(now - dt.timedelta(days=30))
    phone_tickets = conn.execute("SELECT count(*) FROM ticket WHERE channel = 'phone' AND caller_phone != ''"
                                 " AND received_at >= ?", (month_ago,)).fetchone()[0]
    linked = conn.execute("SELECT count(DISTINCT ticket_id) FROM call_record WHERE ticket_id IS NOT NULL").fetchone()[0]
    assert phone_tickets > 0 and linked == phone_tickets  # each phone ticket of the month has its call
    figs = figures.answering(actor_for("manager"), (now - dt.timedelta(days=29)).date(), now.date())
    assert figs.offered > phone_tickets and 0.9 < figs.answer_rate.value < 1 and figs.abandoned > 0
