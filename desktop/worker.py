"""Run core services off the UI thread; results come back by signal (Picard's thread helper).

Writes go to a pool of one thread, so there is one writer at a time; reads use
a small pool of their own. Workers never touch widgets: ``on_done`` and
``on_error`` run on the UI thread.

Every write is an operation (Anki's CollectionOp): what its transactions changed
(core.service.Changes) is announced on the ``ChangeHub``, and each screen refreshes
from the changes it shows (``hear_changes``), instead of screens wiring each other's
refreshes by hand. Timers are left only for what time itself changes (a clock running
out).

The threads are Python's, not QThreadPool's: peewee keeps one APSW connection
per thread in a thread-local, and a Qt pool thread that exits while holding
one crashes the interpreter as the thread-local is torn down. Python threads
clean up their locals in the normal way.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QEventLoop, QObject, Signal
from PySide6.QtWidgets import QWidget

from core.errors import Cancelled
from core.service import Changes, collect_changes

log = logging.getLogger("hotline.desktop.worker")


class ChangeHub(QObject):
    """Lives on the UI thread, one per Runner (one database): an operation's changes are
    announced here once committed.

    ``changed(changes, initiator)``: the widget that asked for the write (or None), so a screen
    that already refreshes after its own write can pass over its own announcement. Emitted from
    the worker as soon as the write returns, whether or not the asking widget still exists (a
    dialog closed meanwhile must not leave the other screens stale). Values travel in a 1-tuple
    (see _Relay).
    """

    _announce = Signal(object)
    changed = Signal(object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._announce.connect(lambda boxed: self.changed.emit(*boxed))

    def announce(self, changes: Changes, initiator: QObject | None) -> None:
        """From any thread: the screens hear it on the UI thread."""
        if changes:
            self._announce.emit((changes, initiator))


def hear_changes(hub: ChangeHub, screen: QObject, slot: Callable[[Changes, QObject | None], None]) -> None:
    """Call ``slot(changes, initiator)`` after every operation, for as long as ``screen`` lives."""
    hub.changed.connect(slot)
    screen.destroyed.connect(lambda *_: _disconnect(hub, slot))


def as_operation(fn: Callable[[], Any], hub: ChangeHub | None, initiator: QObject | None) -> Callable[[], Any]:
    """``fn`` gathering what its writes change and announcing it on ``hub`` when it returns or
    fails (a failure after some committed writes still changed those)."""

    def operation() -> Any:
        with collect_changes() as changes:
            try:
                return fn()
            finally:
                if hub is not None:
                    hub.announce(changes, initiator)

    return operation


def initiated_within(screen: QObject, initiator: QObject | None) -> bool:
    """The write was asked for by ``screen`` or a widget inside it (a dialog it opened).

    An initiator deleted meanwhile (a dialog closed while its write ran) asked for nobody: its
    change is heard by every screen."""
    while initiator is not None:
        if not shiboken6.isValid(initiator):
            return False
        if initiator is screen:
            return True
        initiator = initiator.parent()
    return False


class _ShowWatch(QObject):
    """Refreshes a hidden screen that missed a change when it is shown again."""

    def __init__(self, screen: QObject, refresh: Callable[[], None]) -> None:
        super().__init__(screen)
        self.refresh = refresh
        self.stale = False
        screen.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.Show and self.stale:
            self.stale = False
            self.refresh()
        return False


def refresh_on_changes(screen: QWidget, runner: Runner, concerns: Callable[[Changes], bool],
                       refresh: Callable[[], None], hidden: str = "on_show", own: bool = False) -> None:
    """``screen`` refreshes after every operation whose changes ``concerns`` it.

    Shown, it refreshes at once; hidden, when it is next shown (``hidden="on_show"``), at once
    all the same (``"now"``), or not at all because it reads again whenever it is shown
    (``"skip"``). Its own writes, which it follows itself, are passed over unless ``own``.
    """
    watch = _ShowWatch(screen, refresh) if hidden == "on_show" else None

    def heard(changes: Changes, initiator: QObject | None) -> None:
        if not concerns(changes):
            return
        try:
            if not own and initiated_within(screen, initiator):
                return
            visible = screen.isVisible()
        except RuntimeError:  # the screen's widget is being deleted
            return
        if visible or hidden == "now":
            refresh()
        elif watch is not None:
            watch.stale = True

    hear_changes(runner.changes, screen, heard)


def _disconnect(hub: ChangeHub, slot: Callable[..., None]) -> None:
    try:
        hub.changed.disconnect(slot)
    except (RuntimeError, TypeError):  # already gone with the screen
        pass


class _Relay(QObject):
    """Lives on the UI thread; emitting from a worker queues the call to it.

    Parented to the widget that asked, so a result for a closed screen dies
    with it instead of reaching a deleted widget. Values travel wrapped in a
    1-tuple: a bare None sent through a queued ``Signal(object)`` corrupted
    None's reference count in PySide6 6.12 (a fatal "deallocating None").
    """

    done = Signal(object)
    failed = Signal(object)


class Runner(QObject):
    """One per main window: ``write`` for services that change data, ``read`` for queries."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hotline-writer")
        self.reader = ThreadPoolExecutor(max_workers=2, thread_name_prefix="hotline-reader")
        self._relays: set[_Relay] = set()
        self._pending = 0
        self.changes = ChangeHub(self)  # what this database's writes changed (refresh_on_changes)

    def _submit(
        self,
        pool: ThreadPoolExecutor,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[BaseException], None] | None,
        owner: QObject | None,
    ) -> None:
        relay = _Relay(owner)
        self._relays.add(relay)
        self._pending += 1
        relay.destroyed.connect(lambda *_: self._forget(relay))

        def finish(callback: Callable[[Any], None] | None, boxed: tuple[Any]) -> None:
            (value,) = boxed
            if not self._forget(relay):
                return
            if callback is not None:
                callback(value)
            elif isinstance(value, BaseException):
                from desktop.errors import show_error

                show_error(None, value)

        relay.done.connect(lambda value: finish(on_done, value))
        relay.failed.connect(lambda exc: finish(on_error, exc))

        def task() -> None:
            try:
                result = fn()
            except BaseException as exc:  # handed to the UI thread's error handler
                signal, value = relay.failed, exc
            else:
                signal, value = relay.done, result
            try:
                signal.emit((value,))
            except RuntimeError:  # the owner was closed meanwhile; nobody is waiting
                pass

        pool.submit(task)

    def _forget(self, relay: _Relay) -> bool:
        if relay in self._relays:
            self._relays.discard(relay)
            self._pending -= 1
            return True
        return False

    def write(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
              on_error: Callable[[BaseException], None] | None = None, owner: QObject | None = None) -> None:
        """Run a write service on the single writer; what it changed is announced (ChangeHub)."""
        self._submit(self.writer, as_operation(fn, self.changes, owner), on_done, on_error, owner)

    def read(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
             on_error: Callable[[BaseException], None] | None = None, owner: QObject | None = None) -> None:
        self._submit(self.reader, fn, on_done, on_error, owner)

    def write_and_wait(self, fn: Callable[[], Any], initiator: QObject | None = None) -> Any:
        """``write`` for a dialog that must know the outcome before it goes on (an account saved or
        refused): the UI keeps painting while the writer works (argon2 hashing takes a while);
        returns what ``fn`` returned or raises what it raised (Cancelled if the program quits
        meanwhile). The caller keeps the person from starting it again meanwhile (disables)."""
        return self._wait(self.writer, as_operation(fn, self.changes, initiator))

    def _wait(self, pool: ThreadPoolExecutor, fn: Callable[[], Any]) -> Any:
        # No owner: the answer must come back even if a widget closes meanwhile, or the loop would spin on.
        return _spin_until(lambda finished: self._submit(
            pool, fn, lambda value: finished(True, value), lambda exc: finished(False, exc), None))

    @property
    def busy(self) -> bool:
        """Work submitted whose result has not reached the UI thread yet."""
        return self._pending > 0

    def wait(self) -> None:
        """Let submitted work finish (on close)."""
        self.writer.shutdown(wait=True)
        self.reader.shutdown(wait=True)
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hotline-writer")
        self.reader = ThreadPoolExecutor(max_workers=2, thread_name_prefix="hotline-reader")


def _spin_until(start: Callable[[Callable[[bool, Any], None]], None]) -> Any:
    """Start work that calls ``finished(ok, value)`` on the UI thread; keep the UI's event loop
    turning until it does; return the value, or raise it when not ok."""
    loop = QEventLoop()
    outcome: list[tuple[bool, Any]] = []

    def finished(ok: bool, value: Any) -> None:
        outcome.append((ok, value))
        loop.quit()

    start(finished)
    if not outcome:
        loop.exec()
    if not outcome:  # the application is quitting: the work goes on, nobody waits for it
        raise Cancelled("程序正在退出。")
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


def off_the_ui_thread(fn: Callable[[], Any]) -> Any:
    """Run ``fn`` on a thread of its own while the UI keeps painting; return what it returned or
    raise what it raised. For the login, before any Runner exists (argon2 takes a while)."""
    relay = _Relay()

    def start(finished: Callable[[bool, Any], None]) -> None:
        relay.done.connect(lambda boxed: finished(*boxed[0]))

        def task() -> None:
            try:
                result: tuple[bool, Any] = (True, fn())
            except BaseException as exc:  # raised again on the UI thread
                result = (False, exc)
            relay.done.emit((result,))

        threading.Thread(target=task, name="hotline-login", daemon=True).start()

    return _spin_until(start)


class LatestRead:
    """One screen's repeated read (a refresh, a selection): reads run on two threads and
    can finish out of order, so only the answer to the newest request is shown."""

    def __init__(self, runner: Runner, owner: QObject) -> None:
        self.runner = runner
        self.owner = owner
        self._asked = 0

    def __call__(self, fn: Callable[[], Any], on_done: Callable[[Any], None],
                 on_error: Callable[[BaseException], None] | None = None) -> None:
        self._asked += 1
        asked = self._asked

        def done(value: Any) -> None:
            if asked == self._asked:
                on_done(value)

        self.runner.read(fn, done, on_error, owner=self.owner)
