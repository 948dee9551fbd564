"""``main.py visits queue|import-evaluations``: the tickets due for a return visit (回访), for a visitor's morning
list; the platform's 好差评 imported."""
from __future__ import annotations

import argparse
import dataclasses
import json

from pathlib import Path

from core.cli import DbOption, as_option, file_import, json_option, operations, print_report

COMMANDS = ("visits",)


def add_parsers(sub: argparse._SubParsersAction, db_option: DbOption) -> None:
    visits_sub = operations(sub, "visits", "回访：待回访的工单")
    due = visits_sub.add_parser("queue", help="列出待回访的工单（最久的在前），含回访时限")
    db_option(due)
    as_option(due, "以哪个账号查看（默认：第一个管理员；保密诉求人按该账号的权限显示）")
    json_option(due, "以 JSON 输出")
    file_import(visits_sub, db_option, "导入网络平台、短信、电话按键的好差评（.csv/.xlsx）；有任何一行无法导入则整个文件不导入",
                "评价文件（列：工单编号、评价渠道、评价结果、评价内容、评价时间）", name="import-evaluations")


def run(args: argparse.Namespace) -> int:
    from core import clock, store
    from core.center.acting import acting_user
    from core.visits import queue

    store.open_existing(args.db)
    if args.visits_command == "import-evaluations":
        from core.visits import evaluations

        report = evaluations.import_evaluations(acting_user(args.username, "导入好差评"), Path(args.file), args.dry_run)
        return print_report(report, args.json, [f"拒绝 第 {r.line} 行：{r.reason}" for r in report.rejected])
    due = queue.queue(acting_user(args.username, "查看待回访工单"), limit=100_000)
    if args.json:
        print(json.dumps([dataclasses.asdict(d) for d in due], ensure_ascii=False, indent=1))
        return 0
    if not due:
        print("没有待回访的工单。")
    for d in due:
        late = "（已超回访时限）" if d.overdue else ""
        tries = f"，已联系不上 {d.attempts} 次" if d.attempts else ""
        turn = f"，第 {d.round} 次回访" if d.round > 1 else ""
        print(f"{d.number}  {d.category}  {d.title}  {d.caller} {d.phone}  承办：{d.unit}  "
              f"回访时限 {clock.display(d.due_at)}{late}{turn}{tries}")
    return 0
