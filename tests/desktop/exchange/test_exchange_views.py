"""数据交换 and the provincial mode, driven through the real screens (issue 6).

A small demo district and a fresh province have exchanged keys (tests/sync/exchange.py);
each test copies them, opens one center at a time, and works its screens with the keyboard.
File dialogs are the only thing answered for the person.
"""
from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMessageBox

from core import store
from core.center import profile as center
from core.center.acting import acting_user
from desktop import progress
from desktop.exchange.view import ExchangeView
from desktop.exchange.keys import RegisterKeyDialog
from desktop.main_window import MainWindow
from desktop.worker import Runner
from sync import export, keys
from tests.sync.exchange import DISTRICT, Pair, at, fast_hashing, make_pair, register, row_counts

TICKETS = 12


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Pair:
    with pytest.MonkeyPatch.context() as patch:
        fast_hashing(patch)
        return make_pair(tmp_path_factory.mktemp("exchange"), TICKETS)


@pytest.fixture
def pair(prepared, tmp_path, monkeypatch) -> Pair:
    fast_hashing(monkeypatch)
    copy = prepared.copy(tmp_path / "centers")
    for public in prepared.folder.glob("*.pubkey.json"):
        shutil.copy(public, copy.folder)
    (copy.folder / "usb").mkdir()
    return copy


@pytest.fixture(autouse=True)
def no_message_boxes(monkeypatch):
    """A message box would wait for a click that never comes: record it and fail instead."""
    shown: list[str] = []

    def record(box) -> int:
        shown.append(f"{box.windowTitle()}：{box.text()}")
        raise AssertionError(f"unexpected message box: {shown[-1]}")

    monkeypatch.setattr(QMessageBox, "exec", record)
    return shown


@contextlib.contextmanager
def screen(qtbot, path: Path, province: bool):
    """The 数据交换 area of one center, as its admin; closed and its threads finished after."""
    store.open_center(path)
    runner = Runner()
    try:
        view = ExchangeView(acting_user(None, "测试"), runner, province)
        qtbot.addWidget(view)
        view.resize(1300, 800)
        view.show()
        view.activateWindow()
        qtbot.waitActive(view)
        yield view
    finally:
        runner.wait()
        store.close_center()


def _answer_folder(monkeypatch, folder: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(folder))


def _answer_files(monkeypatch, *paths: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(p) for p in paths], ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(paths[0]), ""))


def _press(qtbot, inside, key) -> None:
    """Ctrl+key with the focus inside the tab's panel, as when someone works in it."""
    inside.setFocus()
    qtbot.waitUntil(inside.hasFocus)
    qtbot.keyClick(inside, key, Qt.KeyboardModifier.ControlModifier)


def _cell(table, row: int, col: int) -> str:
    item = table.item(row, col)
    return item.text() if item else ""


def _export(qtbot, monkeypatch, pair: Pair) -> Path:
    usb = pair.folder / "usb"
    with screen(qtbot, pair.district, province=False) as view:
        panel = view.export_panel
        qtbot.waitUntil(lambda: panel.export_button.isEnabled() and panel.pending.rowCount() > 0)
        _answer_folder(monkeypatch, usb)
        _press(qtbot, panel.batches, Qt.Key.Key_E)
        assert "已导出第" in panel.result.text()
        qtbot.waitUntil(lambda: panel.batches.rowCount() == len(list(usb.glob("*.hdsync"))))
    return sorted(usb.glob("*.hdsync"))[-1]


def test_a_whole_exchange_through_the_screens(qtbot, monkeypatch, pair):
    batch = _export(qtbot, monkeypatch, pair)
    assert batch.name.startswith(f"上报批次_{DISTRICT}_第000001批")

    with screen(qtbot, pair.province, province=True) as view:
        panel = view.import_panel
        _answer_files(monkeypatch, batch)
        _press(qtbot, panel.history, Qt.Key.Key_O)
        html = panel.report.toPlainText()
        assert "已导入" in html and "南京市玄武区" in html and "新增" in html
        qtbot.waitUntil(lambda: panel.history.rowCount() == 1)
        assert _cell(panel.history, 0, 3) == "已导入" and _cell(panel.history, 0, 2) == "1"
        imported_tickets = row_counts()["ticket"]
        assert imported_tickets == TICKETS

        view.setCurrentWidget(view.districts_panel)
        districts = view.districts_panel
        qtbot.waitUntil(lambda: _cell(districts.table, 0, 3) == "1")  # refreshed as the tab opens
        assert [_cell(districts.table, 0, c) for c in (1, 2, 3, 5)] == [DISTRICT, "有效", "1", "1"]
        districts.table.selectRow(0)
        qtbot.waitUntil(districts.receipt_button.isEnabled)
        _answer_folder(monkeypatch, pair.folder / "usb")
        _press(qtbot, districts.table, Qt.Key.Key_R)
        assert "回执" in districts.result.text()
        qtbot.waitUntil(lambda: _cell(districts.table, 0, 8) == "1")
    receipt = next((pair.folder / "usb").glob("*.hdreceipt"))

    with screen(qtbot, pair.district, province=False) as view:
        panel = view.export_panel
        qtbot.waitUntil(lambda: panel.batches.rowCount() == 1)
        assert _cell(panel.batches, 0, 6) == ""  # not acknowledged before the receipt
        _answer_files(monkeypatch, receipt)
        _press(qtbot, panel.batches, Qt.Key.Key_I)
        assert "确认收到" in panel.result.text()
        qtbot.waitUntil(lambda: _cell(panel.batches, 0, 6) == "✓ 已确认")
        qtbot.waitUntil(lambda: panel.receipts.rowCount() == 1)
        assert _cell(panel.pending, panel.pending.rowCount() - 1, 1) == "0"  # nothing waits any more


def test_a_dry_run_shows_the_report_and_stores_nothing(qtbot, monkeypatch, pair):
    batch = _export(qtbot, monkeypatch, pair)
    with screen(qtbot, pair.province, province=True) as view:
        panel = view.import_panel
        before = row_counts()
        panel.dry_run.setFocus()
        qtbot.keyClick(panel.dry_run, Qt.Key.Key_Space)
        assert panel.dry_run.isChecked()
        shown = panel.import_files([batch])
        assert [s.status for s in shown] == ["dry_run"]
        assert "试导入完成" in panel.report.toPlainText()
        assert row_counts() == before
        qtbot.waitUntil(lambda: not view.import_panel.runner.busy)
        assert panel.history.rowCount() == 0


def test_a_damaged_file_is_rejected_with_its_reason_and_listed_in_red(qtbot, monkeypatch, pair):
    bad = pair.folder / "usb" / "坏文件.hdsync"
    bad.write_bytes(b"PK\x03\x04 not a batch")
    with screen(qtbot, pair.province, province=True) as view:
        panel = view.import_panel
        before = row_counts()
        shown = panel.import_files([bad])
        assert shown[0].status == "rejected"
        text = panel.report.toPlainText()
        assert "已拒收" in text and "ZIP" in text and "隔离区" in text
        assert "1 个拒收" in panel.result.text()
        assert row_counts() == before
        qtbot.waitUntil(lambda: panel.history.rowCount() == 1)
        assert _cell(panel.history, 0, 3) == "已拒收"
        assert panel.history.item(0, 3).foreground().color().name() == "#c0392b"
        assert _cell(panel.history, 0, 4) == ""  # a rejected file brought nothing in
        panel.history.selectRow(0)  # the stored report comes back from the history
        qtbot.waitUntil(lambda: "ZIP" in panel.report.toPlainText())


def test_cancelling_an_import_changes_nothing_and_says_so(qtbot, monkeypatch, pair):
    batch = _export(qtbot, monkeypatch, pair)
    started = progress._Job.__init__

    def cancelled_at_once(self, work):  # the person presses 取消 before the first record is checked
        started(self, work)
        self.cancel.set()

    monkeypatch.setattr(progress._Job, "__init__", cancelled_at_once)
    with screen(qtbot, pair.province, province=True) as view:
        panel = view.import_panel
        before = row_counts()
        assert panel.import_files([batch]) == []
        assert "已取消" in panel.result.text() and "没有改动" in panel.result.text()
        assert row_counts() == before


def test_keys_are_made_shown_and_registered_only_after_the_fingerprint_check(qtbot, monkeypatch, tmp_path):
    from tests.sync.exchange import make_province

    fast_hashing(monkeypatch)
    province_db = tmp_path / "p.db"
    make_province(province_db)
    with screen(qtbot, province_db, province=True) as view:
        panel = view.keys_panel
        view.setCurrentWidget(panel)
        qtbot.waitUntil(lambda: "还没有上报密钥" in panel.own_who.text())
        assert panel.init_button.isVisible()
        assert not panel.export_button.isEnabled()
        panel.init_button.setFocus()
        qtbot.keyClick(panel.init_button, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: panel.own_fingerprint.text() != "")
        (own,), _ = keys.list_keys()
        assert panel.own_fingerprint.text().split() == own.fingerprint.split()
        assert panel.own_fingerprint.text().count("\n") == 2  # three lines of four groups, as read aloud
        assert not panel.init_button.isVisible() and panel.export_button.isEnabled()
        public = tmp_path / "p.pubkey.json"
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(public), ""))
        qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(public.exists)
        assert keys.read_public(public).fingerprint == own.fingerprint


def test_the_register_dialog_wants_the_check_and_refuses_a_wrong_fingerprint(qtbot, monkeypatch, pair):
    with at(pair.district):
        key = keys.read_public(pair.folder / "province.pubkey.json")
    dialog = RegisterKeyDialog(key)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.ok.isEnabled()  # nothing registers before someone says the digits match
    dialog.confirmed.setFocus()
    qtbot.keyClick(dialog.confirmed, Qt.Key.Key_Space)
    assert dialog.ok.isEnabled()
    wrong = key.fingerprint[:-1] + ("1" if key.fingerprint[-1] != "1" else "2")
    qtbot.keyClicks(dialog.typed, wrong)
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "不一致" in dialog.error.text() and dialog.typed.text() == wrong  # what was typed stays
    dialog.typed.clear()
    qtbot.keyClicks(dialog.typed, key.fingerprint.replace(" ", ""))  # typed without spaces is the same number
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_the_province_registers_a_districts_key_from_the_keys_tab(qtbot, monkeypatch, tmp_path, pair):
    from tests.sync.exchange import make_province

    other = tmp_path / "other.db"
    make_province(other)
    with at(other) as actor:
        keys.init_keys(actor)
    monkeypatch.setattr(RegisterKeyDialog, "exec", lambda self: (self.confirmed.setChecked(True), self._accept(),
                                                                 self.result())[-1])
    _answer_files(monkeypatch, pair.folder / "district.pubkey.json")
    with screen(qtbot, other, province=True) as view:
        panel = view.keys_panel
        view.setCurrentWidget(panel)
        qtbot.waitUntil(lambda: panel.register_button.isEnabled())
        qtbot.mouseClick(panel.register_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: panel.peers.rowCount() == 1)
        assert "已登记" in panel.result.text()
        assert _cell(panel.peers, 0, 1) == DISTRICT and _cell(panel.peers, 0, 5) == "有效"


def test_export_is_offered_only_once_the_provinces_key_is_registered(qtbot, tmp_path, monkeypatch):
    from demo import fill as demo

    fast_hashing(monkeypatch)
    path = tmp_path / "d.db"
    store.open_center(path)
    try:
        demo.fill_demo(3, seed=1)
    finally:
        store.close_center()
    with screen(qtbot, path, province=False) as view:
        panel = view.export_panel
        qtbot.waitUntil(lambda: "还没有登记省级中心的公钥" in panel.state.text())
        assert "还没有上报密钥" in panel.state.text()
        assert not panel.export_button.isEnabled()


def _province_window(qtbot, pair: Pair) -> MainWindow:
    store.open_center(pair.province)
    actor = acting_user(None, "测试")
    win = MainWindow(actor, center.current_center(), pair.province)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_the_province_reads_districts_tickets_and_figures_and_handles_nothing(qtbot, monkeypatch, pair):
    batch = _export(qtbot, monkeypatch, pair)
    with at(pair.province) as actor:
        from sync import importer

        assert importer.import_batch(actor, batch).status == "imported"
    win = _province_window(qtbot, pair)
    try:
        assert list(win.areas) == ["工单查询", "知识库", "统计分析", "数据交换", "系统管理"]
        win.show_area("系统管理")
        tabs = win.areas["系统管理"]
        assert [tabs.tabText(i) for i in range(tabs.count())] == ["账号"]

        win.show_area("工单查询")
        tickets = win.ticket_list
        qtbot.waitUntil(lambda: tickets.model.rowCount() == TICKETS)
        assert tickets.model.headerData(1, Qt.Orientation.Horizontal) == "区县"
        assert tickets.model.index(0, 1).data() == "南京市玄武区"
        qtbot.waitUntil(lambda: tickets.district.count() == 2)
        assert tickets.district.itemData(1) == DISTRICT
        tickets.district.setCurrentIndex(1)
        tickets.apply()
        qtbot.waitUntil(lambda: tickets.count_label.text().startswith(f"共 {TICKETS} 张"))

        win.show_area("统计分析")
        stats = win.areas["统计分析"]
        stats.date_from.setDate(stats.date_from.minimumDate().addYears(100))  # 1852: everything
        stats.refresh()
        qtbot.waitUntil(lambda: stats.table.rowCount() == 2 and stats.table.item(0, 0) is not None
                        and stats.table.item(0, 1).text() == DISTRICT, timeout=10_000)
        assert stats.table.item(0, 2).text() == str(TICKETS)
        assert stats.table.item(1, 0).text() == "合计" and stats.table.item(1, 2).text() == str(TICKETS)
    finally:
        win.close()
        win.runner.wait()
        store.close_center()


def test_the_province_shows_a_number_a_restored_district_reissued(qtbot, monkeypatch, pair, tmp_path):
    """Issue 15 §3: the 区县与回执 overview and the ticket list mark the clash until the district renumbers."""
    from sync import importer

    backup = tmp_path / "backup.db"
    shutil.copy(pair.district, backup)
    _uid, number = register(pair.district, "燃气泄漏")
    first = Path(shutil.move(_export(qtbot, monkeypatch, pair), tmp_path))  # carried to the province
    shutil.copy(backup, pair.district)  # restored: the number is handed out again
    assert register(pair.district, "路灯不亮")[1] == number
    second = _export(qtbot, monkeypatch, pair)
    with at(pair.province) as actor:
        for batch in (first, second):
            assert importer.import_batch(actor, batch).counts["rejected"] == 0

    with screen(qtbot, pair.province, province=True) as view:
        view.setCurrentWidget(view.districts_panel)
        districts = view.districts_panel
        assert districts.table.horizontalHeaderItem(12).text() == "编号冲突"
        qtbot.waitUntil(lambda: _cell(districts.table, 0, 12) == "1")
        assert "改号" in districts.table.item(0, 12).toolTip()
    win = _province_window(qtbot, pair)
    try:
        win.show_area("工单查询")
        tickets = win.ticket_list
        tickets.text.setFocus()
        qtbot.keyClicks(tickets.text, number)
        qtbot.keyClick(tickets.text, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: tickets.model.rowCount() == 2)
        shown = sorted(tickets.model.index(r, 0).data() for r in range(2))
        assert shown == [number, f"{number}（编号冲突）"]
    finally:
        win.close()
        win.runner.wait()
        store.close_center()


def test_a_batch_imported_is_listed_back_in_the_ticket_list_without_pressing_query(qtbot, monkeypatch, pair):
    """The province opens on 工单查询 (empty), imports in 数据交换, comes back: the tickets are there."""
    batch = _export(qtbot, monkeypatch, pair)
    win = _province_window(qtbot, pair)
    try:
        tickets = win.ticket_list
        assert win.stack.currentWidget() is tickets
        qtbot.waitUntil(lambda: tickets.count_label.text().startswith("共 0 张"), timeout=5000)
        win.show_area("数据交换")
        panel = win.areas["数据交换"].import_panel
        _answer_files(monkeypatch, batch)
        _press(qtbot, panel.history, Qt.Key.Key_O)
        assert "已导入" in panel.report.toPlainText()
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
        assert win.stack.currentWidget() is tickets
        qtbot.waitUntil(lambda: tickets.model.rowCount() == TICKETS, timeout=5000)
        qtbot.waitUntil(lambda: tickets.count_label.text().startswith(f"共 {TICKETS} 张"), timeout=5000)
    finally:
        win.close()
        win.runner.wait()
        store.close_center()


def test_setup_as_a_province_lists_provinces_and_makes_the_keys(qtbot, db_path, monkeypatch):
    from desktop.setup_dialog import SetupDialog

    fast_hashing(monkeypatch)
    store.open_center(db_path)
    try:
        dialog = SetupDialog(Runner())
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.level.setCurrentIndex(dialog.level.findData("province"))
        assert dialog.region_label.text() == "所在省份："
        labels = [dialog.region.itemText(i) for i in range(dialog.region.count())]
        assert "江苏省" in labels and not any("玄武区" in t for t in labels)
        dialog.region.setFocus()
        qtbot.keyClicks(dialog.region, "jss")
        qtbot.keyClick(dialog.region.completer().popup(), Qt.Key.Key_Tab)
        assert dialog.code.text() == "320000"
        dialog.admin_name.setText("省级管理员")  # Chinese comes from the input method, not from key clicks
        for edit in (dialog.password, dialog.password2):
            qtbot.keyClicks(edit, "long-enough-1")
        qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
        assert dialog.result() == QDialog.DialogCode.Accepted
        assert center.current_center().is_province
        assert keys.current_key() is not None  # the key pair is made at setup
        with pytest.raises(Exception):
            export.pending_counts()  # a province does not export batches
    finally:
        store.close_center()


def test_cancelling_an_export_leaves_no_file_and_the_number_free(qtbot, monkeypatch, pair):
    started = progress._Job.__init__

    def cancelled_at_once(self, work):
        started(self, work)
        self.cancel.set()

    monkeypatch.setattr(progress._Job, "__init__", cancelled_at_once)
    usb = pair.folder / "usb"
    with screen(qtbot, pair.district, province=False) as view:
        panel = view.export_panel
        qtbot.waitUntil(lambda: panel.export_button.isEnabled())
        _answer_folder(monkeypatch, usb)
        _press(qtbot, panel.batches, Qt.Key.Key_E)
        assert "已取消导出" in panel.result.text()
        assert list(usb.iterdir()) == []
    monkeypatch.setattr(progress._Job, "__init__", started)
    assert _export(qtbot, monkeypatch, pair).name.startswith(f"上报批次_{DISTRICT}_第000001批")  # number 1 unused


def test_a_second_press_while_an_export_runs_does_nothing(qtbot, monkeypatch, pair):
    usb = pair.folder / "usb"
    with screen(qtbot, pair.district, province=False) as view:
        panel = view.export_panel
        qtbot.waitUntil(lambda: panel.export_button.isEnabled())
        asked = []

        def choose_folder(*_a, **_k):  # Ctrl+E pressed again while the first is choosing its folder
            asked.append(1)
            qtbot.keyClick(panel.batches, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
            return str(usb)

        monkeypatch.setattr(QFileDialog, "getExistingDirectory", choose_folder)
        _press(qtbot, panel.batches, Qt.Key.Key_E)
        assert asked == [1] and len(list(usb.glob("*.hdsync"))) == 1
        assert "已导出第 1 批" in panel.result.text()
