"""District export, provincial import, receipts (DESIGN "Batches to the province"; issue 6)."""
from __future__ import annotations

import datetime as dt
import itertools
import json
import shutil

import pytest

from core import clock
from core.tickets import registration
from core.roles import Role
from db.connection import raw_connection
from db.models import SyncBatchOut, SyncConflict, SyncImport, Ticket
from sync import export, importer, receipts, records
from tests.sync.exchange import DISTRICT, at, comparable, dump, fast_hashing, make_pair, row_counts


@pytest.fixture(scope="module")
def pair_template(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        fast_hashing(patch)
        return make_pair(tmp_path_factory.mktemp("pair"), 120)


@pytest.fixture
def pair(pair_template, tmp_path, monkeypatch):
    fast_hashing(monkeypatch)
    return pair_template.copy(tmp_path / "pair")


def _export(pair, folder=None):
    with at(pair.district) as actor:
        return export.export_batch(actor, folder or pair.folder)


def _import(pair, path, dry_run=False):
    with at(pair.province) as actor:
        return importer.import_batch(actor, path, dry_run=dry_run)


def _register(pair, **fields) -> str:
    """A ticket registered at the district by its head (the demo's ``manager``); returns its uid."""
    from core.center import users

    values = dict(channel="phone", caller_name="赵先生", caller_phone="13905150000", title="路灯不亮",
                  content="小区门口路灯坏了一周。", category="complaint", hotline="12345", occurred_at="上周起",
                  address="玄武区北京东路1号", reported_unit="区城管局", details={"prior_handling": "已向物业反映未果"})
    values.update(fields)
    with at(pair.district):
        made = registration.register(users.authenticate("manager", "demo1234"), registration.TicketInput(**values))
        return Ticket.get_by_id(made.id).uid


def _change_ticket(pair, **fields):
    """Edit one ticket the way a service would, without a rev: the trigger must raise it."""
    with at(pair.district):
        row = Ticket.select().order_by(Ticket.id).first()
        Ticket.update(**fields).where(Ticket.id == row.id).execute()
        return row.uid, Ticket.get_by_id(row.id).rev


def test_every_record_arrives_as_it_left(pair):
    made = _export(pair)
    with at(pair.district):
        sent = dump()
    report = _import(pair, made.path)
    assert report.status == "imported" and report.counts["new"] == made.record_count == report.received
    with at(pair.province):
        got = dump()
        assert raw_connection().execute("PRAGMA foreign_key_check").fetchall() == []
        stored = SyncImport.get_by_id(report.import_id)
        assert (stored.received, stored.new) == (made.record_count, made.record_count)
    assert comparable(got) == comparable(sent)
    kinds = {v[0] for v in comparable(sent).values()}
    assert {records.TICKET, records.EVENT, records.ASSIGNMENT, records.DEADLINE, records.MEDIATION} <= kinds


def test_the_same_file_twice_changes_nothing(pair):
    made = _export(pair)
    _import(pair, made.path)
    with at(pair.province):
        before = (row_counts(), dump())
    again = _import(pair, made.path)
    assert again.status == "repeat" and again.ok and "导入过" in again.message
    with at(pair.province):
        assert (row_counts(), dump()) == before


def test_a_dry_run_reports_the_same_and_writes_nothing(pair):
    made = _export(pair)
    with at(pair.province):
        before = row_counts()
    trial = _import(pair, made.path, dry_run=True)
    with at(pair.province):
        assert row_counts() == before and SyncImport.select().count() == 0
    real = _import(pair, made.path)
    assert trial.status == "dry_run" and trial.counts == real.counts


def test_a_ticket_changed_after_export_arrives_as_the_next_rev(pair):
    first = _export(pair)
    with at(pair.district):
        before = Ticket.select().order_by(Ticket.id).first().rev
    uid, rev = _change_ticket(pair, title="噪声扰民（补充：夜间施工）")
    second = _export(pair)
    for path in (second.path, first.path):  # the later batch first: the older one must not win
        _import(pair, path)
    with at(pair.province):
        row = Ticket.get(Ticket.uid == uid)
        assert (row.rev, row.title) == (rev, "噪声扰民（补充：夜间施工）")
    assert rev == before + 1


def test_any_order_of_batches_with_repeats_gives_the_same_state(pair, tmp_path):
    batches = [_export(pair).path]
    for n in range(2):
        _change_ticket(pair, reply=f"第 {n + 1} 次答复")
        _register(pair, title=f"路灯不亮 {n}")
        batches.append(_export(pair).path)
    with at(pair.district):
        latest = comparable(dump())
    province = pair.province
    states = set()
    for order in itertools.permutations(batches):
        copy = tmp_path / f"p{len(states)}.db"
        shutil.copy(province, copy)
        pair.province = copy
        for path in (*order, order[0], order[-1]):  # with repeats mixed in
            assert _import(pair, path).ok
        with at(copy):
            state = comparable(dump())
        assert state == latest
        states.add(json.dumps(state, sort_keys=True))
    assert len(states) == 1


def test_chinese_text_round_trips_byte_for_byte(pair):
    text = "𠮷野家𪚥𰻞 😀👨‍👩‍👧 １２３４５ 全角：，。 ＡＢＣ\t制表\n换行 \\ \"引号\" ' </w:t> &amp; \u200b零宽 \U0002a6a5"
    uid = _register(pair, caller_name="𠮷田", title="生僻字😀１２３", content=text, category="consult")
    _import(pair, _export(pair).path)
    with at(pair.province):
        row = raw_connection().execute("SELECT content, title, caller_name FROM ticket WHERE uid = ?", (uid,)).fetchone()
    assert row[0].encode("utf-8") == text.encode("utf-8")
    assert (row[1], row[2]) == ("生僻字😀１２３", "𠮷田")


def test_receipt_acknowledges_and_the_next_batch_carries_only_the_rest(pair):
    first = _export(pair)
    _import(pair, first.path)
    with at(pair.province) as actor:
        receipt = receipts.export_receipt(actor, DISTRICT, pair.folder)
    with at(pair.district) as actor:
        assert sum(export.pending_counts().values()) == first.record_count  # nothing acknowledged yet
        applied = receipts.import_receipt(actor, receipt.path)
        assert applied.acknowledged == first.record_count and applied.still_pending == 0
        again = receipts.import_receipt(actor, receipt.path)
        assert again.status == "repeat"
    uid, _ = _change_ticket(pair, status="closed")
    second = _export(pair)
    assert second.record_count == 1 and second.counts[records.TICKET] == 1


def test_without_a_receipt_the_next_batch_sends_everything_again(pair):
    first = _export(pair)
    second = _export(pair)
    assert second.record_count == first.record_count and second.sequence == first.sequence + 1
    with at(pair.district):
        assert SyncBatchOut.get_by_id(2).previous_hash == SyncBatchOut.get_by_id(1).sha256


def test_gaps_are_shown_and_reported_in_the_receipt(pair):
    paths = [_export(pair).path for _ in range(3)]
    _import(pair, paths[0])
    report = _import(pair, paths[2])
    assert report.gaps == [2] and "第 2 批" in report.summary()
    with at(pair.province) as actor:
        made = receipts.export_receipt(actor, DISTRICT, pair.folder)
    assert (made.contiguous, made.missing, made.batches) == (1, [2], [1, 3])
    with at(pair.district) as actor:
        applied = receipts.import_receipt(actor, made.path)
    assert applied.missing == [2] and "缺第 2 批" in applied.summary()


def test_two_files_with_one_sequence_raise_an_alarm_and_conflicts_are_kept_aside(pair, tmp_path):
    backup = tmp_path / "backup.db"
    shutil.copy(pair.district, backup)
    uid, rev = _change_ticket(pair, title="原来的标题")
    first = _export(pair)
    shutil.copy(backup, pair.district)  # the district restored from yesterday's backup
    _change_ticket(pair, title="恢复后另改的标题")
    other = tmp_path / "usb"
    other.mkdir()
    second = _export(pair, other)
    assert second.sequence == first.sequence == 1
    _import(pair, first.path)
    report = _import(pair, second.path)
    assert report.alarms and "同一序号" in report.alarms[0]
    assert report.counts["conflict"] == 1 and report.conflicts[0]["uid"] == uid
    with at(pair.province):
        assert Ticket.get(Ticket.uid == uid).title == "原来的标题"  # the stored row untouched
        kept = SyncConflict.get(SyncConflict.uid == uid)
        assert "恢复后另改的标题" in kept.payload and kept.rev == rev
    # The receipt tells the district, which owns the ticket: its version goes up and replaces the province's.
    with at(pair.province) as actor:
        made = receipts.export_receipt(actor, DISTRICT, pair.folder)
    with at(pair.district) as actor:
        applied = receipts.import_receipt(actor, made.path)
        assert applied.superseded == 1 and "冲突" in applied.summary()
    third = _export(pair, other)
    assert _import(pair, third.path).counts["updated"] >= 1
    with at(pair.province):
        assert Ticket.get(Ticket.uid == uid).title == "恢复后另改的标题"


def test_the_import_report_counts_add_up(pair):
    report = _import(pair, _export(pair).path)
    with at(pair.province):
        row = SyncImport.get_by_id(report.import_id)
        assert row.received == row.new + row.updated + row.unchanged + row.stale + row.conflict + row.rejected
        outcomes = raw_connection().execute("SELECT count(*) FROM sync_outcome WHERE import_id = ?", (row.id,)).fetchone()
        assert outcomes[0] == row.received


def test_staff_arrive_as_names_that_cannot_log_in(pair):
    from core.center import users
    from core.errors import AuthenticationFailed

    _import(pair, _export(pair).path)
    with at(pair.province):
        names = [u.username for u in users.list_users()]
        assert names == ["admin"]
        row = raw_connection().execute("SELECT username, active FROM user WHERE origin = ? ORDER BY id", (DISTRICT,)).fetchone()
        assert row == (f"{DISTRICT}:admin", 0)
        with pytest.raises(AuthenticationFailed):
            users.authenticate(f"{DISTRICT}:admin", "demo1234")


def test_the_knowledge_base_travels_only_when_the_district_sends_it(pair):
    made = _export(pair)
    assert made.counts.get(records.KB_ARTICLE, 0) == 0
    with at(pair.district) as actor:
        export.set_sends_kb(actor, True)
        assert export.pending_counts()[records.KB_ARTICLE] > 0
        sent = dump(kinds=(records.KB_ARTICLE, records.KB_CATEGORY))
    report = _import(pair, _export(pair).path)
    assert report.ok
    with at(pair.province):
        assert dump(kinds=(records.KB_ARTICLE, records.KB_CATEGORY)) == sent


def test_a_province_cannot_export_and_a_district_cannot_import(pair):
    from core.errors import Conflict

    made = _export(pair)
    with at(pair.district) as actor, pytest.raises(Conflict, match="区县中心"):
        importer.import_batch(actor, made.path)
    with at(pair.province) as actor, pytest.raises(Conflict, match="省级中心"):
        export.export_batch(actor, pair.folder)


def test_only_sync_roles_may_export(pair):
    from core.center import users
    from core.errors import PermissionDenied

    with at(pair.district) as actor:
        users.create_user(actor, "op9", "接线员", "operator-pass", {Role.OPERATOR})
        op = users.authenticate("op9", "operator-pass")
        with pytest.raises(PermissionDenied):
            export.export_batch(op, pair.folder)


def test_a_change_that_raises_rev_itself_is_not_counted_twice(pair):
    """The rev trigger steps in only for a change that forgot to raise rev."""
    uid, rev = _change_ticket(pair, title="一")
    with at(pair.district):
        Ticket.update(title="二", rev=Ticket.rev + 1).where(Ticket.uid == uid).execute()
        assert Ticket.get(Ticket.uid == uid).rev == rev + 1


def test_a_second_export_while_one_runs_is_refused(pair, frozen_clock):
    from core.errors import Conflict

    with at(pair.district) as actor:
        export._reserve(actor, pair.folder, DISTRICT, "320000")  # as a first click that is still reading
        with pytest.raises(Conflict, match="正在导出"):
            export.export_batch(actor, pair.folder)
        frozen_clock.set(clock.now() + export.RUNNING_FOR + dt.timedelta(minutes=1))  # that export was killed long ago
        assert export.export_batch(actor, pair.folder).sequence == 1


def test_a_file_imported_meanwhile_by_another_window_is_a_repeat(pair, monkeypatch):
    made = _export(pair)
    real = importer._validate
    other_window = []

    def checking(path, checked, progress, cancelled):
        real(path, checked, progress, cancelled)
        if not other_window:
            other_window.append(None)  # the other window's own check must not start a third
            other_window[0] = importer.import_batch(actor, path)
    monkeypatch.setattr(importer, "_validate", checking)
    with at(pair.province) as actor:
        report = importer.import_batch(actor, made.path)
        assert other_window[0].status == "imported" and report.status == "repeat"
        assert [r.status for r in SyncImport.select().order_by(SyncImport.id)] == ["imported", "repeat"]


def test_at_the_province_a_districts_ticket_is_read_only(pair):
    from core.tickets import timeline
    from core.errors import Conflict

    _import(pair, _export(pair).path)
    with at(pair.province):
        row = Ticket.select().where(Ticket.origin == DISTRICT).first()
        with pytest.raises(Conflict, match="只能查看"):
            timeline.touch(row, clock.now(), status="closed")
        assert Ticket.get_by_id(row.id).status == row.status


def test_a_province_restored_from_a_backup_gets_what_refused_records_refer_to(pair, tmp_path):
    """Records refused for a missing reference bring their referents back with the next batch."""
    empty = tmp_path / "province-before.db"
    shutil.copy(pair.province, empty)  # the province's backup from before the first batch
    first = _export(pair)
    assert _import(pair, first.path).status == "imported"
    with at(pair.province) as actor:
        receipt = receipts.export_receipt(actor, DISTRICT, pair.folder).path
    with at(pair.district) as actor:
        receipts.import_receipt(actor, receipt)  # everything acknowledged, staff included
    shutil.copy(empty, pair.province)  # the province's disk died; yesterday's backup knows nothing

    uid = _register(pair)
    second = _export(pair)
    report = _import(pair, second.path)
    assert report.counts["rejected"] > 0 and any(r["uid"] == uid for r in report.rejections)
    later = tmp_path / "later"
    later.mkdir()  # the restored province numbers its receipts afresh: another folder, or the name is taken
    with at(pair.province) as actor:
        receipt = receipts.export_receipt(actor, DISTRICT, later).path
    with at(pair.district) as actor:
        applied = receipts.import_receipt(actor, receipt)
    assert applied.resent_referents > 0 and "一并重新上报" in applied.summary()

    third = _export(pair)
    assert third.counts[records.USER] > 0  # the ticket's registering staff member travels again
    assert _import(pair, third.path).counts["rejected"] == 0
    with at(pair.province):
        assert Ticket.get_or_none(Ticket.uid == uid) is not None
        assert raw_connection().execute("PRAGMA foreign_key_check").fetchall() == []
