"""The lazy ticket model: qtmodeltester, paging on demand, sorting in SQL."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from core.tickets import registration
from core.tickets.registration import TicketInput
from core.tickets.reads import TicketFilter
from desktop.tickets.model import TicketTableModel
from desktop.worker import Runner


@pytest.fixture
def filled(operator):
    for i in range(25):
        registration.register(operator, TicketInput(
            caller_phone=f"1380000{i:04d}", content=f"咨询第{i}个问题", category="consult" if i % 2 else "suggestion",
            details={} if i % 2 else {"suggestion_reason": "方便群众"}))
    return operator


def load_all(qtbot, model: TicketTableModel) -> None:
    qtbot.waitUntil(lambda: not model.loading, timeout=5000)
    while model.canFetchMore():
        model.fetchMore()
        qtbot.waitUntil(lambda: not model.loading, timeout=5000)


def test_model_passes_qtmodeltester(qtbot, qtmodeltester, filled):
    runner = Runner()
    model = TicketTableModel(filled, runner, page_size=7)
    model.set_filter(TicketFilter())
    load_all(qtbot, model)
    qtmodeltester.check(model, force_py=True)


def test_rows_arrive_a_page_at_a_time(qtbot, filled):
    model = TicketTableModel(filled, Runner(), page_size=10)
    model.set_filter(TicketFilter())
    qtbot.waitUntil(lambda: model.rowCount() == 10, timeout=5000)
    assert model.canFetchMore()
    load_all(qtbot, model)
    assert model.rowCount() == 25
    assert not model.canFetchMore()
    ids = [model.ticket_id(r) for r in range(25)]
    assert len(set(ids)) == 25


def test_sorting_by_a_column_reorders_in_sql(qtbot, filled):
    model = TicketTableModel(filled, Runner(), page_size=100)
    model.sort(0, Qt.SortOrder.AscendingOrder)  # 工单编号
    load_all(qtbot, model)
    numbers = [model.data(model.index(r, 0)) for r in range(model.rowCount())]
    assert numbers == sorted(numbers)
    model.sort(0, Qt.SortOrder.DescendingOrder)
    load_all(qtbot, model)
    assert [model.data(model.index(r, 0)) for r in range(model.rowCount())] == sorted(numbers, reverse=True)


def test_filter_by_category(qtbot, filled):
    model = TicketTableModel(filled, Runner())
    model.set_filter(TicketFilter(category="suggestion"))
    load_all(qtbot, model)
    assert model.rowCount() == 13
    assert {model.data(model.index(r, 3)) for r in range(13)} == {"建议"}
