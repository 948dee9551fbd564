"""The quick integrity check at start (``PRAGMA quick_check``), run while the person logs in.

It reads every page of the file: 1.3 s for the 100,000-ticket demo (605 MB) from the page
cache, 6.4 s from disk; 41 s for the 1,000,000-ticket one (6 GB) even from the cache. So it starts on a
thread of its own the moment the file is open, and after the login the main window waits for
it at most ``WAIT_AFTER_LOGIN`` seconds: a damaged file found by then never reaches the main
window. A check still running after that goes on behind the opened window; damage it finds
then stops every write at once (core.store.refuse_writes) and is said over the window, so the
person can note the call on paper instead of saving it into a damaged file.
"""
from __future__ import annotations

import threading
import time

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from core import APP_NAME, store

WAIT_AFTER_LOGIN = 2.0  # seconds
POLL_MS = 200


class DamageCheck:
    def __init__(self) -> None:
        self._found: str | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="hotline-quick-check", daemon=True)
        self._thread.start()
        self._timer: QTimer | None = None

    def _work(self) -> None:
        try:
            self._found = store.damage(on_own_thread=True)
        except BaseException as exc:  # reported on the UI thread
            self._error = exc

    @property
    def done(self) -> bool:
        return not self._thread.is_alive()

    def _result(self) -> str:
        if self._error is not None:
            raise self._error
        return self._found or ""

    def wait(self, seconds: float = WAIT_AFTER_LOGIN) -> str | None:
        """The damage found ("" when the file is sound), or None while the check still runs
        after ``seconds`` or the person chose to start work: then ``watch`` carries on."""
        if not self.done:
            self._wait_with_dialog(seconds)
        return self._result() if self.done else None

    def _wait_with_dialog(self, seconds: float) -> None:
        dialog = QProgressDialog("正在检查数据库文件是否完好…", "先开始工作（检查在后台继续）", 0, 0)
        dialog.setWindowTitle(APP_NAME)
        dialog.setAutoReset(False)  # a busy bar is at its maximum from the start
        dialog.setAutoClose(False)
        dialog.setValue(0)  # at its minimum, so that the next line restarts the show timer
        dialog.setMinimumDuration(500)
        loop = QEventLoop()
        ends = time.monotonic() + seconds
        timer = QTimer(interval=POLL_MS)
        timer.timeout.connect(lambda: (self.done or time.monotonic() >= ends) and loop.quit())
        dialog.canceled.connect(loop.quit)
        timer.start()
        loop.exec()
        timer.stop()
        dialog.canceled.disconnect(loop.quit)  # closing the dialog emits canceled()
        dialog.close()

    def watch(self, window: QWidget) -> None:
        """Behind the opened window: damage found stops every write and is said over it."""
        self._timer = QTimer(window, interval=POLL_MS)
        self._timer.timeout.connect(lambda: self._check_in(window))
        self._timer.start()

    def _check_in(self, window: QWidget) -> None:
        if not self.done or self._timer is None:
            return
        self._timer.stop()
        self._timer = None
        try:
            damage = self._result()
        except Exception as exc:  # noqa: BLE001 - the check itself failed: say so, do not guess
            damage = f"检查数据库文件时出错（{type(exc).__name__}），无法确认文件完好。"
        if not damage:
            return
        store.refuse_writes(f"{damage}\n为免损坏扩大，程序已停止保存任何内容。")
        QMessageBox.critical(window, APP_NAME,
                             f"{damage}\n\n为免损坏扩大，程序已停止保存任何内容：正在受理的来电请先记在纸上，"
                             "然后关闭程序，按上面的办法处理。")
