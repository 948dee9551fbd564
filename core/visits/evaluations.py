"""好差评 imported: the callers' own evaluations from the phone's keypad, the web platform and SMS
(12345 5.3.3–5.3.4), as the platform exports them (CSV or .xlsx: ticket number, channel, level,
comment, time).

All or nothing with a report row by row: an unknown ticket, a level or channel the program cannot
tell, a time that cannot be or is in the future, a second evaluation of a ticket by one channel that
says otherwise ("可进行 1 次评价") — each names its row, and nothing is taken until all are right.
The same evaluation offered again is passed over (unchanged), so a re-export re-imports cleanly.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import clock, limits, tabular
from core.errors import HotlineError
from core.roles import Actor, Permission
from core.service import local_origin, write
from core.vocab import SATISFACTION_LEVELS, EvaluationChannel, Satisfaction
from db.models import Evaluation, Ticket

COLUMNS: tabular.Columns = {
    "number": ("工单编号", "工单号", "受理编号", "编号", "ticket", "ticket_no"),
    "channel": ("评价渠道", "渠道", "来源", "channel"),
    "level": ("评价结果", "满意度", "评价等级", "评价", "level", "satisfaction"),
    "comment": ("评价内容", "评价意见", "差评原因", "意见", "comment"),
    "at": ("评价时间", "时间", "time", "evaluated_at"),
}
CHANNEL_WORDS = {"按键": "keypad", "电话": "keypad", "网站": "web", "网络": "web", "网上": "web", "平台": "web",
                 "app": "web", "微信": "web", "短信": "sms", "sms": "sms", "web": "web", "keypad": "keypad"}
LEVEL_WORDS = {m.label: m.value for m in Satisfaction} | {str(n): code for code, n in SATISFACTION_LEVELS.items()} | {
    m.value: m.value for m in Satisfaction}
FUTURE_SLACK = dt.timedelta(minutes=5)


class EvaluationFileError(HotlineError):
    title = "无法导入评价"


@dataclass(frozen=True)
class RejectedEvaluation:
    line: int
    reason: str


@dataclass
class EvaluationReport:
    file_name: str
    dry_run: bool = False
    added: int = 0
    unchanged: int = 0
    rejected: list[RejectedEvaluation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected and bool(self.added + self.unchanged)

    def summary(self) -> str:
        if self.rejected:
            return f"“{self.file_name}”有 {len(self.rejected)} 行无法导入，整个文件未导入。"
        verb = "可导入" if self.dry_run else "已导入"
        return f"“{self.file_name}”：{verb}评价 {self.added} 条，已有而未变 {self.unchanged} 条。"

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "summary": self.summary(), **dataclasses.asdict(self)}


class _Refused(Exception):
    pass


def _word(value: Any, words: dict[str, str]) -> str | None:
    text = unicodedata.normalize("NFKC", tabular.cell_text(value)).strip().casefold()
    if text in words:
        return words[text]
    return next((code for word, code in words.items() if len(word) > 1 and word in text), None)


def import_evaluations(actor: Actor, path: Path, dry_run: bool = False) -> EvaluationReport:
    path = Path(path)
    report = EvaluationReport(path.name, dry_run)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        raise EvaluationFileError(f"“{path.name}”不是可导入的评价文件，只能导入 .csv 或 .xlsx 文件。")
    try:
        sheet = (tabular.read_csv if suffix == ".csv" else tabular.read_xlsx)(path, COLUMNS, "number")
    except tabular.MissingHeader as exc:
        shown = "、".join(exc.headers[:20]) or "（前 10 行都是空的）"
        raise EvaluationFileError(f"“{path.name}”中找不到工单编号列（如“工单编号”）。找到的表头：{shown}。") from None
    except tabular.TableError as exc:
        raise EvaluationFileError(exc.message) from None
    missing = [label for key, label in (("level", "评价结果"), ("channel", "评价渠道"), ("at", "评价时间"))
               if key not in sheet.columns]
    if missing:
        raise EvaluationFileError(f"“{path.name}”缺少{'、'.join(missing)}列，请补上后再导入。")
    now = clock.now()
    try:
        with write(actor, Permission.VISIT_MANAGE, "visit.import_evaluations", "evaluation") as tx:
            seen: set[tuple[int, str]] = set()
            for line, cells in sheet.rows:
                if not any(tabular.cell_text(c).strip() for c in cells):
                    continue
                why = _take(cells, sheet, now, seen, report)
                if why:
                    report.rejected.append(RejectedEvaluation(line, why))
            tx.detail = {"file": path.name, "added": report.added, "unchanged": report.unchanged}
            if report.rejected or dry_run or not (report.added + report.unchanged):
                raise _Refused
    except _Refused:
        pass
    return report


def _take(cells: list[Any], sheet: tabular.Sheet, now: dt.datetime, seen: set[tuple[int, str]],
          report: EvaluationReport) -> str | None:
    """Store one row's evaluation (inside the import's transaction), or say why it cannot be."""
    def cell(key: str) -> Any:
        i = sheet.columns.get(key)
        return cells[i] if i is not None and i < len(cells) else None

    number = tabular.clean_line(cell("number"))
    ticket = Ticket.get_or_none(Ticket.number == number) if number else None
    if ticket is None:
        return f"找不到工单“{number[:30]}”" if number else "没有工单编号"
    channel = _word(cell("channel"), CHANNEL_WORDS)
    if channel is None:
        return f"评价渠道“{tabular.cell_text(cell('channel'))[:30]}”无法识别（电话按键、网络平台、短信）"
    level = _word(cell("level"), LEVEL_WORDS)
    if level is None:
        return f"评价结果“{tabular.cell_text(cell('level'))[:30]}”不是五级满意度之一（非常满意……非常不满意，或 5 至 1）"
    moment = tabular.parse_time(cell("at"), sheet.epoch)
    if moment is None or moment > now + FUTURE_SLACK or moment.year < 2000:
        return f"评价时间“{tabular.cell_text(cell('at'))[:30]}”不是可能的日期时间"
    comment = tabular.clean_text(cell("comment"))
    if len(comment) > limits.NOTE:
        return f"评价内容有 {len(comment)} 个字，超过上限 {limits.NOTE} 个字"
    if (ticket.id, channel) in seen:
        return f"同一文件中工单 {number} 的{EvaluationChannel.label_of(channel)}出现了两次"
    seen.add((ticket.id, channel))
    stamp = clock.stamp(moment)
    held = Evaluation.get_or_none((Evaluation.ticket == ticket.id) & (Evaluation.channel == channel))
    if held is not None:
        if (held.satisfaction, held.comment, held.evaluated_at) == (level, comment, stamp):
            report.unchanged += 1
            return None
        return (f"工单 {number} 已有{EvaluationChannel.label_of(channel)}（{Satisfaction.label_of(held.satisfaction)}），"
                "每次服务只能评价一次（12345 5.3.3）")
    Evaluation.create(uid=str(uuid.uuid4()), origin=local_origin(), ticket=ticket.id, channel=channel,
                      satisfaction=level, comment=comment, evaluated_at=stamp)
    report.added += 1
    return None
