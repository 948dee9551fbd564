"""core.demo: the demo center and its tickets (演示数据).

The demo database is what people try the program on and what bench/ measures,
so it must be as consistent as a real one: numbers that registration continues,
an event for every ticket, every ticket valid by the registration rules.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pytest

from core import clock, demo, registration, store, tickets, users
from core.center import current_center
from core.roles import Role
from core.vocab import Category, Disposition, EventKind, Status, Urgency
from db.connection import raw_connection
from db.models import Audit, Ticket, TicketCounter, TicketEvent

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
            (t.number, t.received_at, t.title, t.caller_phone, t.status, t.category)
            for t in Ticket.select().order_by(Ticket.id)
        ]
    finally:
        store.close_center()


def _as_input(t: Ticket) -> registration.TicketInput:
    """What the registration form would have held for this stored ticket."""
    disposition = {
        Status.PENDING.value: Disposition.REGISTER,
        Status.CLOSED.value: Disposition.DIRECT_ANSWER,
        Status.NOT_ACCEPTED.value: Disposition.NOT_ACCEPTED,
    }[t.status]
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
    assert len(first) == COUNT
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
    from core import kb_search

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
            assert got[EventKind.DIRECT_ANSWERED.value] == 1 and got[EventKind.CLOSED.value] == 1
            assert t.reply
        if t.status == Status.NOT_ACCEPTED.value:
            assert got[EventKind.NOT_ACCEPTED.value] == 1 and t.referral
        assert got[EventKind.MARKED_REPEAT.value] == (1 if t.repeat_of_id else 0)
    uids = [e.uid for e in TicketEvent.select(TicketEvent.uid)] + [t.uid for t in Ticket.select(Ticket.uid)]
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
    assert sum(hours[h] for h in range(9, 17)) > 4 * sum(hours[h] for h in range(0, 6))


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
