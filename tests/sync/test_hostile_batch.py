"""A hostile but well-signed batch (issue 15 §4): real records, the district's real keys and the real
envelope, each record's JSON tampered before sealing, every field of every kind wrong in turn (wrong
type, unknown code, bad time, oversized, bad JSON, missing, foreign reference). Each is refused on
its own with its field named; the odd-but-valid records beside them are taken; and then every read
the province offers opens without an exception."""
from __future__ import annotations

import datetime as dt
import json
import logging
import uuid

import pytest

from core import clock, limits
from core.stats import province as province_stats
from core.tickets import registration
from core.tickets import reads as tickets
from core.errors import HotlineError
from core.roles import Role
from db.connection import raw_connection
from db.models import Ticket
from core.tickets.queries import SORT_COLUMNS
from forms import contexts, issue
from forms.catalog import DocumentKind
from sync import importer, overview, records, validate
from sync.field_checks import text
from tests.sync.exchange import (DISTRICT, OTHER, at, craft_batch, fast_hashing, foreign_uid, fresh, line, make_trio,
                                 records_by_kind)


@pytest.fixture(scope="module")
def trio(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        fast_hashing(patch)
        return make_trio(tmp_path_factory.mktemp("hostile"))


def _not_null_without_default(trio) -> dict[str, set[str]]:
    """Per table, the columns a record may not leave out (the rest have defaults or take null)."""
    with at(trio.province):
        allowed = validate.columns(raw_connection())
    return {t: {c for c, (missing_ok, _null_ok) in cols.items() if not missing_ok} for t, cols in allowed.items()}


def _sample(samples: dict[str, list[dict]], kind: str) -> dict:
    """A real record of ``kind`` to vary (a mediation case with parties and sessions)."""
    return samples[kind][0] if kind != records.MEDIATION else next(
        d for d in samples[kind] if d["parties"] and d["sessions"])


def _variants(trio) -> list[tuple[str, dict, str]]:
    """(kind, record, the key its reason must name): one wrong field each, on a fresh copy of a real record."""
    rules, nested = validate._rules(DISTRICT), validate.child_rules()
    required = _not_null_without_default(trio)
    samples = records_by_kind(trio.district, DISTRICT)
    out: list[tuple[str, dict, str]] = []
    for kind in records.KINDS:
        sample = _sample(samples, kind.name)
        for key, check in rules[kind.name].items():
            for bad in check.bad:
                out.append((kind.name, dict(fresh(kind.name, sample), **{key: bad}), key))
            column = key if key in required[kind.table] else f"{key}_id"
            if column in required[kind.table]:
                gone = fresh(kind.name, sample)
                del gone[key]
                out.append((kind.name, gone, key))
                out.append((kind.name, dict(fresh(kind.name, sample), **{key: None}), key))
        for column, target in kind.refs.items():
            if target != kind.table:  # a tree's parent or a repeat of another district's: test_ownership
                out.append((kind.name, dict(fresh(kind.name, sample), **{records.ref_key(column):
                                                                        foreign_uid(trio.province, target)}),
                            records.ref_key(column)))
        for child in kind.children:
            for key, check in nested[child.key].items():
                for bad in check.bad:
                    record = fresh(kind.name, sample)
                    record[child.key][0] = dict(record[child.key][0], **{key: bad})
                    out.append((kind.name, record, f"（{child.key}）"))
            record = fresh(kind.name, sample)
            record[child.key] = "不是列表"
            out.append((kind.name, record, child.key))
        if kind.tree:  # its own parent, and two that are each other's
            itself = fresh(kind.name, sample)
            a, b = fresh(kind.name, sample), fresh(kind.name, sample)
            out += [(kind.name, itself | {"parent": itself["uid"]}, "parent"),
                    (kind.name, a | {"parent": b["uid"], "name": "甲"}, "parent"),
                    (kind.name, b | {"parent": a["uid"], "name": "乙"}, "parent")]
        for column, key, target in kind.json_refs:  # another district's record named inside a JSON field
            out.append((kind.name, dict(fresh(kind.name, sample), **{column: json.dumps(
                {key: foreign_uid(trio.province, target)})}), key))
    return out


def _odd_but_valid(trio) -> list[tuple[str, dict]]:
    """Records at the edge of what the district writes: every limit reached, nulls, old offsets."""
    samples = records_by_kind(trio.district, DISTRICT)
    ticket = fresh(records.TICKET, samples[records.TICKET][0])
    ticket |= {key: "边" * limit for key, limit in registration.MAX_LENGTHS.items()
               if key not in registration.DETAIL_FIELDS}
    ticket |= {"number": f"{DISTRICT}-19880601-9999999", "received_at": "1988-06-01T10:00:00+09:00",
               "caller_phone": "1" * 20, "region_code": "", "topic": None, "repeat_of": None, "created_by": None,
               "urgency": "urgent", "emergency_type": "epidemic", "risk_level": "1", "confidential": 1,
               "details": json.dumps(dict.fromkeys(registration.DETAIL_FIELDS, "细" * 1000), ensure_ascii=False)}
    event = fresh(records.EVENT, samples[records.EVENT][0]) | {
        "ticket": ticket["uid"], "kind": "renumbered", "actor": None, "summary": "长" * limits.COMPOSED,
        "data": json.dumps({"police_told": True, "other": [1, {"x": None}], "units": None})}
    assignment = fresh(records.ASSIGNMENT, samples[records.ASSIGNMENT][0]) | {
        "ticket": ticket["uid"], "role": "co", "status": "feedback", "signed_at": "", "closed_at": "",
        "opinion": "意" * limits.NOTE, "signed_by": "人" * limits.NAME,
        "feedback": json.dumps({"result": "unresolved", "elements": {"reason": "因" * limits.TEXT},
                                "received_via": ""}, ensure_ascii=False)}
    deadline = fresh(records.DEADLINE, samples[records.DEADLINE][0]) | {
        "ticket": ticket["uid"], "assignment": assignment["uid"], "due_at": "2999-12-31T23:59:59+08:00", "met_at": ""}
    # the extremes of a well-formed time and day: the reads take them as they come
    last = fresh(records.DEADLINE, samples[records.DEADLINE][0]) | {
        "ticket": ticket["uid"], "assignment": None, "stage": "sign_off", "started_at": "1992-01-01T00:00:00+08:00",
        "due_at": "9999-12-31T23:59:59+08:00", "met_at": "9999-12-31T23:59:59+08:00"}
    extension = fresh(records.EXTENSION, samples[records.EXTENSION][0]) | {
        "assignment": assignment["uid"], "requested_due": "9999-12-31", "asked_at": "9999-12-31T23:59:59+08:00",
        "decision": "", "decided_at": ""}
    late = fresh(records.EVENT, samples[records.EVENT][0]) | {
        "ticket": ticket["uid"], "kind": "dispatched", "at": "9999-12-31T23:59:59+08:00",
        "data": json.dumps({"feedback_due": "9999-12-31", "phoned_at": "1901-01-01T00:00:00+08:00",
                            "phoned_person": "值班员", "police_told": False})}
    supervision = fresh(records.SUPERVISION, samples[records.SUPERVISION][0]) | {
        "ticket": ticket["uid"], "unit": None, "content": "督" * limits.TEXT, "answer": "", "answered_at": ""}
    case = fresh(records.MEDIATION, next(d for d in samples[records.MEDIATION] if d["parties"] and d["sessions"]))
    case |= {"ticket": ticket["uid"], "status": "concluded", "outcome": "terminated", "agreement": "",
             "termination_reason": "终" * 20_000, "concluded_at": "2026-11-24T07:30:00+08:00", "mediator": None}
    case["parties"][0] |= {"name": "名" * limits.NAME, "address": "址" * limits.LINE, "gender": "", "id_number": ""}
    case["sessions"] = [case["sessions"][0] | {"recorded_by": None, "place": "地" * limits.LINE}]
    document = fresh(records.DOCUMENT, samples[records.DOCUMENT][0]) | {
        "ticket": ticket["uid"], "case": case["uid"], "assignment": None, "supervision": supervision["uid"],
        "number": "", "kind": "termination_letter", "issued_by": None}
    return [(records.TICKET, ticket), (records.EVENT, event), (records.ASSIGNMENT, assignment),
            (records.DEADLINE, deadline), (records.DEADLINE, last), (records.EXTENSION, extension),
            (records.EVENT, late), (records.SUPERVISION, supervision), (records.MEDIATION, case),
            (records.DOCUMENT, document)]


def test_every_field_of_every_kind_is_held_to_a_rule():
    rules, nested = validate._rules(DISTRICT), validate.child_rules()
    for kind in records.KINDS:
        carried = set(kind.columns) - {"uid", "origin", "rev"} | {records.ref_key(c) for c in kind.refs}
        assert carried == set(rules[kind.name]), kind.name
        for child in kind.children:
            assert set(child.columns) | {records.ref_key(c) for c in child.refs} == set(nested[child.key])


def test_a_hostile_batch_is_refused_field_by_field_and_nothing_it_leaves_breaks_a_read(trio, tmp_path):
    variants = _variants(trio)
    valid = _odd_but_valid(trio)
    lines = [line(kind, record) for kind, record, _key in variants] + [line(kind, r) for kind, r in valid]
    path = craft_batch(trio.district, tmp_path, lines, sequence=2)
    with at(trio.province) as actor:
        report = importer.import_batch(actor, path)
        assert report.status == "imported", report.summary()
        outcome = {uid: (o, why) for uid, o, why in raw_connection().execute(
            "SELECT uid, outcome, reason FROM sync_outcome WHERE import_id = ?", (report.import_id,))}
    assert len(variants) > 400
    for kind, record, key in variants:
        got, why = outcome[record["uid"]]
        assert got == "rejected" and key in why, (kind, key, record.get(key, "（缺少）") if len(str(record.get(key))) < 80
                                                 else "…", why)
    for kind, record in valid:
        assert outcome[record["uid"]][0] == "new", (kind, outcome[record["uid"]])
    assert report.counts["rejected"] == len(variants) and report.counts["new"] == len(valid)

    with at(trio.province) as actor:
        _every_provincial_read(actor, Ticket.get(Ticket.uid == valid[0][1]["uid"]).id)


def _every_provincial_read(actor, odd_ticket: int) -> None:
    """Each read the province's screens make, over what the batch left; a typed refusal is fine, a crash is not."""
    from core.dispatch import reads as handling_reads
    from core.kb import articles as kb
    from core.mediation import reads as mediation_reads
    from core.center import topics
    from core.units import tree as units
    from core.center import users

    users.create_user(actor, "viewer", "查看员", "viewer-pass-1", {Role.MANAGER})
    readers = [actor, users.authenticate("viewer", "viewer-pass-1")]
    day = dt.date(1988, 6, 1)
    for who in readers:
        filters = [tickets.TicketFilter(), tickets.TicketFilter(district=DISTRICT), tickets.TicketFilter(district=OTHER),
                   tickets.TicketFilter(status="closed"), tickets.TicketFilter(category="complaint"),
                   tickets.TicketFilter(urgency="urgent"), tickets.TicketFilter(channel="phone"),
                   tickets.TicketFilter(phone="1" * 20), tickets.TicketFilter(text="边边"),
                   tickets.TicketFilter(text=f"{DISTRICT}-1988"), tickets.TicketFilter(date_from=day, date_to=day)]
        for flt in filters:
            for sort in SORT_COLUMNS:
                for descending in (True, False):
                    shown = dict(flt.__dict__, sort=sort, descending=descending)
                    page = tickets.list_page(who, tickets.TicketFilter(**shown))
                    if page:
                        tickets.list_page(who, tickets.TicketFilter(**shown), after=page[-1].sort_key)
            tickets.count(who, flt)
        tickets.caller_history(who, "1" * 20)
        ids = [odd_ticket] + [t for (t,) in raw_connection().execute("SELECT id FROM ticket ORDER BY id DESC LIMIT 40")]
        for ticket_id in ids:
            detail = tickets.detail(who, ticket_id)
            assert detail.timeline is not None
            for read in (lambda: mediation_reads.document_sources(who, ticket_id), lambda: issue.documents_of(ticket_id),
                         lambda: handling_reads.handling_of(who, ticket_id)):
                try:
                    read()
                except HotlineError:
                    pass
            for kind in DocumentKind:
                try:
                    contexts.build(kind, ticket_id, who, on=clock.today())
                except HotlineError:  # MissingData: the ticket lacks what this document needs
                    pass
        province_stats.by_district(who)
        province_stats.by_district(who, dt.date(1980, 1, 1), dt.date(2030, 12, 31))
        for read in (lambda: kb.list_articles(who), lambda: handling_reads.reviews_page(who),
                     lambda: handling_reads.units_in_progress(who)):
            try:
                read()
            except HotlineError:
                pass
    # the trees every screen picks from: no record lost in a cycle, no walk without end
    assert len(kb.category_paths()) == raw_connection().execute("SELECT count(*) FROM kb_category").fetchone()[0]
    assert len(units.unit_tree(include_retired=True)) == raw_connection().execute(
        "SELECT count(*) FROM unit").fetchone()[0]
    assert sum(1 + len(t.children) for t in topics.topic_tree()) == raw_connection().execute(
        "SELECT count(*) FROM topic").fetchone()[0]
    topics.active_topics()
    overview.district_states(actor)
    overview.conflicts(actor)
    for row in overview.imports(actor):
        overview.import_detail(actor, row.id)
    for district in (DISTRICT, OTHER):
        overview.imports(actor, district)
        overview.conflicts(actor, district)
    assert uuid.UUID(Ticket.get_by_id(odd_ticket).uid)


def test_a_party_or_session_uid_given_twice_in_a_file_refuses_the_second_case(trio, tmp_path):
    sample = next(d for d in records_by_kind(trio.district, DISTRICT)[records.MEDIATION] if d["parties"])
    first, second = fresh(records.MEDIATION, sample), fresh(records.MEDIATION, sample)
    second["parties"][0]["uid"] = first["parties"][0]["uid"]
    path = craft_batch(trio.district, tmp_path, [line(records.MEDIATION, first), line(records.MEDIATION, second)])
    with at(trio.province) as actor:
        report = importer.import_batch(actor, path)
    assert report.counts["new"] == 1 and report.counts["rejected"] == 1
    assert report.rejections[0]["uid"] == second["uid"] and report.rejections[0]["reason"] == validate.REPEATED_CHILD


def _import(trio, tmp_path, lines: list[bytes]) -> importer.ImportReport:
    path = craft_batch(trio.district, tmp_path, lines, sequence=2)
    with at(trio.province) as actor:
        report = importer.import_batch(actor, path)
    assert report.status == "imported", report.summary()
    return report


def _reasons(report: importer.ImportReport) -> dict[str, str]:
    return {r["uid"]: r["reason"] for r in report.rejections}


def test_a_time_that_leaves_the_calendar_at_chinas_offset_refuses_its_record_not_the_file(trio, tmp_path):
    samples = records_by_kind(trio.district, DISTRICT)
    ticket = fresh(records.TICKET, samples[records.TICKET][0]) | {"received_at": "0001-01-01T00:00:00+08:00"}
    deadline = fresh(records.DEADLINE, samples[records.DEADLINE][0]) | {"due_at": "9999-12-31T23:59:59-10:00"}
    report = _import(trio, tmp_path, [line(records.TICKET, ticket), line(records.DEADLINE, deadline)])
    why = _reasons(report)
    assert report.counts["rejected"] == 2 and report.counts["new"] == 0
    assert "字段 received_at" in why[ticket["uid"]] and "格式不对" in why[ticket["uid"]]
    assert "字段 due_at" in why[deadline["uid"]] and "格式不对" in why[deadline["uid"]]


def test_a_check_that_breaks_on_a_value_refuses_that_record_only_and_is_logged(trio, tmp_path, monkeypatch, caplog):
    rules, title = validate._rules, text(registration.MAX_LENGTHS["title"])

    def breaks(value):
        if value == "无法检查":
            raise RuntimeError("a value no check foresaw")
        return title(value)

    monkeypatch.setattr(validate, "_rules", lambda origin: (r := rules(origin)) | {
        records.TICKET: r[records.TICKET] | {"title": breaks}})
    sample = records_by_kind(trio.district, DISTRICT)[records.TICKET][0]
    bad = fresh(records.TICKET, sample) | {"title": "无法检查", "number": f"{DISTRICT}-20261124-8000001"}
    good = fresh(records.TICKET, sample) | {"title": "可以检查", "number": f"{DISTRICT}-20261124-8000002"}
    with caplog.at_level(logging.ERROR, "hotline.sync.validate"):
        report = _import(trio, tmp_path, [line(records.TICKET, bad), line(records.TICKET, good)])
    assert report.counts == dict(report.counts, new=1, rejected=1)
    assert "字段 title" in _reasons(report)[bad["uid"]] and "无法检查" in _reasons(report)[bad["uid"]]
    assert "the check of field title broke" in caplog.text and "a value no check foresaw" in caplog.text


def _tree(trio, kind: str) -> tuple[dict[str, dict], dict, dict]:
    """A kind's records by uid, and a child with its parent (A, under which C is)."""
    by_uid = {r["uid"]: r for r in records_by_kind(trio.district, DISTRICT)[kind]}
    child = next(r for r in by_uid.values() if r["parent"] in by_uid)
    return by_uid, by_uid[child["parent"]], child


def _moved(record: dict, parent: str | None, bump: int) -> dict:
    return dict(record, parent=parent, rev=record["rev"] + bump)


@pytest.mark.parametrize("kind", [records.TOPIC, records.UNIT, records.KB_CATEGORY])
def test_a_tree_record_that_is_its_own_parent_or_comes_back_to_itself_is_refused(trio, tmp_path, kind):
    by_uid, parent, child = _tree(trio, kind)
    others = [r for r in by_uid.values() if r["uid"] not in (parent["uid"], child["uid"])]
    itself = _moved(others[0], others[0]["uid"], 10)
    a, b = _moved(others[1], others[2]["uid"], 10), _moved(others[2], others[1]["uid"], 10)  # A under B under A
    around = _moved(parent, child["uid"], 10)  # under its own child, as the province holds it
    new = fresh(kind, others[3]) | {"parent": None}
    new["parent"] = new["uid"]
    report = _import(trio, tmp_path, [line(kind, r) for r in (itself, a, b, around, new)])
    why = _reasons(report)
    assert report.counts["rejected"] == 5, report.summary()
    assert "字段 parent 指向记录自己" in why[itself["uid"]] and others[0]["name"] in why[itself["uid"]]
    assert "字段 parent 指向记录自己" in why[new["uid"]]
    for record in (a, b):
        assert "字段 parent 使上下级形成循环" in why[record["uid"]] and others[1]["name"] in why[record["uid"]]
    assert f"“{parent['name']}” → “{child['name']}” → “{parent['name']}”" in why[around["uid"]]
    with at(trio.province):
        table = records.BY_NAME[kind].table
        stored = dict(raw_connection().execute(
            f'SELECT t.uid, p.uid FROM "{table}" t LEFT JOIN "{table}" p ON p.id = t.parent_id'))
        assert stored[itself["uid"]] == by_uid[itself["uid"]]["parent"] and new["uid"] not in stored
        assert stored[parent["uid"]] == parent["parent"] and stored[child["uid"]] == parent["uid"]
        from core.kb import articles as kb
        from core.center import topics
        from core.units import tree as units

        assert len(kb.category_paths()) and len(topics.topic_tree())
        assert {u.id for u in units.unit_tree(include_retired=True)} == {
            i for (i,) in raw_connection().execute("SELECT id FROM unit")}


def test_a_tree_turned_over_within_one_file_is_taken(trio, tmp_path):
    """C moves up to the top and its old parent A under it, in one file (A first): no cycle, both taken."""
    _by_uid, parent, child = _tree(trio, records.UNIT)
    report = _import(trio, tmp_path, [line(records.UNIT, _moved(parent, child["uid"], 20)),
                                      line(records.UNIT, _moved(child, None, 20))])
    assert report.counts["updated"] == 2 and report.counts["rejected"] == 0, report.summary()
    with at(trio.province):
        from core.units import tree as units

        ids = dict(raw_connection().execute("SELECT uid, id FROM unit WHERE uid IN (?, ?)",
                                            (parent["uid"], child["uid"])).fetchall())
        tree = {u.id: u.path for u in units.unit_tree(include_retired=True)}
        assert tree[ids[child["uid"]]] == child["name"]
        assert tree[ids[parent["uid"]]] == f"{child['name']}/{parent['name']}"


def _lead(trio) -> tuple[int, int, str]:
    """(ticket id, assignment id, its ticket's uid) of a lead unit's dispatch that has fed back, at the province."""
    with at(trio.province):
        return raw_connection().execute(
            "SELECT t.id, a.id, t.uid FROM assignment a JOIN ticket t ON t.id = a.ticket_id"
            " WHERE a.origin = ? AND a.role = 'lead' AND a.status <> 'withdrawn' AND a.feedback_at <> ''"
            " AND EXISTS (SELECT 1 FROM ticket_event e WHERE e.ticket_id = t.id AND e.kind = 'dispatched'"
            " AND e.at = a.dispatched_at) ORDER BY a.id LIMIT 1", (DISTRICT,)).fetchone()


def test_a_key_the_provinces_reads_take_out_of_event_data_is_held_to_its_rule(trio, tmp_path):
    _ticket_id, _aid, ticket_uid = _lead(trio)
    sample = records_by_kind(trio.district, DISTRICT)[records.EVENT][0]
    bad = fresh(records.EVENT, sample) | {"ticket": ticket_uid, "kind": "dispatched",
                                          "data": json.dumps({"feedback_due": "xyz"})}
    good = fresh(records.EVENT, sample) | {"ticket": ticket_uid, "kind": "dispatched",
                                           "data": json.dumps({"feedback_due": "2026-12-01"})}
    report = _import(trio, tmp_path, [line(records.EVENT, bad), line(records.EVENT, good)])
    assert report.counts == dict(report.counts, new=1, rejected=1)
    assert "字段 data 中的“feedback_due”的日期“xyz”格式不对" in _reasons(report)[bad["uid"]]


def test_bad_values_stored_in_event_data_a_feedback_or_details_show_blank_never_raise(trio):
    """What a province stored before a key had its rule: every read that takes it out shows a blank."""
    from core.dispatch import reads as handling_reads

    ticket_id, aid, _uid = _lead(trio)
    with at(trio.province) as actor:
        conn = raw_connection()
        conn.execute("SAVEPOINT bad_values")
        try:
            conn.execute("UPDATE ticket_event SET data = ? WHERE ticket_id = ? AND kind = 'dispatched'",
                         (json.dumps({"feedback_due": "xyz", "phoned_at": "昨天", "phoned_person": "李科长",
                                      "police_told": None, "emergency_told": "是", "unit": [1]}), ticket_id))
            conn.execute("UPDATE ticket_event SET data = '[1, 2]' WHERE ticket_id = ? AND kind <> 'dispatched'",
                         (ticket_id,))
            conn.execute("INSERT INTO ticket_event (uid, origin, ticket_id, kind, at, summary, data) VALUES"
                         " (?, ?, ?, 'return_asked', ?, '退单', ?)", (str(uuid.uuid4()), DISTRICT, ticket_id,
                                                                    clock.stamp(), json.dumps({"reason": 7})))
            conn.execute("UPDATE assignment SET feedback = ? WHERE id = ?",
                         (json.dumps({"result": 7, "elements": None, "received_via": ["电话"]}), aid))
            conn.execute("UPDATE ticket SET details = ? WHERE id = ?", (json.dumps({"prior_handling": 7}), ticket_id))
            work_order = contexts.build(DocumentKind.WORK_ORDER, ticket_id, actor, on=clock.today()).context
            notice = contexts.build(DocumentKind.DISPATCH_NOTICE, ticket_id, actor, on=clock.today()).context
            handling = handling_reads.handling_of(actor, ticket_id)
            shown = dict(tickets.detail(actor, ticket_id).fields)
            handling_reads.reviews_page(actor)
        finally:
            conn.execute("ROLLBACK TO bad_values")
            conn.execute("RELEASE bad_values")
    assert "中心指定" not in work_order["time_limit"] and "xyz" not in work_order["time_limit"]
    assert notice["alerts"] == "已电话联系李科长"
    assert next(a for a in handling.assignments if a.id == aid).feedback == []
    assert "前期处理情况" not in shown


def test_the_unit_list_shows_what_an_import_on_the_same_connection_brought(trio, tmp_path):
    from core.units import tree as units

    unit = records_by_kind(trio.district, DISTRICT)[records.UNIT][-1]
    renamed = dict(unit, name=unit["name"] + "（更名）", rev=unit["rev"] + 30)
    path = craft_batch(trio.district, tmp_path, [line(records.UNIT, renamed)], sequence=2)
    with at(trio.province) as actor:
        unit_id = raw_connection().execute("SELECT id FROM unit WHERE uid = ?", (unit["uid"],)).fetchone()[0]
        assert {u.id: u.name for u in units.unit_tree(include_retired=True)}[unit_id] == unit["name"]
        assert importer.import_batch(actor, path).counts["updated"] == 1
        assert {u.id: u.name for u in units.unit_tree(include_retired=True)}[unit_id] == renamed["name"]


def test_null_where_a_reader_expects_a_value_is_refused_in_json_fields(trio, tmp_path):
    samples = records_by_kind(trio.district, DISTRICT)
    fed = next(a for a in samples[records.ASSIGNMENT] if a["feedback_at"])
    feedback = dict(fed, rev=fed["rev"] + 40, feedback=json.dumps({"result": "resolved", "elements": None}))
    ticket_uid = _lead(trio)[2]
    told = fresh(records.EVENT, samples[records.EVENT][0]) | {"ticket": ticket_uid, "kind": "dispatched",
                                                              "data": json.dumps({"police_told": None})}
    prior = fresh(records.TICKET, samples[records.TICKET][0]) | {
        "number": f"{DISTRICT}-20261124-8000003", "details": json.dumps({"prior_handling": None})}
    unknown = fresh(records.EVENT, samples[records.EVENT][0]) | {"ticket": ticket_uid,
                                                                 "data": json.dumps({"units": None})}
    report = _import(trio, tmp_path, [line(records.ASSIGNMENT, feedback), line(records.EVENT, told),
                                      line(records.TICKET, prior), line(records.EVENT, unknown)])
    why = _reasons(report)
    assert report.counts == dict(report.counts, rejected=3, new=1), report.summary()
    assert "字段 feedback 中的“elements”不能为空（null）" in why[feedback["uid"]]
    assert "字段 data 中的“police_told”不能为空（null）" in why[told["uid"]]
    assert "字段 details 中的“prior_handling”不能为空（null）" in why[prior["uid"]]


def _over(check) -> str:
    return "长" * (check.district_limit + 1)


def test_a_field_whose_limit_is_new_in_issue_15_is_held_at_the_province_only_to_a_sanity_bound(trio, tmp_path):
    """What a district wrote before its program had the limit still arrives, and what names it with it."""
    from core.dispatch.handling import FEEDBACK_ELEMENTS

    rules, nested = validate._rules(DISTRICT), validate.child_rules()
    samples = records_by_kind(trio.district, DISTRICT)
    older: list[tuple[str, dict, str]] = []
    for kind in records.KINDS:
        sample = _sample(samples, kind.name)
        for key, check in rules[kind.name].items():
            if hasattr(check, "district_limit"):
                record = fresh(kind.name, sample) | {key: _over(check)}
                if "name" in record and key != "name":  # siblings' names are unique
                    record["name"] = f"{sample['name']}{len(older)}"
                older.append((kind.name, record, key))
        for child in kind.children:
            for key, check in nested[child.key].items():
                if hasattr(check, "district_limit"):
                    record = fresh(kind.name, sample)
                    record[child.key][0][key] = _over(check)
                    older.append((kind.name, record, f"{child.key}.{key}"))
    fed = next(a for a in samples[records.ASSIGNMENT] if a["feedback_at"])
    element = next(iter(FEEDBACK_ELEMENTS["resolved"]))
    older.append((records.ASSIGNMENT, fresh(records.ASSIGNMENT, fed) | {"feedback": json.dumps(
        {"result": "resolved", "elements": {element: "办" * (limits.TEXT + 1)}, "received_via": "电" * (limits.LINE + 1)},
        ensure_ascii=False)}, "feedback"))
    older.append((records.EVENT, fresh(records.EVENT, samples[records.EVENT][0]) | {"data": json.dumps(
        {"phoned_person": "人" * (limits.NAME + 1), "reason": "因" * (limits.NOTE + 1), "note": "注" * (limits.NOTE + 1)},
        ensure_ascii=False)}, "data"))
    for kind, record, _key in older:
        if kind == records.TICKET:
            record["number"] = f"{DISTRICT}-20261124-{8000100 + len(record['source_ref'])}"
    # a unit the district wrote before the limit, updated, and a dispatch naming it; one past the bound and its dispatch
    unit = samples[records.UNIT][1]
    wordy = dict(unit, rev=unit["rev"] + 50, matters="、".join(["占道经营"] * 500))
    named = fresh(records.ASSIGNMENT, samples[records.ASSIGNMENT][0]) | {"unit": unit["uid"]}
    huge = fresh(records.UNIT, unit) | {"name": "过大的单位", "keywords": "词" * (limits.COMPOSED + 1)}
    lost = fresh(records.ASSIGNMENT, samples[records.ASSIGNMENT][0]) | {"unit": huge["uid"]}
    assert limits.TERMS < len(wordy["matters"]) < limits.COMPOSED
    lines = [line(records.UNIT, wordy), line(records.UNIT, huge), line(records.ASSIGNMENT, named),
             line(records.ASSIGNMENT, lost)] + [line(kind, record) for kind, record, _key in older]
    report = _import(trio, tmp_path, lines)
    why = _reasons(report)
    assert {uid: reason for uid, reason in why.items() if uid not in (huge["uid"], lost["uid"])} == {}
    assert report.counts["updated"] == 1 and report.counts["new"] == 1 + len(older)
    assert f"超过上限 {limits.COMPOSED:,} 个字" in why[huge["uid"]] and "字段 keywords" in why[huge["uid"]]
    assert "所引用的承办单位（unit）省级中心尚未收到" in why[lost["uid"]]
    assert {key for _k, _r, key in older} >= {"matters", "keywords", "email", "duty_phone", "opinion", "signed_by",
                                             "content", "answer", "reason", "decision_note", "rule_key", "source_unit",
                                             "source_ref", "parties.name", "parties.address", "sessions.place",
                                             "sessions.mediators", "feedback", "data"}


def test_an_event_naming_another_districts_unit_in_its_data_is_refused(trio, tmp_path):
    ticket_id, _aid, ticket_uid = _lead(trio)
    sample = records_by_kind(trio.district, DISTRICT)[records.EVENT][0]
    foreign, own = foreign_uid(trio.province, "unit"), foreign_uid(trio.province, "unit", DISTRICT)

    def step(unit: str) -> dict:
        return fresh(records.EVENT, sample) | {"ticket": ticket_uid, "kind": "progress", "summary": "办理进展",
                                               "data": json.dumps({"unit": unit})}

    theirs, ours, unknown = step(foreign), step(own), step(str(uuid.uuid4()))
    report = _import(trio, tmp_path, [line(records.EVENT, e) for e in (theirs, ours, unknown)])
    assert report.counts == dict(report.counts, new=2, rejected=1)
    assert _reasons(report)[theirs["uid"]] == ("字段 data 中的“unit”所引用的承办单位属于另一个中心（320104），"
                                               "区县只能引用本中心自己的记录")
    with at(trio.province) as actor:  # one stored before the check: the work order does not show the other's name
        conn = raw_connection()
        conn.execute("SAVEPOINT foreign_unit")
        try:
            conn.execute("UPDATE ticket_event SET data = ? WHERE uid = ?", (json.dumps({"unit": foreign}), ours["uid"]))
            rows = contexts.build(DocumentKind.WORK_ORDER, ticket_id, actor, on=clock.today()).context["handling_rows"]
        finally:
            conn.execute("ROLLBACK TO foreign_unit")
            conn.execute("RELEASE foreign_unit")
    assert [r["unit"] for r in rows if r["text"] == "办理进展"] == ["", ""]  # the other's, and one unknown here
