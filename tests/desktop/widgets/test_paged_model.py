"""The one paged model (desktop.widgets.paged_model) over a Python list read through a real Runner:
the model tester while it pages to the end, late pages of an old filter dropped, a refresh, a failure."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt

from desktop.widgets.paged_model import PagedModel, PageReader
from desktop.worker import Runner


@dataclass(frozen=True)
class Item:
    name: str
    sort_key: int


class ListModel(PagedModel[Item]):
    """Keyset pages of a list: the items whose sort_key comes after the cursor, under a name filter."""

    columns = ["名称", "序号"]

    def __init__(self, runner: Runner, items: list[Item], page_size: int) -> None:
        super().__init__(runner, page_size)
        self.items = items
        self.word = ""
        self.gates: dict[str, threading.Event] = {}  # a filter's reads wait here until let through
        self.asked: list[tuple[str, Any, int]] = []

    def page_reader(self) -> PageReader:
        word, items = self.word, self.items

        def read(after: int | None, size: int) -> list[Item]:
            self.asked.append((word, after, size))
            gate = self.gates.get(word)
            if gate is not None:
                assert gate.wait(5), "the test never let this read through"
            if word == "fail":
                raise RuntimeError("the disk went away")
            chosen = [i for i in items if word in i.name and (after is None or i.sort_key > after)]
            return chosen[:size]

        return read

    def cell(self, row: Item, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return [row.name, row.sort_key][column]
        return None

    def set_word(self, word: str) -> None:
        self.word = word
        self.restart()


ITEMS = [Item(f"{'甲' if n % 2 else '乙'}{n}", n) for n in range(23)]


@pytest.fixture
def runner():
    made = Runner()
    yield made
    made.wait()


def settle(qtbot, model: ListModel, runner: Runner) -> None:
    qtbot.waitUntil(lambda: not model.loading and not runner.busy, timeout=5000)


def test_pages_to_the_end_under_the_model_tester(qtbot, qtmodeltester, runner):
    model = ListModel(runner, ITEMS, page_size=5)
    assert not model.canFetchMore()  # nothing asked for yet
    qtmodeltester.check(model, force_py=True)  # and it keeps checking every change below
    loaded: list[tuple[int, bool]] = []
    model.loaded.connect(lambda rows, more: loaded.append((rows, more)))
    model.set_word("")
    assert model.loading and not model.canFetchMore()  # one page at a time
    settle(qtbot, model, runner)
    assert model.rowCount() == 5 and model.canFetchMore()
    while model.canFetchMore():
        model.fetchMore()
        settle(qtbot, model, runner)
    assert [model.data(model.index(r, 1)) for r in range(model.rowCount())] == list(range(23))
    assert loaded == [(5, True), (10, True), (15, True), (20, True), (23, False)]
    assert [after for _w, after, _s in model.asked] == [None, 4, 9, 14, 19]
    assert model.columnCount() == 2 and model.headerData(0, Qt.Orientation.Horizontal) == "名称"
    assert model.rowCount(model.index(0, 0)) == 0 and not model.canFetchMore(model.index(0, 0))
    assert model.data(model.index(0, 0), Qt.ItemDataRole.DisplayRole) == "乙0"
    assert model.data(QModelIndex()) is None
    qtmodeltester.check(model, force_py=True)


def test_a_page_of_the_old_filter_arriving_late_is_dropped(qtbot, qtmodeltester, runner):
    model = ListModel(runner, ITEMS, page_size=5)
    qtmodeltester.check(model, force_py=True)
    model.gates["甲"] = threading.Event()
    model.set_word("甲")  # its read waits on the gate: in flight
    qtbot.waitUntil(lambda: len(model.asked) == 1, timeout=5000)
    loaded: list[int] = []
    model.loaded.connect(lambda rows, _more: loaded.append(rows))
    model.set_word("乙")  # a new generation, read on the other reader thread
    qtbot.waitUntil(lambda: loaded == [5], timeout=5000)
    model.gates["甲"].set()  # now the old page comes
    settle(qtbot, model, runner)
    assert loaded == [5]
    assert [model.data(model.index(r, 0)) for r in range(5)] == ["乙0", "乙2", "乙4", "乙6", "乙8"]
    model.fetchMore()
    settle(qtbot, model, runner)
    assert model.rowCount() == 10 and model.data(model.index(9, 0)) == "乙18"
    assert model.asked[-1] == ("乙", 8, 5)  # after the last row of this generation, not of the old one


def test_a_refresh_reads_again_as_many_rows_as_are_held(qtbot, qtmodeltester, runner):
    model = ListModel(runner, ITEMS, page_size=5)
    model.set_word("")
    settle(qtbot, model, runner)
    model.fetchMore()
    settle(qtbot, model, runner)
    qtmodeltester.check(model, force_py=True)
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    model.refresh()
    assert model.rowCount() == 10  # the rows stay shown until the new ones come
    settle(qtbot, model, runner)
    assert model.asked[-1] == ("", None, 10)
    assert model.rowCount() == 10 and model.canFetchMore() and resets == [True]


def test_a_failed_read_ends_the_list_and_says_why(qtbot, runner):
    model = ListModel(runner, ITEMS, page_size=5)
    failures: list[BaseException] = []
    model.failed.connect(failures.append)
    model.set_word("fail")
    settle(qtbot, model, runner)
    assert [str(e) for e in failures] == ["the disk went away"]
    assert model.rowCount() == 0 and not model.loading and not model.canFetchMore()
