"""Figures across districts at the provincial center (core.stats.province.by_district).

12345 6.4.1.2 a) 诉求总量 (received, by category, open / closed / not accepted, late) and
d) 区域分布 (one row per district, by the center the ticket came from).

The districts' tickets reach a province by import (sync); here most are stored as rows of
other centers (``origin``), as an import leaves them, and one test takes a real batch.
"""
from __future__ import annotations

import datetime as dt
import itertools
import uuid

import pytest

from core import clock
from core.stats import province as province_stats
from core.errors import PermissionDenied, ValidationError
from core.vocab import Category
from db.models import Deadline, SyncImport, Ticket
from tests.sync.exchange import DISTRICT, PROVINCE, at, fast_hashing, make_pair, make_province

OTHER = "320104"
NOW = dt.datetime(2026, 11, 22, 10, 0, 0, tzinfo=clock.LOCAL_TZ)
FIELDS = ("received", "open", "closed", "not_accepted", "overdue_open", "handled_late")
_numbers = itertools.count(1)

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")


def day(d: int, hour: int = 9, minute: int = 0, second: int = 0) -> str:
    """A stored stamp in November 2026, local time."""
    return clock.stamp(dt.datetime(2026, 11, d, hour, minute, second, tzinfo=clock.LOCAL_TZ))


@pytest.fixture(autouse=True)
def _fixed_now(frozen_clock):
    frozen_clock.set(NOW)


@pytest.fixture
def province(tmp_path):
    """A provincial center that has taken files from 玄武区 and 秦淮区; yields its admin."""
    path = tmp_path / "province.db"
    make_province(path)
    with at(path) as actor:
        for code in (DISTRICT, OTHER):
            SyncImport.create(file_name=f"上报批次_{code}_第000001批.hdsync", sha256=code * 4, size=1, district=code,
                              sequence=1, status="imported", imported_at=day(21))
        yield actor


def ticket(origin: str, received_at: str, category: str = "consult", status: str = "pending",
           deadlines: tuple[tuple[str, str, bool], ...] = ()) -> Ticket:
    """A district's ticket as an import stores it, with its clocks as (due_at, met_at, cancelled)."""
    n = next(_numbers)
    row = Ticket.create(uid=str(uuid.uuid4()), origin=origin, updated_at=received_at,
                        number=f"{origin}-20261101-{n:04d}", channel="phone", status=status,
                        received_at=received_at, title=f"诉求 {n}", content="内容", category=category)
    for due_at, met_at, cancelled in deadlines:
        Deadline.create(ticket=row, stage="feedback", started_at=received_at, due_at=due_at, profile="12345",
                        rules_version=1, rule_key="12345 5.2.2.3.2", met_at=met_at, cancelled=cancelled)
    return row


def values(row) -> tuple:
    return tuple(getattr(row, f) for f in FIELDS)


def figures(rows) -> dict[str, tuple]:
    return {r.code: values(r) for r in rows}


def test_each_district_is_counted_on_its_own_row(province):
    """12345 6.4.1.2 a) 诉求总量 and d) 区域分布: received, by category, open / closed /
    not accepted, still open past a deadline, and steps done after their deadline."""
    late, on_time, not_due = (day(21, 12), "", False), (day(21), day(20), False), (day(23), "", False)
    # 玄武区
    ticket(DISTRICT, day(20), "consult", "pending")
    ticket(DISTRICT, day(19), "complaint", "closed")
    ticket(DISTRICT, day(18), "help", "not_accepted")
    ticket(DISTRICT, day(17), "complaint", "dispatched", (late,))  # open, a clock past due: overdue
    ticket(DISTRICT, day(17), "report", "feedback", (not_due,))  # open, its clock not yet due
    ticket(DISTRICT, day(16), "suggestion", "closed", ((day(19), day(20), False),))  # handled after its deadline
    # 秦淮区
    ticket(OTHER, day(16), "consult", "closed", (on_time,))
    ticket(OTHER, day(15), "help", "returned", ((day(18), day(17), True),))  # its clock stopped: not overdue
    ticket(OTHER, day(15), "complaint", "closed", (late,))  # finished: not counted as overdue
    ticket(OTHER, day(14), "consult", "accepted", (late, late, on_time))  # one ticket, however many clocks
    ticket(OTHER, day(14), "help", "dispatched", ((day(15), day(16), False), (day(16), day(17), False)))
    # one of the province's own origin, as an older program could register there (a province
    # registers nothing now, tests/core/test_province_work.py): still counted, on its own row
    ticket(PROVINCE, day(22), "consult", "pending")

    rows, total = province_stats.by_district(province)

    assert [(r.code, r.name) for r in rows] == [(PROVINCE, "江苏省12345热线"), (DISTRICT, "南京市玄武区"),
                                                (OTHER, "南京市秦淮区")]
    #                                   received open closed not_acc overdue late
    assert figures(rows) == {DISTRICT: (6, 3, 2, 1, 1, 1),
                             OTHER: (5, 3, 2, 0, 1, 1),
                             PROVINCE: (1, 1, 0, 0, 0, 0)}
    by = {r.code: r.by_category for r in rows}
    assert by[DISTRICT] == {"consult": 1, "help": 1, "complaint": 2, "report": 1, "suggestion": 1}
    assert by[OTHER] == {"consult": 2, "help": 2, "complaint": 1, "report": 0, "suggestion": 0}
    assert by[PROVINCE] == {"consult": 1, "help": 0, "complaint": 0, "report": 0, "suggestion": 0}
    assert rows[1].closed_rate == pytest.approx(2 / 6)
    # 合计 is the sum of the rows
    assert (total.code, total.name) == ("", "合计")
    assert values(total) == tuple(sum(getattr(r, f) for r in rows) for f in FIELDS)
    assert total.by_category == {c.value: sum(r.by_category[c.value] for r in rows) for c in Category}
    assert total.received == Ticket.select().count() == 12


def test_every_row_adds_up(province):
    for i, (category, status) in enumerate(itertools.product([c.value for c in Category],
                                                              ["pending", "dispatched", "closed", "not_accepted"])):
        ticket((DISTRICT, OTHER)[i % 2], day(1 + i % 20), category, status)
    rows, total = province_stats.by_district(province)
    for r in rows:
        assert r.received == r.open + r.closed + r.not_accepted == sum(r.by_category.values())
    assert total.received == 20 and (total.open, total.closed, total.not_accepted) == (10, 5, 5)


def test_the_date_filter_takes_both_end_days_whole(province):
    ticket(DISTRICT, day(17, 23, 59, 59))
    ticket(DISTRICT, day(18, 0, 0, 0))
    ticket(OTHER, day(19, 23, 59, 59), "complaint", "dispatched", ((day(20), "", False),))
    ticket(OTHER, day(20, 0, 0, 0), "help", "closed", ((day(20, 12), day(21), False),))

    def received(date_from=None, date_to=None) -> dict[str, int]:
        rows, total = province_stats.by_district(province, date_from, date_to)
        assert total.received == sum(r.received for r in rows)
        return {r.code: r.received for r in rows}

    assert received(dt.date(2026, 11, 18), dt.date(2026, 11, 19)) == {DISTRICT: 1, OTHER: 1}
    assert received(dt.date(2026, 11, 18), dt.date(2026, 11, 18)) == {DISTRICT: 1}
    assert received(dt.date(2026, 11, 17), dt.date(2026, 11, 17)) == {DISTRICT: 1}
    assert received(dt.date(2026, 11, 19)) == {OTHER: 2}
    assert received(date_to=dt.date(2026, 11, 18)) == {DISTRICT: 2}
    assert received() == {DISTRICT: 2, OTHER: 2}
    assert received(dt.date(2026, 11, 21), dt.date(2026, 11, 30)) == {}
    # overdue and late follow the same days
    (row,), _ = province_stats.by_district(province, dt.date(2026, 11, 19), dt.date(2026, 11, 19))
    assert (row.code, row.overdue_open, row.handled_late) == (OTHER, 1, 0)
    (row,), _ = province_stats.by_district(province, dt.date(2026, 11, 20), dt.date(2026, 11, 20))
    assert (row.code, row.overdue_open, row.handled_late) == (OTHER, 0, 1)


def test_a_start_day_after_the_end_day_is_refused(province):
    with pytest.raises(ValidationError) as refused:
        province_stats.by_district(province, dt.date(2026, 11, 20), dt.date(2026, 11, 19))
    assert set(refused.value.fields) == {"date_to"} and "起始日" in refused.value.fields["date_to"]
    same_day = province_stats.by_district(province, dt.date(2026, 11, 20), dt.date(2026, 11, 20))
    assert same_day[0] == [] and same_day[1].received == 0


def test_overdue_is_judged_by_this_pcs_clock(province, frozen_clock):
    ticket(DISTRICT, day(20), "help", "dispatched", ((day(22, 12), "", False),))
    assert province_stats.by_district(province)[0][0].overdue_open == 0
    frozen_clock.advance(hours=3)
    assert province_stats.by_district(province)[0][0].overdue_open == 1


def test_no_right_no_figures(province):
    with pytest.raises(PermissionDenied):
        province_stats.by_district(None)


def test_a_cancelled_clock_is_not_handled_late(province):
    ticket(DISTRICT, day(15), "help", "dispatched", ((day(18), day(19), True),))  # a return accepted after the due day
    (row,), _ = province_stats.by_district(province)
    assert row.handled_late == 0


def test_a_districts_figures_at_the_province_are_its_own(tmp_path, monkeypatch):
    """After the district's batch is imported, the province's row for it counts what the district counts itself."""
    from sync import export, importer

    fast_hashing(monkeypatch)
    pair = make_pair(tmp_path / "pair", 80)
    with at(pair.district) as actor:
        (own,), _ = province_stats.by_district(actor)
        made = export.export_batch(actor, pair.folder)
        count = Ticket.select().count()
    with at(pair.province) as actor:
        assert importer.import_batch(actor, made.path).ok
        rows, total = province_stats.by_district(actor)
        first, last = dt.date(2025, 1, 1), dt.date(2025, 6, 30)
        (part,), _ = province_stats.by_district(actor, first, last)
    with at(pair.district) as actor:
        (own_part,), _ = province_stats.by_district(actor, first, last)
    (theirs,) = rows
    assert (theirs.code, theirs.name, own.code) == (DISTRICT, "南京市玄武区", DISTRICT)
    assert own.received == count and own.closed and own.open + own.not_accepted
    assert values(theirs) == values(own) and theirs.by_category == own.by_category
    assert values(part) == values(own_part) and 0 < part.received < count
    assert values(total) == values(own) and total.by_category == own.by_category
