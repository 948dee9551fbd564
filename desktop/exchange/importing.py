"""数据交换 at the province: 导入批次 (files in, a readable report, the history) and
区县与回执 (each district's batches, gaps, conflicts; receipts out)."""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core.roles import Actor
from desktop import theme
from desktop.widgets.parts import GREEN, GREY, fill_table, hint_label, panel_shortcut, read_only_table, say
from desktop.widgets.forms import push_button
from desktop.errors import show_error
from desktop.exchange.exporting import exchange_folder, remember_folder
from desktop.progress import CANCELLED, DONE, one_at_a_time, run_cancellable, run_with_progress
from desktop.worker import LatestRead, Runner, refresh_on_changes
from sync import export, importer, overview, receipts
from sync.importer import OUTCOME_LABELS, OUTCOMES, number_ranges

OK_COLOR, BAD_COLOR, WARN_COLOR = "#2e7d32", "#c0392b", "#b26a00"


@dataclass
class ShownReport:
    """One file's report in the form the report pane reads, from a fresh import or the history."""

    title: str
    status: str  # imported / dry_run / repeat / rejected
    message: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    alarms: list[str] = field(default_factory=list)
    gaps: list[int] = field(default_factory=list)
    quarantine: str = ""
    rejections: list[overview.Problem] = field(default_factory=list)
    conflicts: list[overview.Problem] = field(default_factory=list)
    more_rejections: int = 0

    @classmethod
    def of_detail(cls, detail: overview.ImportDetail, status: str, gaps: list[int] | None = None) -> ShownReport:
        row = detail.row
        who = f"{row.district_name}（{row.district}）第 {row.sequence} 批" if row.district else ""
        return cls(f"{who} · {row.file_name}" if who else row.file_name, status, row.message, row.counts,
                   [a for a in row.alarm.split("\n") if a], gaps or [], row.quarantine, detail.rejections,
                   detail.conflicts, detail.more_rejections)

    @classmethod
    def of_report(cls, report: importer.ImportReport) -> ShownReport:
        """A dry run: nothing was stored, so everything comes from the report itself."""
        def problems(items: list[dict]) -> list[overview.Problem]:
            return [overview.Problem(i["label"], i["uid"], i["rev"], "", i["reason"] or "内容与省级已存的同一版本不同")
                    for i in items]

        who = f"{report.district_name}（{report.district}）第 {report.sequence} 批 · " if report.district else ""
        return cls(who + report.file, report.status, report.message, report.counts, report.alarms, report.gaps,
                   report.quarantine, problems(report.rejections), problems(report.conflicts),
                   max(0, report.counts.get("rejected", 0) - len(report.rejections)))

    def html(self) -> str:
        heads = {"imported": ("已导入", OK_COLOR), "dry_run": ("试导入完成：检查全部通过，但没有写入数据库", OK_COLOR),
                 "repeat": ("重复的文件：没有做任何更改", GREY), "rejected": ("已拒收：整个文件未导入，数据库没有任何改动", BAD_COLOR)}
        head, color = heads.get(self.status, (self.status, GREY))
        out = [f"<h3 style='color:{color};margin:0'>{escape(head)}</h3>", f"<p><b>{escape(self.title)}</b></p>"]
        if self.message:
            out.append(f"<p>{escape(self.message)}</p>")
        if self.status in ("imported", "dry_run"):
            received = sum(self.counts.values())
            cells = "".join(f"<td style='padding:2px 10px'>{escape(OUTCOME_LABELS[o])}<br><b>{self.counts.get(o, 0):,}</b></td>"
                            for o in OUTCOMES)
            out.append(f"<p>收到 <b>{received:,}</b> 条记录，各自的结果：</p><table border='1' cellspacing='0'>"
                       f"<tr>{cells}</tr></table>")
            out.append("<p style='color:#5f6b7a'>新增、更新：已写入。重复：同一版本已有。过时：已有更新的版本，未改动。"
                       "冲突：同一版本内容不同，已另存待查、原记录未改动。"
                       "拒收：内容不合规范（见原因），或引用了省级没有的、别的中心的记录，随回执告知区县。</p>")
        for alarm in self.alarms:
            out.append(f"<p style='color:{BAD_COLOR}'><b>警告：</b>{escape(alarm)}</p>")
        if self.gaps:
            out.append(f"<p style='color:{WARN_COLOR}'>该区县尚缺第 {escape(number_ranges(self.gaps))} 批"
                       "（之后的批次已包含其中未被确认的记录）。</p>")
        if self.quarantine:
            out.append(f"<p>原文件的副本已存入隔离区：{escape(self.quarantine)}</p>")
        for title, items, more in (("拒收的记录", self.rejections, self.more_rejections),
                                   ("冲突（另存待查）", self.conflicts, 0)):
            if not items:
                continue
            rows = "".join(f"<tr><td>{escape(p.kind)}</td><td>{escape(p.what or p.uid)}</td><td>{p.rev}</td>"
                           f"<td>{escape(p.reason)}</td></tr>" for p in items)
            extra = f"<p>另有 {more:,} 条未列出。</p>" if more else ""
            out.append(f"<h4>{title}</h4><table border='1' cellspacing='0' cellpadding='3'>"
                       f"<tr><th>类别</th><th>记录</th><th>版本</th><th>原因</th></tr>{rows}</table>{extra}")
        return "\n".join(out)


class ImportPanel(QWidget):
    """Choose batch files, check (dry run) or import them, read what became of each."""

    def __init__(self, actor: Actor, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        refresh_on_changes(self, runner, lambda c: c.exchange, self.refresh)
        self.actor = actor
        self.runner = runner
        self.import_button = push_button("选择批次文件并导入… (Ctrl+O)", self.choose_and_import, primary=True)
        self.import_button.setObjectName("importBatches")
        self.dry_run = QCheckBox("试导入（完整检查并算出结果，但不写入）")
        self.dry_run.setObjectName("dryRun")
        about = hint_label("导入前先检查整个文件：签名、加密、完整性、每条记录是否属于发送的区县。任何一项不通过，整个文件拒收、"
                       "数据库不变，副本存入隔离区。同一文件导入两次不会有任何改动。")
        self.result = QLabel()
        self.result.setObjectName("importResult")
        self.result.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(self.import_button)
        bar.addWidget(self.dry_run)
        bar.addWidget(self.result, 1)

        self.history = read_only_table(["导入时间", "区县", "批次", "结果", "收到", "新增", "更新", "重复", "过时", "冲突",
                                        "拒收", "文件", "操作人"], "importHistory")
        for col, width in enumerate((125, 170, 45, 70, 70, 60, 60, 60, 50, 45, 45, 300)):
            self.history.setColumnWidth(col, width)
        self.history.horizontalHeader().setStretchLastSection(True)
        self.history.itemSelectionChanged.connect(self._history_chosen)
        self.report = QTextBrowser()
        self.report.setObjectName("importReport")
        self.report.setOpenLinks(False)
        self.report.setPlaceholderText("导入后在这里显示报告；在上面的导入记录中选一行，可查看那一次的报告。")
        history_box = QGroupBox("导入记录（每个文件一行，拒收的也在内）")
        QVBoxLayout(history_box).addWidget(self.history)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(history_box)
        split.addWidget(self.report)
        split.setSizes([300, 340])

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(about)
        layout.addWidget(split, 1)
        panel_shortcut(self, "Ctrl+O", self.choose_and_import)
        panel_shortcut(self, "F5", self.refresh)
        self._rows: list[overview.ImportRow] = []
        self._history_read, self._detail_read = LatestRead(runner, self), LatestRead(runner, self)
        self.refresh()

    def refresh(self) -> None:
        self._history_read(lambda: overview.imports(self.actor), self._show_history, lambda exc: show_error(self, exc))

    def _show_history(self, rows: list[overview.ImportRow]) -> None:
        self._rows = rows
        self.history.blockSignals(True)
        def counts(r: overview.ImportRow) -> list[str]:
            if r.code != "imported":  # a repeat or a rejected file brought nothing in
                return [""] * (len(OUTCOMES) + 1)
            return [f"{n:,}" for n in (r.received, *(r.counts[o] for o in OUTCOMES))]

        fill_table(self.history, [
            (r.imported_at, r.district_name + (f"（{r.district}）" if r.district else ""), r.sequence or "", r.status,
             *counts(r), r.file_name, r.imported_by) for r in rows], right_aligned=(2, 4, 5, 6, 7, 8, 9, 10))
        for r, row in enumerate(rows):
            color = BAD_COLOR if not row.ok else (WARN_COLOR if row.alarm or row.counts["conflict"]
                                                  or row.counts["rejected"] else None)
            if color:
                self.history.item(r, 3).setForeground(theme.brush(color))
        self.history.blockSignals(False)

    def _history_chosen(self) -> None:
        row = self.history.currentRow()
        if not 0 <= row < len(self._rows):
            return
        chosen = self._rows[row]
        self._detail_read(lambda: overview.import_detail(self.actor, chosen.id),
                          lambda detail: self.report.setHtml(ShownReport.of_detail(detail, chosen.code).html()),
                          lambda exc: show_error(self, exc))

    @one_at_a_time
    def choose_and_import(self) -> None:
        names = QFileDialog.getOpenFileNames(self, "选择区县上报的批次文件", str(exchange_folder()),
                                             f"上报批次 (*{export.BATCH_SUFFIX});;所有文件 (*)")[0]
        if names:
            remember_folder(Path(names[0]).parent)
            self.import_files([Path(n) for n in names])

    def import_files(self, paths: list[Path]) -> list[ShownReport]:
        """Each file in turn, each in its own transaction; a cancel stops before the next one."""
        dry_run = self.dry_run.isChecked()
        actor = self.actor
        shown: list[ShownReport] = []
        for i, path in enumerate(paths, 1):
            def work(progress, cancelled, path=path):  # type: ignore[no-untyped-def]
                report = importer.import_batch(actor, path, dry_run=dry_run, progress=progress, cancelled=cancelled)
                if report.import_id is None:
                    return ShownReport.of_report(report)
                detail = overview.import_detail(actor, report.import_id)
                return ShownReport.of_detail(detail, report.status, report.gaps)

            title = f"正在{'试' if dry_run else ''}导入第 {i}/{len(paths)} 个文件：{path.name}"
            outcome, result = run_cancellable(self, title, work, self.runner)
            if outcome != DONE:  # a failure of this center (disk, rights) was shown; either way stop here
                earlier = f"之前的 {i - 1} 个文件已导入。" if i > 1 and not dry_run else ""
                what = "已取消" if outcome == CANCELLED else "导入中断"
                say(self.result, f"{what}：{path.name} 没有导入，数据库没有改动。{earlier}", GREY)
                break
            shown.append(result)
        if shown:
            self.report.setHtml("<hr>".join(s.html() for s in shown))
            bad = sum(s.status == "rejected" for s in shown)
            text = f"处理了 {len(shown)} 个文件" + (f"，其中 {bad} 个拒收" if bad else "") + "，报告见下方。"
            say(self.result, text, BAD_COLOR if bad else GREEN)
        self.refresh()
        return shown


class DistrictsPanel(QWidget):
    """Each district's batches, gaps and conflicts; a receipt to send back."""

    def __init__(self, actor: Actor, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        refresh_on_changes(self, runner, lambda c: c.exchange, self.refresh)
        self.actor = actor
        self.runner = runner
        self.table = read_only_table(["区县", "代码", "公钥", "已导入批次", "最新批次", "连续收到至", "缺少的批次", "最近导入",
                                      "已出回执", "回执覆盖至", "回执后新导入", "冲突", "编号冲突"], "districtStates")
        for col, width in enumerate((200, 60, 60, 80, 70, 80, 100, 125, 70, 80, 90, 50)):
            self.table.setColumnWidth(col, width)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._district_chosen)
        self.receipt_button = push_button("为选中的区县出具回执… (Ctrl+R)", self.export_receipt, primary=True)
        self.receipt_button.setObjectName("exportReceipt")
        about = hint_label("回执告诉区县：省级连续收到了哪一批、缺哪几批、每条记录的结果。区县导入回执后，已确认的记录不再重复上报，"
                       "其余随下一批重发。每次导入该区县的新批次后，都应出具一份回执。")
        self.result = QLabel()
        self.result.setObjectName("receiptResult")
        self.result.setWordWrap(True)
        self.conflicts = read_only_table(["区县", "类别", "记录", "版本", "来自文件", "导入时间"], "conflicts")
        for col, width in enumerate((180, 80, 200, 50, 330)):
            self.conflicts.setColumnWidth(col, width)
        self.conflicts.horizontalHeader().setStretchLastSection(True)
        self.conflicts_box = QGroupBox("冲突（同一版本内容不同，另存待查；已存的记录未改动。区县下次修改该记录即以新版本覆盖）")
        QVBoxLayout(self.conflicts_box).addWidget(self.conflicts)
        bar = QHBoxLayout()
        bar.addWidget(self.receipt_button)
        bar.addWidget(self.result, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(bar)
        layout.addWidget(about)
        layout.addWidget(self.conflicts_box, 1)
        panel_shortcut(self, "Ctrl+R", self.export_receipt)
        panel_shortcut(self, "F5", self.refresh)
        self._states: list[overview.DistrictState] = []
        self._states_read, self._conflicts_read = LatestRead(runner, self), LatestRead(runner, self)
        self.refresh()

    def refresh(self) -> None:
        self._states_read(lambda: overview.district_states(self.actor), self._show, lambda exc: show_error(self, exc))

    def _show(self, states: list[overview.DistrictState]) -> None:
        chosen = self._chosen()
        self._states = states
        self.table.blockSignals(True)
        fill_table(self.table, [
            (s.name, s.code, s.key, s.batches, s.highest or "", s.contiguous or "", number_ranges(s.gaps) or "无",
             s.last_import, s.receipts, s.receipt_covers or "", s.unreceipted, s.conflicts, s.number_clashes)
            for s in states], right_aligned=(3, 4, 5, 8, 9, 10, 11, 12))
        for r, s in enumerate(states):
            if s.gaps:
                self.table.item(r, 6).setForeground(theme.brush(WARN_COLOR))
            if s.unreceipted:
                self.table.item(r, 10).setForeground(theme.brush(WARN_COLOR))
            if s.conflicts:
                self.table.item(r, 11).setForeground(theme.brush(BAD_COLOR))
            if s.number_clashes:  # the district reissued numbers after a restore; the receipt tells it to renumber
                self.table.item(r, 12).setForeground(theme.brush(BAD_COLOR))
                self.table.item(r, 12).setToolTip("该区县有工单与其另一张工单编号相同（可能从备份恢复后重复使用了编号）；"
                                                  "出具回执即通知该区县改号")
            if s.key != "有效":
                self.table.item(r, 2).setForeground(theme.brush(BAD_COLOR))
            if chosen is not None and s.code == chosen.code:
                self.table.selectRow(r)
        self.table.blockSignals(False)
        self._district_chosen()

    def _chosen(self) -> overview.DistrictState | None:
        row = self.table.currentRow()
        return self._states[row] if 0 <= row < len(self._states) else None

    def _district_chosen(self) -> None:
        chosen = self._chosen()
        code = chosen.code if chosen else None
        self.receipt_button.setEnabled(chosen is not None and chosen.key == "有效")
        self.conflicts_box.setTitle(f"冲突 · {chosen.name}" if chosen else "冲突 · 全部区县")
        self._conflicts_read(lambda: overview.conflicts(self.actor, code), self._show_conflicts,
                             lambda exc: show_error(self, exc))

    def _show_conflicts(self, rows: list[overview.ConflictRow]) -> None:
        fill_table(self.conflicts, [(c.district_name, c.kind, c.what or c.uid, c.rev, c.file_name, c.imported_at)
                                    for c in rows], right_aligned=(3,))

    @one_at_a_time
    def export_receipt(self) -> None:
        chosen = self._chosen()
        if chosen is None or not self.receipt_button.isEnabled():
            say(self.result, "请先在表中选中一个公钥有效的区县。", theme.ERROR)
            return
        folder = QFileDialog.getExistingDirectory(self, f"{chosen.name}的回执保存到", str(exchange_folder()))
        if not folder:
            return
        remember_folder(Path(folder))
        actor, code = self.actor, chosen.code
        made = run_with_progress(self, f"正在为{chosen.name}出具回执…",
                                 lambda _p, _c: receipts.export_receipt(actor, code, Path(folder)), self.runner)
        if made is not None:
            say(self.result, made.summary() + f"\n文件：{made.path}", GREEN)
        self.refresh()
