"""Run core services off the UI thread; results come back by signal (Picard's thread helper).

Writes go to a pool of one thread, so there is one writer at a time; reads use
a small pool of their own. Workers never touch widgets: ``on_done`` and
``on_error`` run on the UI thread.

The threads are Python's, not QThreadPool's: peewee keeps one APSW connection
per thread in a thread-local, and a Qt pool thread that exits while holding
one crashes the interpreter as the thread-local is torn down. Python threads
clean up their locals in the normal way.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal

log = logging.getLogger("hotline.desktop.worker")


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
        self._submit(self.writer, fn, on_done, on_error, owner)

    def read(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
             on_error: Callable[[BaseException], None] | None = None, owner: QObject | None = None) -> None:
        self._submit(self.reader, fn, on_done, on_error, owner)

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
