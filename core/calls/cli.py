"""``main.py calls import|figures``: the phone system's call log (话务记录) and its answering figures."""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
from pathlib import Path

from core.cli import DbOption, as_option, file_import, json_option, operations, print_report

COMMANDS = ("calls",)


def add_parsers(sub: argparse._SubParsersAction, db_option: DbOption) -> None:
    calls_sub = operations(sub, "calls", "话务记录：导入电话系统导出的通话记录，统计接通率")
    file_import(calls_sub, db_option, "从 .csv/.xlsx 导入话务记录；有任何一行无法读取则整个文件不导入",
                "话务记录文件（列：呼入时间、主叫号码、是否接通、等待时长、通话时长、坐席）")
    fig = calls_sub.add_parser("figures", help="某段时间的接通率、15 秒接通率、等待时间、呼损")
    db_option(fig)
    fig.add_argument("--from", dest="date_from", required=True, metavar="DATE", help="开始日期（YYYY-MM-DD）")
    fig.add_argument("--to", dest="date_to", required=True, metavar="DATE", help="结束日期（含，YYYY-MM-DD）")
    as_option(fig, "以哪个账号查看（默认：第一个管理员）")
    json_option(fig, "以 JSON 输出")


def run(args: argparse.Namespace) -> int:
    from core import store
    from core.center.acting import acting_user

    store.open_existing(args.db)
    if args.calls_command == "import":
        from core.calls import log_import

        report = log_import.import_calls(acting_user(args.username, "导入话务记录"), Path(args.file), args.dry_run)
        return print_report(report, args.json, [f"拒绝 第 {r.line} 行：{r.reason}" for r in report.rejected])
    from core.calls import figures

    figs = figures.answering(acting_user(args.username, "查看话务统计"), _day(args.date_from, "开始"),
                             _day(args.date_to, "结束"))
    if args.json:
        print(json.dumps(dataclasses.asdict(figs), ensure_ascii=False, default=str))
        return 0
    print(f"{figs.date_from} 至 {figs.date_to}：呼入 {figs.offered}，接通 {figs.answered}，呼损 {figs.abandoned}")
    print(f"接通率 {figs.answer_rate.text()}（目标 ≥ 95%），15 秒接通率 {figs.within_15s.text()}")
    if figs.worst_24h is not None:
        print(f"连续 24 小时最低接通率 {figs.worst_24h.text()}（自 {figs.worst_24h_from} 起）")
    wait = "无数据" if figs.mean_wait is None else f"平均 {figs.mean_wait:.1f} 秒，90% 在 {figs.p90_wait} 秒内"
    print(f"等待时间：{wait}")
    return 0


def _day(text: str, which: str) -> dt.date:
    from core.errors import ValidationError

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError.single("date", f"{which}日期“{text}”不是日期，请写成 2026-11-01 这样。") from None
