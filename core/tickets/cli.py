"""``main.py import-tickets``: a center's old ledger (台账) brought in as tickets."""
from __future__ import annotations

import argparse
from pathlib import Path

from core.cli import DbOption, as_option, json_option, print_report

COMMANDS = ("import-tickets",)


def add_parsers(sub: argparse._SubParsersAction, db_option: DbOption) -> None:
    imp = sub.add_parser("import-tickets", help="从 Excel/CSV 台账导入历史工单；重复导入不会产生重复工单")
    db_option(imp)
    imp.add_argument("file", metavar="FILE", help=".xlsx 或 .csv 台账文件")
    as_option(imp)
    json_option(imp)


def run(args: argparse.Namespace) -> int:
    from core import store
    from core.tickets import ledger_import

    store.open_existing(args.db)
    report = ledger_import.import_ledger(Path(args.file), username=args.username)
    return print_report(report, args.json, [f"第 {p.row} 行：{p.reason}" for p in report.rejected])
