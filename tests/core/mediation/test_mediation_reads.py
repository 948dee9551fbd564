"""core.mediation.reads: the 调解与文书 area's list, one complaint, and what documents can come from."""
from __future__ import annotations

import pytest

from core.mediation import cases as mediation
from core.mediation import reads as mediation_reads
from core.dispatch import supervision
from core.errors import PermissionDenied
from core.mediation.reads import complaint, complaints_count, complaints_page, document_sources
from core.dispatch.supervision import SupervisionInput
from tests.core.dispatch.test_dispatch import register, send, units  # noqa: F401 - fixture
from tests.core.mediation.test_mediation import parties, session

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")


def numbers(rows) -> list[str]:
    return [r.number for r in rows]


@pytest.fixture
def three(operator, mediator):
    """Complaints with no mediation, one running and one concluded (oldest first), and a consult."""
    plain = register(operator, hours_ago=30, title="小区门口占道经营")
    running = register(operator, hours_ago=20, title="工地夜间施工噪声")
    done = register(operator, hours_ago=10, title="装修公司拖延工期", caller_name="李女士")
    register(operator, hours_ago=5, category="consult", title="居住证办理咨询")
    mediation.open_case(mediator, running)
    case = mediation.open_case(mediator, done)
    mediation.save_case(mediator, case, "事实", "请求", parties())
    mediation.add_session(mediator, case, session())
    mediation.conclude(mediator, case, "success", "工期顺延十天，赔偿一千元。")
    return {"plain": plain, "running": running, "done": done, "done_case": case}


def test_complaints_newest_first_with_their_mediation_state(mediator, three):
    rows = complaints_page(mediator)
    assert [r.ticket_id for r in rows] == [three["done"], three["running"], three["plain"]]  # no consult
    assert [r.state for r in rows] == ["已结束：调解成功", "调解中", "未调解"]
    assert rows[0].case_id == three["done_case"] and rows[2].case_id is None
    assert rows[0].caller == "李女士" and rows[0].status == "待派单" and not rows[0].closed


def test_the_state_filter(mediator, manager, three):
    def ids(state):
        return [r.ticket_id for r in complaints_page(mediator, state)]

    assert ids("none") == [three["plain"]]
    assert ids("open") == [three["running"]]
    assert ids("concluded") == ids("to_close") == [three["done"]]
    mediation.close_complaint(manager, three["done_case"], "调解成功，同意结案。")
    assert ids("to_close") == []
    assert ids("concluded") == [three["done"]]
    assert complaints_page(mediator, "concluded")[0].closed
    assert not complaint(mediator, three["done"]).can_open  # closed: no further mediation
    assert [complaints_count(mediator, s) for s in mediation_reads.STATES] == [3, 1, 1, 1, 0]
    with pytest.raises(ValueError):
        complaints_page(mediator, "nonsense")


def test_text_filter_on_number_title_and_caller(mediator, three):
    first = complaints_page(mediator)[0]
    assert numbers(complaints_page(mediator, text=first.number[-4:])) == [first.number]
    assert [r.ticket_id for r in complaints_page(mediator, text="噪声")] == [three["running"]]
    assert [r.ticket_id for r in complaints_page(mediator, text="李女")] == [three["done"]]
    assert complaints_page(mediator, text="100%") == []  # a wildcard is a character, not "anything"
    assert complaints_page(mediator, "open", text="装修") == []


def test_paged_in_sql(mediator, three):
    pages = [complaints_page(mediator, offset=i, limit=1) for i in range(4)]
    assert [numbers(p) for p in pages[:3]] == [[r.number] for r in complaints_page(mediator)]
    assert pages[3] == []
    assert complaints_count(mediator, cap=2) == 2


def test_a_confidential_caller_is_masked_and_not_searchable_without_the_right(operator, dispatcher, mediator):
    register(operator, caller_name="王建国", confidential=True)
    assert complaints_page(dispatcher)[0].caller == "王**"
    assert complaints_page(dispatcher, text="建国") == []
    assert complaints_page(mediator)[0].caller == "王建国"
    assert len(complaints_page(mediator, text="建国")) == 1
    view = complaint(dispatcher, complaints_page(dispatcher)[0].ticket_id)
    assert view.masked and "王建国" not in view.caller and "13812345678" not in view.caller


def test_one_complaint_shows_cases_only_to_those_who_mediate(dispatcher, mediator, manager, three):
    mine = complaint(mediator, three["done"])
    assert mine.case is not None and mine.case.outcome == "success" and mine.case.parties
    assert mine.can_open  # core.mediation.cases allows another mediation once one ended, while the ticket is open
    assert not mine.can_close  # only the head closes it (12365 6.3.5.2.3)
    assert complaint(manager, three["done"]).can_close
    assert complaint(mediator, three["plain"]).can_open
    assert not complaint(mediator, three["running"]).can_open
    theirs = complaint(dispatcher, three["done"])
    assert theirs.cases == [] and not theirs.can_open and not theirs.can_close
    assert theirs.state == "已结束：调解成功" and complaint(dispatcher, three["plain"]).state == "未调解"


def test_document_sources(operator, dispatcher, supervisor, mediator, units):
    ticket = register(operator)
    lead, co = send(dispatcher, ticket, units["区城市管理局"], units["新街口街道"])
    supervision.supervise(supervisor, SupervisionInput(ticket, "document", "发函督办", units["区城市管理局"]))
    case = mediation.open_case(mediator, ticket)
    found = document_sources(dispatcher, ticket)
    assert (found.category, found.status, found.closed) == ("complaint", "dispatched", False)
    assert [(a.id, a.unit, a.role, a.live) for a in found.assignments] == [
        (lead, "区城市管理局", "牵头", True), (co, "新街口街道", "协办", True)]
    assert [(s.kind, s.unit) for s in found.supervisions] == [("文件督办", "区城市管理局")]
    assert [(c.id, c.open) for c in found.cases] == [(case, True)]


def test_reads_need_the_view_right(center_db):
    from core.roles import Actor

    nobody = Actor(999, "x", "x", frozenset())
    for read in (complaints_page, complaints_count):
        with pytest.raises(PermissionDenied):
            read(nobody)
