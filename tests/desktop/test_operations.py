"""One way to write, one way to hear what changed (issue 16): every write on the Runner and every
long job with progress announces what it changed, and screens refresh from what concerns them."""
from __future__ import annotations

from PySide6.QtCore import SIGNAL, Qt
from PySide6.QtWidgets import QDialog, QWidget

from core.center import topics
from core.errors import ValidationError
from core.tickets import registration
from core.tickets.registration import TicketInput
from desktop import progress
from desktop.worker import Runner, refresh_on_changes
from tests.core.dispatch.test_dispatch import register


def _heard(runner: Runner) -> list:
    got: list = []
    runner.changes.changed.connect(lambda changes, initiator: got.append((changes, initiator)))
    return got


def _screen_of_tickets(qtbot, runner: Runner) -> tuple[QWidget, list[int]]:
    """A shown screen that refreshes on ticket changes, and the list of its refreshes."""
    screen = QWidget()
    qtbot.addWidget(screen)
    refreshed: list[int] = []
    refresh_on_changes(screen, runner, lambda c: c.tickets, lambda: refreshed.append(1))
    screen.show()
    qtbot.waitExposed(screen)
    return screen, refreshed


def test_a_write_on_the_runner_announces_its_ticket(qtbot, operator):
    runner = Runner()
    got = _heard(runner)
    owner = QWidget()
    qtbot.addWidget(owner)
    saved: list[int] = []
    runner.write(lambda: register(operator), saved.append, owner=owner)
    qtbot.waitUntil(lambda: bool(got and saved))
    changes, initiator = got[0]
    assert changes.tickets and changes.ticket_ids == {saved[0]} and initiator is owner
    runner.wait()


def test_a_refused_write_announces_nothing(qtbot, operator):
    runner = Runner()
    got = _heard(runner)
    failed: list[BaseException] = []
    runner.write(lambda: registration.register(operator, TicketInput()), on_error=failed.append)
    qtbot.waitUntil(lambda: bool(failed))
    assert isinstance(failed[0], ValidationError)
    qtbot.wait(50)
    assert got == []
    runner.wait()


def test_the_change_is_heard_when_the_asking_dialog_is_gone(qtbot, operator):
    runner = Runner()
    got = _heard(runner)
    dialog = QDialog()
    runner.write(lambda: register(operator), owner=dialog)
    dialog.deleteLater()  # closed before the write returned: its result dies with it, the change does not
    qtbot.waitUntil(lambda: bool(got))
    assert got[0][0].tickets
    runner.wait()


def test_long_work_with_progress_announces_too(qtbot, center_db):
    runner = Runner()
    got = _heard(runner)
    added = progress.run_with_progress(None, "添加", lambda _p, _c: topics.add_topic(center_db, None, "新的分类"),
                                       runner)
    assert added
    qtbot.waitUntil(lambda: bool(got))
    assert got[0][0].topics and not got[0][0].tickets
    runner.wait()


def test_a_screen_refreshes_on_what_concerns_it_when_shown_and_when_shown_again(qtbot, operator, center_db):
    runner = Runner()
    screen, refreshed = _screen_of_tickets(qtbot, runner)

    runner.write(lambda: topics.add_topic(center_db, None, "无关的分类"))  # not its concern
    runner.write(lambda: register(operator))
    qtbot.waitUntil(lambda: refreshed == [1])

    screen.hide()
    runner.write(lambda: register(operator))
    qtbot.waitUntil(lambda: not runner.busy)
    qtbot.wait(50)
    assert refreshed == [1]  # hidden: not read for nobody
    screen.show()
    assert refreshed == [1, 1]  # shown again: what it missed is read
    runner.wait()


def test_a_screen_passes_over_its_own_writes_and_stops_listening_when_gone(qtbot, operator):
    runner = Runner()
    screen, refreshed = _screen_of_tickets(qtbot, runner)
    inside = QWidget(screen)
    runner.write(lambda: register(operator), owner=inside)  # asked by a widget inside it
    qtbot.waitUntil(lambda: not runner.busy)
    qtbot.wait(50)
    assert refreshed == []

    screen.deleteLater()
    qtbot.waitUntil(lambda: runner.changes.receivers(SIGNAL("changed(PyObject,PyObject)")) == 0)  # gone with it
    runner.write(lambda: register(operator))
    qtbot.waitUntil(lambda: not runner.busy)
    runner.wait()


def test_a_change_asked_by_a_dialog_deleted_meanwhile_still_refreshes_the_screens(qtbot, operator):
    runner = Runner()
    screen, refreshed = _screen_of_tickets(qtbot, runner)
    dialog = QDialog(screen)  # asked from inside the screen, then closed and deleted
    runner.write(lambda: register(operator), owner=dialog)
    dialog.deleteLater()
    qtbot.waitUntil(lambda: refreshed == [1])
    runner.wait()


def test_a_ticket_saved_elsewhere_shows_in_the_open_list_and_the_place_is_kept(qtbot, window, operator):
    """Was a hand-wired lambda in the main window; the list on screen hears the change itself."""
    for hours in range(1, 4):
        register(operator, hours_ago=hours)
    window.show_area("工单查询")
    listing = window.ticket_list
    qtbot.waitUntil(lambda: listing.model.rowCount() >= 3 and not listing.model.loading)
    listing.table.selectRow(2)
    chosen = listing.model.ticket_id(2)
    before = listing.model.rowCount()
    window.runner.write(lambda: register(operator, hours_ago=0.5))  # as another screen's 保存 does
    qtbot.waitUntil(lambda: listing.model.rowCount() == before + 1)  # still on screen: no showEvent read
    qtbot.waitUntil(lambda: listing.model.ticket_id(listing.table.currentIndex().row()) == chosen)


def test_enter_on_a_ticket_reads_its_detail_on_a_worker_and_opens_it(qtbot, window, operator, monkeypatch):
    from desktop.tickets import list_view

    register(operator)
    opened: list[int] = []
    monkeypatch.setattr(list_view.TicketDetailDialog, "exec", lambda self: opened.append(self.windowTitle()) or 0)
    window.show_area("工单查询")
    listing = window.ticket_list
    qtbot.waitUntil(lambda: listing.model.rowCount() == 1 and not listing.model.loading)
    listing.table.setFocus()
    listing.table.selectRow(0)
    qtbot.keyClick(listing.table, Qt.Key.Key_Return)
    qtbot.keyClick(listing.table, Qt.Key.Key_Return)  # pressed again while it is read: opened once
    qtbot.waitUntil(lambda: bool(opened))
    qtbot.wait(100)
    assert opened == [f"工单 {listing.model.rows[0].number}"]
