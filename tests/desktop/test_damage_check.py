"""The integrity check at start: a damaged file found before the main window keeps it shut;
found after (a large file still being read), every write stops and the window says so."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QPushButton, QWidget

from core import clock, store
from core.tickets import drafts
from core.tickets import registration
from core.deadlines import reminders
from core.errors import StorageError
from core.tickets.registration import TicketInput
from db.connection import raw_connection
from desktop import damage_check
from desktop.damage_check import DamageCheck

DAMAGE = "数据库文件已损坏（*** in database main *** Page 42: btreeInitPage() returns error code 11）。"


@pytest.fixture
def slow_check(monkeypatch):
    """store.damage held until the test lets it answer, as a 6 GB file keeps it reading."""
    gate, answer = threading.Event(), {"text": ""}

    def damage(on_own_thread: bool = False) -> str:
        gate.wait(10)
        return answer["text"]

    monkeypatch.setattr(store, "damage", damage)
    yield gate, answer
    gate.set()
    store.refuse_writes("")


@pytest.fixture
def said(monkeypatch) -> list[str]:
    messages: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, _title, text: messages.append(text))
    return messages


def test_a_sound_file_is_passed_at_once(qtbot, center_db):
    assert DamageCheck().wait() == ""


def test_damage_found_while_waiting_keeps_the_window_shut(qtbot, slow_check):
    gate, answer = slow_check
    answer["text"] = DAMAGE
    QTimer.singleShot(300, gate.set)  # found while the person is still waiting
    assert DamageCheck().wait(5) == DAMAGE


def test_damage_found_behind_the_open_window_stops_every_write(qtbot, operator, slow_check, said, monkeypatch):
    gate, answer = slow_check
    monkeypatch.setattr(damage_check, "WAIT_AFTER_LOGIN", 0.2)
    check = DamageCheck()
    assert check.wait(damage_check.WAIT_AFTER_LOGIN) is None  # still reading: the window opens
    window = QWidget()
    qtbot.addWidget(window)
    check.watch(window)
    registration.register(operator, TicketInput(caller_phone="13812345678", content="请问社保卡补办需要什么材料？",
                                                 category="consult"))
    answer["text"] = DAMAGE
    gate.set()
    qtbot.waitUntil(lambda: bool(said), timeout=5000)
    assert said[0].startswith(DAMAGE) and "停止保存" in said[0] and "记在纸上" in said[0]
    with pytest.raises(StorageError, match="已损坏") as refused:
        registration.register(operator, TicketInput(caller_phone="13812345678", content="请问公积金怎么提取？",
                                                     category="consult"))
    assert "停止保存" in refused.value.message
    # The writes outside the write frame stop too: the form's autosave, the tray's memory.
    drafts.save_draft(operator, "registration", '{"content": "又一次"}')
    assert drafts.load_draft(operator, "registration") is None
    raw_connection().execute("UPDATE deadline SET due_at = ?", (clock.stamp(clock.now() - dt.timedelta(hours=2)),))
    late = reminders.scan()
    assert late and all(r.notified_level < r.level for r in late)
    before = raw_connection().execute("SELECT total_changes()").fetchone()[0]
    reminders.mark_announced(late)
    assert raw_connection().execute("SELECT total_changes()").fetchone()[0] == before


def test_the_person_may_start_work_while_a_large_file_is_checked(qtbot, slow_check):
    def press_start_work() -> None:
        dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, QProgressDialog) and w.isVisible()]
        if not dialogs:
            QTimer.singleShot(100, press_start_work)
            return
        assert dialogs[0].labelText().startswith("正在检查数据库文件是否完好")
        button = dialogs[0].findChild(QPushButton)
        assert button.text() == "先开始工作（检查在后台继续）"
        button.setFocus()
        qtbot.keyClick(button, Qt.Key.Key_Space)

    QTimer.singleShot(0, press_start_work)
    check = DamageCheck()
    assert check.wait(30) is None and not check.done  # long before the 30 s were up
