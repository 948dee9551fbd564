"""At a provincial center nothing of a district's is handled (DESIGN "Who uses it"): registering,
importing a ledger, dispatching, progress notes, extensions, supervision, surges, mediation and
documents are all refused in core, whatever roles the province's account holds, and leave no
row, event, file or audit entry behind (issue 15 §2)."""
from __future__ import annotations

import datetime as dt

import pytest

from core import clock
from core.deadlines import clocks as deadlines
from core.dispatch import sending as dispatch
from core.dispatch import handling
from core.tickets import ledger_import
from core.mediation import cases as mediation
from core.tickets import registration
from core.dispatch import supervision
from core.center import users
from core.dispatch.sending import DispatchInput
from core.errors import Conflict
from core.tickets.registration import TicketInput
from core.roles import Role
from core.dispatch.supervision import SupervisionInput
from db.connection import raw_connection
from db.models import Assignment, Ticket, Unit
from forms import issue
from forms.catalog import DocumentKind
from sync import importer
from tests.sync.exchange import DISTRICT, at, fast_hashing, make_exported_pair

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")
TABLES = ("ticket", "ticket_event", "assignment", "deadline", "supervision", "mediation_case", "issued_document",
          "extension_request", "surge", "audit", "ticket_counter", "document_counter")


@pytest.fixture(scope="module")
def province_file(tmp_path_factory):
    """A province that imported a 300-ticket district's batch; a province account with every role."""
    pair = make_exported_pair(tmp_path_factory.mktemp("province-work"), 300)
    with pytest.MonkeyPatch.context() as patch:
        fast_hashing(patch)
        with at(pair.province) as actor:
            assert importer.import_batch(actor, pair.batch).status == "imported"
            users.create_user(actor, "all", "全能账号", "all-roles-pass", set(Role))
    return pair.province


@pytest.fixture
def everyone(province_file, tmp_path, monkeypatch):
    fast_hashing(monkeypatch)
    copy = tmp_path / "province.db"
    copy.write_bytes(province_file.read_bytes())
    with at(copy):
        yield users.authenticate("all", "all-roles-pass")


def _counts() -> dict[str, int]:
    conn = raw_connection()
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def _a_districts(**where) -> Ticket:
    query = Ticket.select().where(Ticket.origin == DISTRICT)
    for name, value in where.items():
        query = query.where(getattr(Ticket, name) == value)
    found = query.first()
    assert found is not None, where
    return found


def _live_assignment() -> Assignment:
    return Assignment.select().join(Ticket).where((Ticket.origin == DISTRICT)
                                                  & (Assignment.status.in_(dispatch.LIVE))).first()


def _attempts(tmp_path):
    pending = _a_districts(status="pending")
    complaint = _a_districts(category="complaint", status="dispatched")
    closed = _a_districts(status="closed")
    live = _live_assignment()
    unit = Unit.select().first()
    ledger = tmp_path / "台账.csv"
    ledger.write_text("留言时间,留言内容\n2026-11-20 09:00,小区门口路灯不亮\n", encoding="utf-8")
    return {
        "受理登记": lambda a: registration.register(a, TicketInput(caller_phone="13812345678", content="噪音扰民",
                                                               category="complaint")),
        "导入台账": lambda a: ledger_import.import_ledger(ledger, actor=a),
        "派单": lambda a: dispatch.dispatch(a, DispatchInput(pending.id, unit.id, opinion="请核实处理")),
        "签收": lambda a: dispatch.sign_off(a, live.id, "值班员"),
        "办理情况": lambda a: handling.add_progress(a, live.id, "已到现场查看"),
        "申请延期": lambda a: handling.ask_extension(a, live.id, "需协调", clock.today() + dt.timedelta(days=20)),
        "督办": lambda a: supervision.supervise(a, SupervisionInput(complaint.id, "system", "系统催办")),
        "集中大话务量": lambda a: deadlines.declare_surge(a, clock.now(), clock.now() + dt.timedelta(hours=4), "暴雨"),
        "调解": lambda a: mediation.open_case(a, complaint.id),
        "出具文书": lambda a: issue.issue(a, DocumentKind.WORK_ORDER, closed.id),
    }


@pytest.mark.parametrize("work", ["受理登记", "导入台账", "派单", "签收", "办理情况", "申请延期", "督办", "集中大话务量",
                                  "调解", "出具文书"])
def test_the_province_handles_nothing_of_a_districts(everyone, tmp_path, work):
    attempt = _attempts(tmp_path)[work]
    before = _counts()
    blobs = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    with pytest.raises(Conflict, match="省级中心") as refused:
        attempt(everyone)
    assert "区县" in refused.value.message
    assert _counts() == before
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == blobs  # no stored file either
