"""数据交换 · 上报 (district): what waits for the province, export a batch, take a receipt in."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QFileDialog, QGroupBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core.roles import Actor, Permission
from desktop import settings
from desktop.widgets.parts import GREEN, GREY, fill_table, hint_label, panel_shortcut, read_only_table, say
from desktop.widgets.forms import push_button
from desktop.widgets.parts import documents_folder
from desktop.errors import show_error
from desktop.progress import CANCELLED, DONE, one_at_a_time, run_cancellable, run_with_progress
from desktop.worker import LatestRead, Runner, refresh_on_changes
from sync import export, keys, overview, receipts, records
from sync.importer import number_ranges

FOLDER_KEY = "exchange/folder"


def exchange_folder() -> Path:
    """Where the file dialogs of 数据交换 start: the last folder used (often the USB stick)."""
    saved = settings.get(FOLDER_KEY)
    return Path(saved) if saved and Path(saved).is_dir() else documents_folder()


def remember_folder(path: Path) -> None:
    settings.put(FOLDER_KEY, str(path))


class ExportPanel(QWidget):
    def __init__(self, actor: Actor, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        refresh_on_changes(self, runner, lambda c: c.tickets or c.kb or c.units or c.topics or c.exchange,
                           self.refresh)
        self.actor = actor
        self.runner = runner

        self.state = QLabel()
        self.state.setObjectName("exportState")
        self.state.setWordWrap(True)
        self.state.setTextFormat(Qt.TextFormat.RichText)
        self.pending = read_only_table(["记录类别", "条数"], "pendingCounts")
        self.pending.setColumnWidth(0, 150)
        self.pending.horizontalHeader().setStretchLastSection(True)
        self.send_kb = QCheckBox("同时上报知识库（省级需要时勾选）")
        self.send_kb.setObjectName("sendKb")
        self.send_kb.setEnabled(actor.can(Permission.SYNC_KEYS))
        if not actor.can(Permission.SYNC_KEYS):
            self.send_kb.setToolTip("由管理员设置")
        self.send_kb.toggled.connect(self._kb_toggled)
        self.export_button = push_button("导出上报批次… (Ctrl+E)", self.export_batch, primary=True)
        self.export_button.setObjectName("exportBatch")
        self.receipt_button = push_button("导入省级回执… (Ctrl+I)", self.import_receipt)
        self.receipt_button.setObjectName("importReceipt")
        self.result = QLabel()
        self.result.setObjectName("exportResult")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        about = hint_label("每个批次包含所有尚未被省级确认的记录：批次丢失或迟到都不会丢数据。导出的文件已签名并加密，"
                       "只有省级中心能打开。把文件交给省级后，导入省级发回的回执，已确认的记录就不再重复上报。")

        pending_box = QGroupBox("待上报（省级尚未确认）")
        pending_box.setFixedWidth(290)
        left = QVBoxLayout(pending_box)
        left.addWidget(self.pending, 1)
        left.addWidget(self.send_kb)

        self.batches = read_only_table(["批次", "状态", "记录数", "大小", "导出时间", "导出人", "省级已收到", "文件", "位置"],
                                       "batchesOut")
        for col, width in enumerate((45, 65, 75, 80, 125, 90, 80, 330)):
            self.batches.setColumnWidth(col, width)
        self.batches.horizontalHeader().setStretchLastSection(True)
        self.receipts = read_only_table(["回执", "省级已连续收到至", "缺少的批次", "确认记录", "未确认记录", "导入时间", "导入人"],
                                        "receiptsIn")
        for col, width in enumerate((45, 120, 120, 80, 90, 125)):
            self.receipts.setColumnWidth(col, width)
        self.receipts.horizontalHeader().setStretchLastSection(True)
        batches_box = QGroupBox("已导出的批次")
        QVBoxLayout(batches_box).addWidget(self.batches)
        receipts_box = QGroupBox("已导入的省级回执")
        QVBoxLayout(receipts_box).addWidget(self.receipts)

        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.receipt_button)
        buttons.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.state)
        right.addWidget(about)
        right.addLayout(buttons)
        right.addWidget(self.result)
        right.addWidget(batches_box, 3)
        right.addWidget(receipts_box, 2)
        layout = QHBoxLayout(self)
        layout.addWidget(pending_box)
        layout.addLayout(right, 1)

        self._reads = LatestRead(runner, self)
        panel_shortcut(self, "Ctrl+E", self.export_batch)
        panel_shortcut(self, "Ctrl+I", self.import_receipt)
        panel_shortcut(self, "F5", self.refresh)
        self.refresh()

    # Reads ------------------------------------------------------------------

    def refresh(self) -> None:
        actor = self.actor

        def read():  # type: ignore[no-untyped-def]
            own, peers = keys.list_keys()
            return (export.pending_counts(), export.sends_kb(), own, peers,
                    overview.batches_out(actor), overview.receipts_in(actor))

        self._reads(read, self._show, lambda exc: show_error(self, exc))

    def _show(self, data) -> None:  # type: ignore[no-untyped-def]
        pending, kb, own, peers, batches, receipts_in = data
        rows = [(records.LABELS[k], f"{n:,}") for k, n in pending.items()]
        rows.append(("合计", f"{sum(pending.values()):,}"))
        fill_table(self.pending, rows, right_aligned=(1,))
        for col in range(2):
            item = self.pending.item(len(rows) - 1, col)
            font = item.font()
            font.setBold(True)
            item.setFont(font)
        self.send_kb.blockSignals(True)
        self.send_kb.setChecked(kb)
        self.send_kb.blockSignals(False)
        self.state.setText(self._state_text(own, peers))
        self.export_button.setEnabled(bool(self._current(own)) and any(p.state == "有效" for p in peers))
        fill_table(self.batches, [
            (b.sequence, b.status, f"{b.record_count:,}", _size(b.size), b.exported_at, b.exported_by,
             "✓ 已确认" if b.received else "", b.file_name, b.folder) for b in batches], right_aligned=(0, 2, 3))
        fill_table(self.receipts, [
            (r.sequence, f"第 {r.contiguous} 批", number_ranges(r.missing) or "无", f"{r.acknowledged:,}",
             f"{r.not_acknowledged:,}", r.imported_at, r.imported_by) for r in receipts_in], right_aligned=(0, 3, 4))

    @staticmethod
    def _current(own: list[keys.KeyInfo]) -> keys.KeyInfo | None:
        return next((k for k in own if k.state == "当前"), None)

    def _state_text(self, own: list[keys.KeyInfo], peers: list[keys.KeyInfo]) -> str:
        province = [p for p in peers if p.state == "有效"]
        lines = []
        if self._current(own) is None:
            lines.append("<span style='color:#c0392b'>本中心还没有上报密钥：请管理员在“密钥”页生成。</span>")
        if not province:
            lines.append("<span style='color:#c0392b'>还没有登记省级中心的公钥：请管理员在“密钥”页登记省级中心交来的公钥文件，"
                         "并与省级中心核对指纹。</span>")
        else:
            p = province[-1]
            lines.append(f"上报到：<b>{p.center_name}</b>（{p.center_code}），公钥已登记。")
        return "<br>".join(lines)

    # Writes -----------------------------------------------------------------

    def _kb_toggled(self, on: bool) -> None:
        self.runner.write(lambda: export.set_sends_kb(self.actor, on), lambda _r: self.refresh(),
                          lambda exc: (show_error(self, exc), self.refresh()), owner=self)

    @one_at_a_time
    def export_batch(self) -> None:
        if not self.export_button.isEnabled():
            return
        chosen = QFileDialog.getExistingDirectory(self, "上报批次保存到（如 U 盘）", str(exchange_folder()))
        if not chosen:
            return
        folder = Path(chosen)
        remember_folder(folder)
        actor = self.actor
        outcome, made = run_cancellable(
            self, "正在导出上报批次…", lambda progress, cancelled: export.export_batch(actor, folder, progress, cancelled),
            self.runner)
        if outcome == DONE:
            say(self.result, made.summary() + f"\n文件：{made.path}", GREEN)
        elif outcome == CANCELLED:
            say(self.result, "已取消导出：没有生成文件，记录仍待上报。", GREY)
        self.refresh()

    @one_at_a_time
    def import_receipt(self) -> None:
        name = QFileDialog.getOpenFileName(self, "导入省级回执", str(exchange_folder()),
                                           f"省级回执 (*{receipts.RECEIPT_SUFFIX});;所有文件 (*)")[0]
        if not name:
            return
        path = Path(name)
        remember_folder(path.parent)
        actor = self.actor
        applied = run_with_progress(self, "正在导入省级回执…", lambda _p, _c: receipts.import_receipt(actor, path),
                                    self.runner)
        if applied is not None:
            say(self.result, applied.summary(), GREEN)
        self.refresh()


def _size(n: int) -> str:
    if n >= 1024 ** 2:
        return f"{n / 1024 ** 2:.1f} MB"
    return f"{n / 1024:.1f} KB" if n else ""

