"""What the 数据交换 screens read (sync.overview), and the province's view of the districts'
records: the 区县 column and filter of the ticket list, and units and topics a district
owns being read-only there (core.service.require_own; DESIGN "Batches to the province")."""
from __future__ import annotations

import dataclasses
import shutil

import pytest

from core import store
from core.center import profile as center
from core.tickets import reads as tickets
from core.center import topics
from core.units import tree as units
from core.center import users
from core.errors import Conflict, PermissionDenied
from core.roles import Role
from core.tickets.reads import TicketFilter
from core.units.tree import UnitInput
from db.models import Ticket, Topic, Unit
from sync import export, importer, keys, overview, receipts
from tests.sync.exchange import DISTRICT, PROVINCE, at, fast_hashing, make_pair

OTHER = "320104"  # 南京市秦淮区: a second district with one ticket of its own
XUANWU, QINHUAI = "南京市玄武区", "南京市秦淮区"


def _other_district(pair) -> None:
    """A second district, known to the province, that exported one batch (kept as ``pair.other_batch``)."""
    from core.tickets import registration

    other = pair.folder / "other.db"
    store.open_center(other)
    try:
        center.setup_center("12345", OTHER, "南京市秦淮区12345热线", "admin", "管理员", "admin-pass-1")
    finally:
        store.close_center()
    with at(other) as actor:
        keys.init_keys(actor)
        keys.export_public(pair.folder / "other.pubkey.json")
        keys.register_peer(actor, pair.folder / "province.pubkey.json")
        users.create_user(actor, "boss", "秦主任", "manager-pass", {Role.MANAGER})
        boss = users.authenticate("boss", "manager-pass")
        registration.register(boss, registration.TicketInput(
            category="consult", content="请问秦淮区社保卡补办需要什么材料？", caller_phone="13812345678"))
        (pair.folder / "other").mkdir()
        pair.other_batch = export.export_batch(actor, pair.folder / "other").path
    with at(pair.province) as actor:
        keys.register_peer(actor, pair.folder / "other.pubkey.json")


@pytest.fixture(scope="module")
def pair_template(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        fast_hashing(patch)
        pair = make_pair(tmp_path_factory.mktemp("pair"), 30)
        _other_district(pair)
        return pair


@pytest.fixture
def pair(pair_template, tmp_path, monkeypatch):
    fast_hashing(monkeypatch)
    return pair_template.copy(tmp_path / "pair")


def _export(pair, folder=None):
    folder = folder or pair.folder
    folder.mkdir(parents=True, exist_ok=True)
    with at(pair.district) as actor:
        return export.export_batch(actor, folder)


def _import(pair, path):
    with at(pair.province) as actor:
        return importer.import_batch(actor, path)


def _receipt_back(pair, district=DISTRICT):
    """The province makes a receipt for ``district`` and the (first) district takes it in."""
    with at(pair.province) as actor:
        made = receipts.export_receipt(actor, district, pair.folder)
    with at(pair.district) as actor:
        receipts.import_receipt(actor, made.path)
    return made


def _state(actor, code=DISTRICT) -> overview.DistrictState:
    found = [s for s in overview.district_states(actor) if s.code == code]
    assert len(found) == 1, overview.district_states(actor)
    return found[0]


# District side: batches sent, receipts taken in ------------------------------------------


def test_a_batch_shows_as_received_only_once_a_receipt_says_so(pair):
    made = _export(pair)
    with at(pair.district) as actor:
        (row,) = overview.batches_out(actor)
        assert (row.sequence, row.status, row.file_name, row.folder) == (1, "已导出", made.path.name, str(pair.folder))
        assert (row.record_count, row.size, row.received) == (made.record_count, made.size, False)
        assert row.exported_by == actor.display_name and row.exported_at
        assert overview.receipts_in(actor) == []
    _import(pair, made.path)
    with at(pair.district) as actor:
        assert not overview.batches_out(actor)[0].received  # imported, but the district has not heard yet
    _receipt_back(pair)
    second = _export(pair)
    with at(pair.district) as actor:
        rows = overview.batches_out(actor)
        assert [(r.sequence, r.received) for r in rows] == [(2, False), (1, True)]  # newest first
        assert rows[0].file_name == second.path.name
        (receipt,) = overview.receipts_in(actor)
        assert (receipt.sequence, receipt.contiguous, receipt.missing) == (1, 1, [])
        assert (receipt.acknowledged, receipt.not_acknowledged) == (made.record_count, 0)
        assert receipt.imported_by == actor.display_name and receipt.imported_at


def test_a_receipt_with_a_gap_marks_only_the_batches_before_it(pair):
    paths = [_export(pair).path for _ in range(3)]
    _import(pair, paths[0])
    _import(pair, paths[2])
    _receipt_back(pair)
    with at(pair.district) as actor:
        (receipt,) = overview.receipts_in(actor)
        assert (receipt.sequence, receipt.contiguous, receipt.missing) == (1, 1, [2])
        assert [(r.sequence, r.received) for r in overview.batches_out(actor)] == [(3, False), (2, False), (1, True)]
    _import(pair, paths[1])
    _receipt_back(pair)
    with at(pair.district) as actor:
        assert [(r.sequence, r.contiguous, r.missing) for r in overview.receipts_in(actor)] == [(2, 3, []), (1, 1, [2])]
        assert [r.received for r in overview.batches_out(actor)] == [True, True, True]


# Province side: the districts, the imports, conflicts ------------------------------------


def test_district_states_count_batches_gaps_receipts_and_conflicts(pair):
    with at(pair.province) as actor:
        before = _state(actor)
        assert (before.name, before.key, before.batches, before.highest, before.contiguous, before.gaps) == (
            XUANWU, "有效", 0, 0, 0, [])
        assert (before.receipts, before.receipt_covers, before.unreceipted, before.conflicts) == (0, 0, 0, 0)
        assert before.last_import == ""
    paths = [_export(pair).path for _ in range(3)]
    _import(pair, paths[0])
    _import(pair, paths[2])
    with at(pair.province) as actor:
        state = _state(actor)
        assert (state.batches, state.highest, state.contiguous, state.gaps) == (2, 3, 1, [2])
        assert (state.receipts, state.unreceipted, state.conflicts) == (0, 2, 0)
        assert state.last_import
    _receipt_back(pair)
    with at(pair.province) as actor:
        state = _state(actor)
        assert (state.receipts, state.unreceipted) == (1, 0)
    _import(pair, paths[1])
    with at(pair.province) as actor:
        state = _state(actor)
        assert (state.batches, state.highest, state.contiguous, state.gaps) == (3, 3, 3, [])
        assert (state.receipts, state.unreceipted) == (1, 1)
    _receipt_back(pair)
    with at(pair.province) as actor:
        state = _state(actor)
        assert (state.receipts, state.receipt_covers, state.unreceipted) == (2, 3, 0)


def test_a_district_with_a_key_but_no_file_yet_is_listed(pair):
    with at(pair.province) as actor:
        states = {s.code: s for s in overview.district_states(actor)}
    assert set(states) == {DISTRICT, OTHER}  # the province itself is not a district
    assert (states[OTHER].name, states[OTHER].key, states[OTHER].batches) == (QINHUAI, "有效", 0)


def test_receipt_covers_is_the_receipts_contiguous_batch(pair):
    paths = [_export(pair).path for _ in range(3)]
    _import(pair, paths[0])
    _import(pair, paths[2])
    made = _receipt_back(pair)
    assert made.contiguous == 1
    with at(pair.province) as actor:
        assert _state(actor).receipt_covers == 1


def test_imports_list_a_rejected_file_a_repeat_and_an_import(pair, tmp_path):
    made = _export(pair)
    junk = tmp_path / "上报批次_伪.hdsync"
    junk.write_bytes(b"PK\x03\x04junk")
    rejected = _import(pair, junk)
    first = _import(pair, made.path)
    again = _import(pair, made.path)
    assert (rejected.status, first.status, again.status) == ("rejected", "imported", "repeat")
    with at(pair.province) as actor:
        rows = overview.imports(actor)
    assert [r.id for r in rows] == [again.import_id, first.import_id, rejected.import_id]  # newest first
    repeat, imported, bad = rows

    assert (bad.file_name, bad.status, bad.ok, bad.district, bad.district_name, bad.sequence) == (
        junk.name, "已拒收", False, "", "", None)
    assert bad.message == rejected.message and "ZIP" in bad.message
    assert bad.received == 0 and not any(bad.counts.values())

    assert (imported.status, imported.ok, imported.district, imported.district_name, imported.sequence) == (
        "已导入", True, DISTRICT, XUANWU, 1)
    assert imported.file_name == made.path.name and imported.imported_by == "管理员"
    assert imported.received == made.record_count == sum(imported.counts.values())
    assert imported.counts == first.counts and imported.counts["new"] == made.record_count
    assert f"新增 {made.record_count}" in imported.counts_text()

    assert (repeat.status, repeat.ok, repeat.sequence, repeat.district_name) == ("重复文件", True, 1, XUANWU)
    assert "导入过" in repeat.message and repeat.received == 0


def test_imports_filter_by_district(pair):
    _import(pair, _export(pair).path)
    _import(pair, pair.other_batch)
    with at(pair.province) as actor:
        assert [(r.district, r.district_name) for r in overview.imports(actor)] == [(OTHER, QINHUAI),
                                                                                     (DISTRICT, XUANWU)]
        assert [r.district for r in overview.imports(actor, OTHER)] == [OTHER]
        assert [r.district for r in overview.imports(actor, DISTRICT)] == [DISTRICT]
        assert len(overview.imports(actor, limit=1)) == 1


def _rename(actor, unit_id: int, name: str) -> None:
    units.update_unit(actor, unit_id, dataclasses.replace(units.get_unit(unit_id).as_input(), name=name))


def test_import_detail_lists_the_records_refused(pair):
    """Two units that swapped names at the district: the province holds each name, so both are refused."""
    _import(pair, _export(pair).path)
    with at(pair.district) as actor:
        a, b = Unit.select().where(Unit.parent.is_null()).order_by(Unit.id).limit(2)
        _rename(actor, a.id, "临时名称")
        _rename(actor, b.id, a.name)
        _rename(actor, a.id, b.name)
    report = _import(pair, _export(pair).path)
    assert report.counts["rejected"] == 2
    with at(pair.province) as actor:
        detail = overview.import_detail(actor, report.import_id)
        assert Unit.get(Unit.uid == a.uid).name == a.name  # nothing applied
    assert detail.row.id == report.import_id and detail.row.counts["rejected"] == 2
    assert detail.row.received == sum(detail.row.counts.values())
    assert sorted(p.uid for p in detail.rejections) == sorted([a.uid, b.uid])
    assert {p.kind for p in detail.rejections} == {"承办单位"}
    assert all("同名" in p.reason for p in detail.rejections)
    assert detail.more_rejections == 0 and detail.conflicts == []


def test_import_detail_of_an_unknown_import_is_not_found(pair):
    from core.errors import NotFound

    with at(pair.province) as actor, pytest.raises(NotFound):
        overview.import_detail(actor, 999)


def test_a_conflict_is_listed_with_the_ticket_number(pair, tmp_path):
    """The district restored from a backup sends a second 第 1 批 with another content for the same rev."""
    backup = tmp_path / "backup.db"
    shutil.copy(pair.district, backup)
    with at(pair.district):
        ticket = Ticket.select().order_by(Ticket.id).first()
        Ticket.update(title="原来的标题").where(Ticket.id == ticket.id).execute()
    first = _export(pair)
    shutil.copy(backup, pair.district)
    with at(pair.district):
        Ticket.update(title="恢复后另改的标题").where(Ticket.id == ticket.id).execute()
        rev = Ticket.get_by_id(ticket.id).rev
    second = _export(pair, tmp_path / "usb")
    earlier = _import(pair, first.path)
    report = _import(pair, second.path)
    assert report.counts["conflict"] == 1
    with at(pair.province) as actor:
        detail = overview.import_detail(actor, report.import_id)
        listed = overview.conflicts(actor)
        assert overview.conflicts(actor, OTHER) == []
        assert overview.conflicts(actor, DISTRICT) == listed
        assert _state(actor).conflicts == 1 and _state(actor, OTHER).conflicts == 0
        assert overview.import_detail(actor, earlier.import_id).conflicts == []  # the first import had none
    (problem,) = detail.conflicts
    assert (problem.kind, problem.uid, problem.rev, problem.what) == ("工单", ticket.uid, rev, ticket.number)
    assert "另存待查" in problem.reason and detail.rejections == []
    (row,) = listed
    assert (row.district, row.district_name, row.kind, row.uid, row.rev) == (DISTRICT, XUANWU, "工单", ticket.uid, rev)
    assert row.what == ticket.number and row.file_name == second.path.name and row.imported_at


def test_only_sync_roles_see_the_overview(pair):
    made = _export(pair)
    report = _import(pair, made.path)
    with at(pair.province) as actor:
        users.create_user(actor, "op9", "接线员", "operator-pass", {Role.OPERATOR})
        op = users.authenticate("op9", "operator-pass")
        for read in (lambda: overview.imports(op), lambda: overview.district_states(op),
                     lambda: overview.import_detail(op, report.import_id), lambda: overview.conflicts(op)):
            with pytest.raises(PermissionDenied):
                read()
        users.create_user(actor, "sheng", "省级人员", "provincial-pass", {Role.PROVINCIAL})
        assert len(overview.imports(users.authenticate("sheng", "provincial-pass"))) == 1
    with at(pair.district) as actor:
        users.create_user(actor, "op9", "接线员", "operator-pass", {Role.OPERATOR})
        op = users.authenticate("op9", "operator-pass")
        for read in (lambda: overview.batches_out(op), lambda: overview.receipts_in(op)):
            with pytest.raises(PermissionDenied):
                read()


# The province's view of the districts' records ------------------------------------------


def test_province_ticket_rows_carry_the_district_and_filter_by_it(pair):
    made = _export(pair)
    _import(pair, made.path)
    _import(pair, pair.other_batch)
    with at(pair.district) as actor:
        own = {t.number for t in Ticket.select()}
        assert {r.district for r in tickets.list_page(actor, TicketFilter(), limit=1_000)} == {""}  # not at a district
    with at(pair.province) as actor:
        everything = tickets.list_page(actor, TicketFilter(), limit=1_000)
        by_origin = {r.number: (r.origin, r.district) for r in everything}
        assert {n for n, (o, _) in by_origin.items() if o == DISTRICT} == own
        assert {d for o, d in by_origin.values() if o == DISTRICT} == {XUANWU}
        assert [d for o, d in by_origin.values() if o == OTHER] == [QINHUAI]
        xuanwu = tickets.list_page(actor, TicketFilter(district=DISTRICT), limit=1_000)
        qinhuai = tickets.list_page(actor, TicketFilter(district=OTHER), limit=1_000)
        assert {r.number for r in xuanwu} == own and {r.district for r in xuanwu} == {XUANWU}
        assert len(qinhuai) == 1 and qinhuai[0].district == QINHUAI and qinhuai[0].number.startswith(OTHER)
        assert tickets.count(actor, TicketFilter(district=OTHER)) == 1
        assert tickets.list_page(actor, TicketFilter(district="320105"), limit=1_000) == []


def test_the_province_may_not_edit_a_districts_units(pair):
    _import(pair, _export(pair).path)
    with at(pair.province) as actor:
        theirs = Unit.select().where(Unit.origin == DISTRICT).order_by(Unit.id).first()
        data = dataclasses.replace(units.get_unit(theirs.id).as_input(), name="省里改的名字")
        for change in (lambda: units.update_unit(actor, theirs.id, data),
                       lambda: units.retire_unit(actor, theirs.id, "省级停用"),
                       lambda: units.restore_unit(actor, theirs.id),
                       lambda: units.create_unit(actor, UnitInput("省里加的下级", theirs.kind, theirs.id))):
            with pytest.raises(Conflict, match="由该中心维护"):
                change()
        after = Unit.get_by_id(theirs.id)
        assert (after.name, after.active, after.rev) == (theirs.name, theirs.active, theirs.rev)
        assert not Unit.select().where(Unit.name == "省里加的下级").exists()
        # its own units stay the province's to change
        mine = units.create_unit(actor, UnitInput("省政务服务管理办公室", theirs.kind))
        assert Unit.get_by_id(mine).origin == PROVINCE
        below = units.create_unit(actor, UnitInput("热线处", theirs.kind, mine))
        assert units.update_unit(actor, below, dataclasses.replace(units.get_unit(below).as_input(), name="热线管理处"))
        units.retire_unit(actor, below, "机构调整")
        units.restore_unit(actor, below)
        assert Unit.get_by_id(below).name == "热线管理处" and Unit.get_by_id(below).active


def test_the_province_may_not_edit_a_districts_topics(pair):
    _import(pair, _export(pair).path)
    with at(pair.province) as actor:
        theirs = Topic.select().where(Topic.origin == DISTRICT, Topic.parent.is_null()).order_by(Topic.id).first()
        child = Topic.select().where(Topic.origin == DISTRICT, Topic.parent == theirs.id).first()
        for change in (lambda: topics.rename_topic(actor, theirs.id, "省里改的分类"),
                       lambda: topics.set_topic_active(actor, child.id, False),
                       lambda: topics.add_topic(actor, theirs.id, "省里加的小类")):
            with pytest.raises(Conflict, match="由该中心维护"):
                change()
        assert (Topic.get_by_id(theirs.id).name, Topic.get_by_id(theirs.id).rev) == (theirs.name, theirs.rev)
        assert Topic.get_by_id(child.id).active
        assert not Topic.select().where(Topic.name == "省里加的小类").exists()
        # the province's own topics stay editable
        mine = Topic.select().where(Topic.origin == PROVINCE, Topic.parent.is_null()).order_by(Topic.id).first()
        topics.rename_topic(actor, mine.id, "城乡建设（省）")
        assert Topic.get_by_id(mine.id).name == "城乡建设（省）"
        added = topics.add_topic(actor, mine.id, "省级新增小类")
        assert Topic.get_by_id(added).origin == PROVINCE
        topics.set_topic_active(actor, added, False)
        assert not Topic.get_by_id(added).active


def test_the_province_may_reorder_its_own_topics_after_a_districts_arrived(pair):
    _import(pair, _export(pair).path)
    with at(pair.province) as actor:
        mine = Topic.select().where(Topic.origin == PROVINCE, Topic.parent.is_null()).order_by(Topic.sort, Topic.id)
        first, second = mine[0], mine[1]
        topics.move_topic(actor, first.id, 1)
        assert Topic.get_by_id(first.id).sort > Topic.get_by_id(second.id).sort
