"""Long work with a progress dialog that appears after a short delay and can cancel it."""
from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from core.errors import Cancelled
from desktop.errors import show_error
from desktop.worker import ChangeHub, Runner, as_operation

SHOW_AFTER_MS = 500  # STYLE 4: only when the work lasts

Work = Callable[[Callable[[int, int], None], Callable[[], bool]], Any]


class _Job(QObject):
    """The work on a Python thread (see desktop.worker for why not QThread)."""

    progressed = Signal(int, int)
    finished = Signal()

    def __init__(self, work: Work) -> None:
        super().__init__()
        self.work = work
        # An import or export is an operation too: the screens of ``hub`` hear what it changed.
        self.hub: ChangeHub | None = None
        self.initiator: QObject | None = None
        self.cancel = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="hotline-progress", daemon=True)

    def _run(self) -> None:
        try:
            self.result = as_operation(lambda: self.work(self.progressed.emit, self.cancel.is_set),
                                       self.hub, self.initiator)()
        except BaseException as exc:  # reported on the UI thread
            self.error = exc
        finally:
            self.finished.emit()


def one_at_a_time(slot: Callable[..., Any]) -> Callable[..., Any]:
    """For a slot that runs long work: a second press (a double click, a shortcut held) while
    the first still runs does nothing; the progress dialog appears only after a delay, and
    until then the window still takes keys."""

    @functools.wraps(slot)
    def guarded(self: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(self, "_long_work_running", False):
            return None
        self._long_work_running = True
        try:
            return slot(self, *args, **kwargs)
        finally:
            self._long_work_running = False

    return guarded


def run_with_progress(parent: QWidget | None, title: str, work: Work, runner: Runner | None = None) -> Any:
    """Run ``work(progress, cancelled)`` off the UI thread and return what it returned.

    None when it failed (the error is shown) or stopped on a cancel by raising
    ``core.errors.Cancelled``. Work that honours a cancel by returning early
    returns what it finished, and says so itself. ``work`` must check
    ``cancelled()`` between units and leave nothing half-written.
    """
    outcome, result = run_cancellable(parent, title, work, runner)
    return result if outcome == DONE else None


DONE, CANCELLED, FAILED = "done", "cancelled", "failed"


def run_cancellable(parent: QWidget | None, title: str, work: Work, runner: Runner | None = None) -> tuple[str, Any]:
    """As run_with_progress, telling a cancel (CANCELLED) from a failure already shown (FAILED).

    With ``runner``, what the work's writes changed is announced to that database's screens."""
    dialog = QProgressDialog(title, "取消", 0, 0, parent)
    dialog.setWindowTitle("请稍候")
    dialog.setMinimumDuration(SHOW_AFTER_MS)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    job = _Job(work)
    job.hub, job.initiator = (runner.changes if runner is not None else None), parent
    loop = QEventLoop()

    def progressed(done: int, total: int) -> None:
        dialog.setMaximum(max(total, 1))
        dialog.setValue(min(done, total))

    job.progressed.connect(progressed)
    dialog.canceled.connect(job.cancel.set)
    job.finished.connect(loop.quit)
    job.thread.start()
    loop.exec(QEventLoop.ProcessEventsFlag.AllEvents)
    job.thread.join()
    # Closing a QProgressDialog emits canceled(): disconnect first, or every
    # finished job would look cancelled and its result be thrown away.
    dialog.canceled.disconnect(job.cancel.set)
    dialog.close()
    if isinstance(job.error, Cancelled):
        return CANCELLED, None  # the person asked for it; the work left nothing half-written
    if job.error is not None:
        show_error(parent, job.error)
        return FAILED, None
    return DONE, job.result
