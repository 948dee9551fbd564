"""A district restored from a backup reissues ticket numbers and batch numbers it had already used
before the loss: its new tickets still reach the province, flagged, and are renumbered through the
receipt (issue 15 §3). The whole cycle with real files, as the two centers would run it."""
from __future__ import annotations

import re
import shutil

import pytest

from core.tickets import reads as tickets
from core.vocab import EventKind
from db.connection import raw_connection
from db.models import Ticket, TicketEvent
from sync import export, importer, overview, receipts, records
from tests.sync.exchange import (DISTRICT, at, craft_batch, fast_hashing, fresh, line, make_pair, records_by_kind,
                                 register)


@pytest.fixture
def pair(tmp_path, monkeypatch):
    fast_hashing(monkeypatch)
    return make_pair(tmp_path / "pair", 40)


def _register(pair, title: str) -> tuple[str, str]:
    return register(pair.district, title)


def _export(pair, folder):
    folder.mkdir(exist_ok=True)
    with at(pair.district) as actor:
        return export.export_batch(actor, folder)


def _import(pair, path):
    with at(pair.province) as actor:
        return importer.import_batch(actor, path)


def _receipt(pair, folder):
    folder.mkdir(exist_ok=True)
    with at(pair.province) as actor:
        made = receipts.export_receipt(actor, DISTRICT, folder)
    with at(pair.district) as actor:
        return made, receipts.import_receipt(actor, made.path)


def test_a_restored_district_reissues_numbers_and_the_receipt_renumbers_them(pair, tmp_path):
    backup = tmp_path / "district-backup.db"
    shutil.copy(pair.district, backup)  # last night's backup
    lost = [_register(pair, f"燃气泄漏 {n}") for n in range(2)]
    first = _export(pair, tmp_path / "usb1")
    assert _import(pair, first.path).counts["rejected"] == 0

    shutil.copy(backup, pair.district)  # the disk died this morning: the backup is restored
    fresh = [_register(pair, f"路灯不亮 {n}") for n in range(3)]
    assert [n for _u, n in fresh[:2]] == [n for _u, n in lost]  # the same numbers, handed out again
    again = _export(pair, tmp_path / "usb2")
    assert again.sequence == first.sequence  # and the same batch number

    report = _import(pair, again.path)
    assert report.status == "imported" and report.counts["rejected"] == 0, report.summary()
    assert report.clashes == [n for _u, n in fresh[:2]] and report.clash_count == 2
    clash_alarm = next(a for a in report.alarms if "工单编号" in a)
    assert "已被该中心的另一张工单使用" in clash_alarm and "从备份恢复" in clash_alarm and "改号" in clash_alarm
    assert any("同一序号" in a for a in report.alarms)
    with at(pair.province) as actor:
        for uid, _n in fresh + lost:  # every real call is there
            assert Ticket.get_or_none(Ticket.uid == uid) is not None
        flagged = {Ticket.get(Ticket.uid == uid).number_clash for uid, _n in fresh[:2]}
        assert flagged == {True} and not Ticket.get(Ticket.uid == fresh[2][0]).number_clash
        assert {Ticket.get(Ticket.uid == uid).number_clash for uid, _n in lost} == {False}
        # the province's screens say so: the district overview, the list and the detail
        state = next(s for s in overview.district_states(actor) if s.code == DISTRICT)
        assert state.number_clashes == 2
        rows = tickets.list_page(actor, tickets.TicketFilter(text=fresh[0][1]))
        assert sorted(r.number_clash for r in rows) == [False, True]
        shown = dict(tickets.detail(actor, Ticket.get(Ticket.uid == fresh[0][0]).id).fields)
        assert "从备份恢复" in shown["编号冲突"]
        stored = importer.SyncImport.get_by_id(report.import_id).alarm
        assert "已被该中心的另一张工单使用" in stored

    made, applied = _receipt(pair, tmp_path / "receipt1")
    assert made.clashes == 2 and "改号" in made.summary()
    assert [old for old, _new in applied.renumbered] == [n for _u, n in fresh[:2]]
    assert "已改号" in applied.summary()
    with at(pair.district) as actor:
        renumbered = {uid: Ticket.get(Ticket.uid == uid) for uid, _n in fresh[:2]}
        numbers = {t.number for t in renumbered.values()}
        held = {n for _u, n in lost + fresh}
        assert not numbers & held and all(n.startswith(f"{DISTRICT}-") for n in numbers)
        for (uid, old), (_o, new) in zip(fresh[:2], applied.renumbered):
            ticket = renumbered[uid]
            assert ticket.number == new
            event = TicketEvent.get((TicketEvent.ticket == ticket.id) & (TicketEvent.kind == EventKind.RENUMBERED.value))
            assert old in event.summary and new in event.summary
            timeline = tickets.detail(actor, ticket.id).timeline
            assert any(e.kind == "工单改号" and new in e.summary for e in timeline)
            # the list's search finds the new number, and the old one still (the caller was given it)
            assert [r.id for r in tickets.list_page(actor, tickets.TicketFilter(text=new))] == [ticket.id]
            assert [r.id for r in tickets.list_page(actor, tickets.TicketFilter(text=old))] == [ticket.id]
        audit = raw_connection().execute("SELECT count(*) FROM audit WHERE action = 'ticket_renumber'").fetchone()
        assert audit == (1,)
        # the next registration continues after every number either center has seen
        assert _register(pair, "新来电")[1] > max(numbers)

    third = _export(pair, tmp_path / "usb3")
    assert third.counts[records.TICKET] >= 2
    report = _import(pair, third.path)
    assert report.counts["rejected"] == 0 and report.clash_count == 0 and report.clashes == []
    with at(pair.province) as actor:
        for uid, ticket in renumbered.items():
            row = Ticket.get(Ticket.uid == uid)
            assert (row.number, row.number_clash) == (ticket.number, False)
        assert raw_connection().execute("SELECT count(*) FROM ticket WHERE number_clash").fetchone() == (0,)
        assert next(s for s in overview.district_states(actor) if s.code == DISTRICT).number_clashes == 0

    made, applied = _receipt(pair, tmp_path / "receipt2")
    assert made.clashes == 0 and applied.renumbered == [] and applied.refused == 0
    assert applied.still_pending == 0


def _restored_with_a_clash(pair, tmp_path) -> tuple[str, str]:
    """A district restored from a backup that reissued one number the province holds: (uid, number) of the new ticket."""
    backup = tmp_path / "district-backup.db"
    shutil.copy(pair.district, backup)
    _register(pair, "旧的来电")
    _import(pair, _export(pair, tmp_path / "usb1").path)
    shutil.copy(backup, pair.district)
    uid, number = _register(pair, "新的来电")
    assert _import(pair, _export(pair, tmp_path / "usb2").path).clash_count == 1
    return uid, number


def test_a_receipt_imported_again_or_naming_a_ticket_renumbered_already_changes_nothing(pair, tmp_path):
    uid, number = _restored_with_a_clash(pair, tmp_path)
    with at(pair.province) as actor:
        first = receipts.export_receipt(actor, DISTRICT, tmp_path)
        second = receipts.export_receipt(actor, DISTRICT, tmp_path)  # the province still holds the clash
    with at(pair.district) as actor:
        assert len(receipts.import_receipt(actor, first.path).renumbered) == 1
        renamed = Ticket.get(Ticket.uid == uid)
        assert receipts.import_receipt(actor, second.path).renumbered == []
        assert Ticket.get(Ticket.uid == uid).number == renamed.number != number
        assert TicketEvent.select().where((TicketEvent.ticket == renamed.id)
                                          & (TicketEvent.kind == EventKind.RENUMBERED.value)).count() == 1


def test_a_receipts_highest_past_any_real_day_is_ignored_and_the_new_number_keeps_its_format(pair, tmp_path):
    uid, number = _restored_with_a_clash(pair, tmp_path)
    top = f"{DISTRICT}-{number.split('-')[1]}-9999999"  # a ticket of that day at the very top of the range
    sample = records_by_kind(pair.district)[records.TICKET][0]
    path = craft_batch(pair.district, tmp_path, [line(records.TICKET, fresh(records.TICKET, sample) | {"number": top})],
                       sequence=9)
    assert _import(pair, path).counts["new"] == 1
    _made, applied = _receipt(pair, tmp_path / "receipt")
    [(old, new)] = applied.renumbered
    assert old == number and re.fullmatch(rf"{DISTRICT}-\d{{8}}-\d{{4,7}}", new) and int(new.split("-")[2]) < 999_999
    assert any("最大序号 9,999,999 不合理" in w for w in applied.warnings)
    assert "警告：回执所记省级中心" in applied.summary()
    with at(pair.district):
        assert Ticket.get(Ticket.uid == uid).number == new


def test_a_renumbering_that_would_leave_the_number_format_is_refused(pair, tmp_path):
    uid, number = _restored_with_a_clash(pair, tmp_path)
    with at(pair.district):
        raw_connection().execute("UPDATE ticket_counter SET last = 9999999 WHERE day = ?", (number.split("-")[1],))
    _made, applied = _receipt(pair, tmp_path / "receipt")
    assert applied.renumbered == [] and any(f"工单 {number} 未改号" in w for w in applied.warnings)
    with at(pair.district):
        assert Ticket.get(Ticket.uid == uid).number == number


def test_a_receipt_naming_a_number_out_of_format_is_taken_and_the_number_ignored(pair, tmp_path, monkeypatch):
    uid, number = _restored_with_a_clash(pair, tmp_path)
    wrong = number.rsplit("-", 1)[0] + "-12345678"
    monkeypatch.setattr(receipts, "_clashes", lambda conn, district: [(uid, wrong, 5)])
    _made, applied = _receipt(pair, tmp_path / "receipt")
    assert applied.status == "applied" and applied.renumbered == []
    assert f"回执中要求改号的工单编号“{wrong}”格式不对，已忽略" in applied.warnings


def test_the_lost_batch_arriving_after_the_restored_districts_clash_resolves_too(pair, tmp_path):
    """The batch made before the disk died reaches the province last (a USB stick in a drawer): the genuine
    lost tickets are the ones flagged; the district renumbers its own tickets of those numbers instead."""
    backup = tmp_path / "district-backup.db"
    shutil.copy(pair.district, backup)
    lost = [_register(pair, f"燃气泄漏 {n}") for n in range(2)]
    lost_batch = _export(pair, tmp_path / "usb1")
    shutil.copy(backup, pair.district)
    fresh_ = [_register(pair, f"路灯不亮 {n}") for n in range(3)]
    assert _import(pair, _export(pair, tmp_path / "usb2").path).clash_count == 0
    report = _import(pair, lost_batch.path)
    assert report.status == "imported" and report.clashes == [n for _u, n in lost], report.summary()
    with at(pair.province):
        assert [Ticket.get(Ticket.uid == uid).number_clash for uid, _n in lost] == [True, True]

    made, applied = _receipt(pair, tmp_path / "receipt1")
    assert made.clashes == 2 and [old for old, _new in applied.renumbered] == [n for _u, n in lost]
    with at(pair.district):
        moved = {uid: Ticket.get(Ticket.uid == uid).number for uid, _n in fresh_[:2]}
        assert all(new != old for new, (_u, old) in zip(moved.values(), fresh_)) and fresh_[2][1] == Ticket.get(
            Ticket.uid == fresh_[2][0]).number
        assert Ticket.get_or_none(Ticket.uid == lost[0][0]) is None

    report = _import(pair, _export(pair, tmp_path / "usb3").path)
    assert report.counts["rejected"] == 0 and report.clash_count == 0
    with at(pair.province) as actor:
        assert raw_connection().execute("SELECT count(*) FROM ticket WHERE number_clash").fetchone() == (0,)
        for uid, number in lost:
            assert Ticket.get(Ticket.uid == uid).number == number
        for uid, number in moved.items():
            assert Ticket.get(Ticket.uid == uid).number == number
        assert next(s for s in overview.district_states(actor) if s.code == DISTRICT).number_clashes == 0
    made, applied = _receipt(pair, tmp_path / "receipt2")
    assert made.clashes == 0 and applied.renumbered == [] and applied.refused == 0 and applied.still_pending == 0


def test_a_ticket_changed_after_a_restore_replaces_the_provinces_later_copy(pair, tmp_path):
    """After the restore the district's rev of a ticket is behind the province's (the revs of the
    lost day went there); its change arrives as stale, and the receipt makes it go again, ahead."""
    uid, number = _register(pair, "燃气泄漏")
    first = _export(pair, tmp_path / "usb1")
    assert _import(pair, first.path).counts["rejected"] == 0
    backup = tmp_path / "district-backup.db"
    shutil.copy(pair.district, backup)
    with at(pair.district):  # the lost day: the ticket changed twice, and those revs reached the province
        for title in ("燃气泄漏（已派单）", "燃气泄漏（已反馈）"):
            Ticket.update(title=title, rev=Ticket.rev + 1).where(Ticket.uid == uid).execute()
    lost = _export(pair, tmp_path / "usb2")
    assert _import(pair, lost.path).counts["updated"] >= 1
    shutil.copy(backup, pair.district)  # restored; today's work changes the ticket again
    with at(pair.district):
        Ticket.update(title="燃气泄漏（改派）", rev=Ticket.rev + 1).where(Ticket.uid == uid).execute()
        behind = Ticket.get(Ticket.uid == uid).rev
    today = _export(pair, tmp_path / "usb3")
    assert _import(pair, today.path).counts["stale"] >= 1
    with at(pair.province):
        province_rev = Ticket.get(Ticket.uid == uid).rev
        assert Ticket.get(Ticket.uid == uid).title == "燃气泄漏（已反馈）" and province_rev > behind

    _made, applied = _receipt(pair, tmp_path / "receipt")
    assert any("比本中心的更新" in w and "从备份恢复" in w for w in applied.warnings), applied.warnings
    with at(pair.district):
        assert Ticket.get(Ticket.uid == uid).rev == province_rev + 1
    again = _export(pair, tmp_path / "usb4")
    assert _import(pair, again.path).counts["updated"] >= 1
    with at(pair.province):
        assert Ticket.get(Ticket.uid == uid).title == "燃气泄漏（改派）"  # the district's record, as it is now


def test_a_receipt_naming_an_impossible_rev_is_not_taken_on_trust(pair):
    uid, _number = _register(pair, "路灯不亮")
    with at(pair.district):
        conn = raw_connection()
        before = Ticket.get(Ticket.uid == uid).rev
        assert receipts._catch_up(conn, records.BY_NAME[records.TICKET], uid, receipts.MAX_HELD_REV + 1) == 0
        assert receipts._catch_up(conn, records.BY_NAME[records.EVENT], uid, 5) == 0  # events never change
        assert Ticket.get(Ticket.uid == uid).rev == before
