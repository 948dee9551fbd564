"""A district's batch may only refer to, and only change, that district's own records (issue 15 §1).

Another district's records at the province (its tickets, clocks, units, staff, cases) can be
neither changed by, nor hung with, records another district sends: each such record is refused
on its own, with the kind and the other center named, and the rest of the batch applies.
"""
from __future__ import annotations

import pytest

from db.connection import raw_connection
from sync import export, importer, records
from tests.sync.exchange import (DISTRICT, OTHER, at, craft_batch, dump, fast_hashing, foreign_uid, fresh, line,
                                 make_trio, records_by_kind)

@pytest.fixture(scope="module")
def trio_template(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        fast_hashing(patch)
        return make_trio(tmp_path_factory.mktemp("trio"))


@pytest.fixture
def trio(trio_template, tmp_path, monkeypatch):
    fast_hashing(monkeypatch)
    return trio_template.copy(tmp_path / "trio")


def _import(trio, lines):
    path = craft_batch(trio.district, trio.folder, lines)
    with at(trio.province) as actor:
        return importer.import_batch(actor, path)


def _cross_center_references() -> list[tuple[str, str, int]]:
    """Rows at the province whose reference lands on another center's record."""
    conn = raw_connection()
    out = []
    for kind in records.KINDS:
        origin = records.origin_sql(kind, "t")
        for column, target in kind.refs.items():
            n = conn.execute(f'SELECT count(*) FROM "{kind.table}" t JOIN "{target}" r ON r.id = t."{column}"'
                             f" WHERE r.origin <> {origin}").fetchone()[0]
            if n:
                out.append((kind.name, column, n))
    return out


REFS = [(k.name, c) for k in records.KINDS for c in k.refs] + [
    (records.MEDIATION, "sessions.recorded_by")]


def test_every_reference_to_another_districts_record_is_refused_record_by_record(trio):
    mine = records_by_kind(trio.district, DISTRICT)
    with at(trio.province):
        theirs = dump(OTHER)
    offered: dict[str, tuple[str, str]] = {}
    lines = []
    for kind, column in REFS:
        target = records.BY_NAME[kind].refs.get(column, "user")
        foreign = foreign_uid(trio.province, target)
        sample = next(d for d in mine[kind] if not column.startswith("sessions") or d.get("sessions"))
        record = fresh(kind, sample)
        if column.startswith("sessions."):
            record["sessions"][0]["recorded_by"] = foreign
        else:
            record[records.ref_key(column)] = foreign
        offered[record["uid"]] = (kind, column)
        lines.append(line(kind, record))
    # and a change to one of the district's own tickets that would move it under another district's topic
    ticket = dict(mine[records.TICKET][0], rev=mine[records.TICKET][0]["rev"] + 1, topic=foreign_uid(trio.province, "topic"))
    offered[ticket["uid"]] = (records.TICKET, "topic_id (update)")
    lines.append(line(records.TICKET, ticket))
    with at(trio.province):
        before = raw_connection().execute("SELECT rev, topic_id FROM ticket WHERE uid = ?", (ticket["uid"],)).fetchone()

    report = _import(trio, lines)

    assert report.status == "imported" and report.counts["rejected"] == len(offered), report.summary()
    refused = {r["uid"]: r["reason"] for r in report.rejections}
    assert set(refused) == set(offered)
    for uid, (kind, column) in offered.items():
        key = records.ref_key(column.split(".")[-1].split(" ")[0])
        assert f"（{key}）" in refused[uid] and f"另一个中心（{OTHER}）" in refused[uid], (kind, column, refused[uid])
    with at(trio.province):
        assert dump(OTHER) == theirs
        assert raw_connection().execute("SELECT rev, topic_id FROM ticket WHERE uid = ?",
                                        (ticket["uid"],)).fetchone() == before
        assert _cross_center_references() == []


def test_a_district_cannot_add_or_change_clocks_on_another_districts_ticket(trio):
    """A deadline has no origin of its own: it is its ticket's. Claiming it in the JSON is not enough."""
    mine = records_by_kind(trio.district, DISTRICT)[records.DEADLINE][0]
    theirs = records_by_kind(trio.other, OTHER)[records.DEADLINE][0]
    foreign_ticket = theirs["ticket"]
    added = dict(fresh(records.DEADLINE, mine), ticket=foreign_ticket, assignment=None,
                 due_at="2026-11-25T09:00:00+08:00", met_at="")
    # the other district's own clock, claimed as this district's at a higher rev, on either ticket
    moved = dict(theirs, origin=DISTRICT, rev=theirs["rev"] + 1, ticket=mine["ticket"], assignment=None)
    changed = dict(theirs, origin=DISTRICT, rev=theirs["rev"] + 1, due_at="2099-01-01T09:00:00+08:00")
    with at(trio.province):
        clocks = raw_connection().execute(
            "SELECT d.uid, d.rev, d.due_at, d.ticket_id FROM deadline d JOIN ticket t ON t.id = d.ticket_id"
            " WHERE t.origin = ? ORDER BY d.id", (OTHER,)).fetchall()

    for record in (added, moved, changed):
        report = _import(trio, [line(records.DEADLINE, record)])
        assert report.counts["rejected"] == 1 and report.counts["new"] + report.counts["updated"] == 0
        assert OTHER in report.rejections[0]["reason"], report.rejections[0]
    with at(trio.province):
        assert raw_connection().execute(
            "SELECT d.uid, d.rev, d.due_at, d.ticket_id FROM deadline d JOIN ticket t ON t.id = d.ticket_id"
            " WHERE t.origin = ? ORDER BY d.id", (OTHER,)).fetchall() == clocks
        assert raw_connection().execute("SELECT count(*) FROM deadline WHERE uid = ?", (added["uid"],)).fetchone()[0] == 0


def test_a_record_with_the_uid_of_the_provinces_own_record_is_refused(trio):
    """The province's own topics never came through a batch: the uid's owner is read from the table itself."""
    with at(trio.province):
        own = raw_connection().execute("SELECT uid, name, rev FROM topic WHERE origin = '320000' LIMIT 1").fetchone()
    topic = dict(records_by_kind(trio.district, DISTRICT)[records.TOPIC][0], uid=own[0], rev=own[2] + 5, name="被改名")
    report = _import(trio, [line(records.TOPIC, topic)])
    assert report.counts["rejected"] == 1 and "320000" in report.rejections[0]["reason"]
    with at(trio.province):
        assert raw_connection().execute("SELECT name, origin FROM topic WHERE uid = ?", (own[0],)).fetchone() == (
            own[1], "320000")
        assert raw_connection().execute("SELECT count(*) FROM sync_record WHERE uid = ?", (own[0],)).fetchone()[0] == 0


def test_a_case_cannot_take_over_another_districts_party(trio):
    theirs = records_by_kind(trio.other, OTHER)[records.MEDIATION][0]
    case = fresh(records.MEDIATION, records_by_kind(trio.district, DISTRICT)[records.MEDIATION][0])
    case["parties"][0]["uid"] = theirs["parties"][0]["uid"]
    with at(trio.province):
        before = dump(OTHER, (records.MEDIATION,))
    report = _import(trio, [line(records.MEDIATION, case)])
    assert report.counts["rejected"] == 1 and "parties" in report.rejections[0]["reason"]
    with at(trio.province):
        assert dump(OTHER, (records.MEDIATION,)) == before
        owner = raw_connection().execute(
            "SELECT c.origin FROM mediation_party p JOIN mediation_case c ON c.id = p.case_id WHERE p.uid = ?",
            (theirs["parties"][0]["uid"],)).fetchone()
    assert owner == (OTHER,)


def _register_at(db, **fields) -> tuple[str, str]:
    """A ticket registered at ``db`` by its demo manager: (uid, number)."""
    from core.tickets import registration
    from core.center import users
    from db.models import Ticket

    values = dict(channel="phone", caller_name="孙先生", caller_phone="13905152222", title="噪声扰民",
                  content="夜间施工噪声。", category="consult", hotline="12345") | fields
    with at(db):
        made = registration.register(users.authenticate("manager", "demo1234"), registration.TicketInput(**values))
        return Ticket.get_by_id(made.id).uid, made.number


def test_a_district_cannot_take_another_districts_ticket_number(trio):
    """Numbers carry their center's code (issue 15 §2): sent first under another's number, a ticket is
    refused, and the other district's genuine ticket with that number still arrives whole."""
    genuine_uid, number = _register_at(trio.other)
    assert number.startswith(f"{OTHER}-")
    squatter = fresh(records.TICKET, records_by_kind(trio.district, DISTRICT)[records.TICKET][0])
    report = _import(trio, [line(records.TICKET, dict(squatter, number=number))])
    assert report.counts["rejected"] == 1
    assert f"字段 number 的值“{number}”不是本中心（{DISTRICT}）的工单编号" in report.rejections[0]["reason"]

    with at(trio.other) as actor:
        made = export.export_batch(actor, trio.folder)
    with at(trio.province) as actor:
        theirs = importer.import_batch(actor, made.path)
        assert theirs.counts["rejected"] == 0 and theirs.alarms == []
        row = raw_connection().execute("SELECT origin, number_clash FROM ticket WHERE uid = ?", (genuine_uid,)).fetchone()
    assert row == (OTHER, 0)


@pytest.mark.parametrize("number, why", [
    ("320102-2026112-0001", "不是本中心"), ("320102-20261124-0000", "不是本中心"), ("320102-20261124-1", "不是本中心"),
    ("320102-20261332-0001", "日期不存在"), (" 320102-20261124-0001", "不是本中心"), (20261124, "应为文字"),
])
def test_a_ticket_number_not_made_by_the_districts_program_is_refused(trio, number, why):
    ticket = fresh(records.TICKET, records_by_kind(trio.district, DISTRICT)[records.TICKET][0])
    report = _import(trio, [line(records.TICKET, dict(ticket, number=number))])
    assert report.counts["rejected"] == 1 and why in report.rejections[0]["reason"], report.rejections
    assert report.rejections[0]["reason"].startswith("字段 number ")
