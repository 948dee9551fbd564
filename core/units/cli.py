"""``main.py units import|export``: the handling-unit tree (承办单位) as Excel or CSV."""
from __future__ import annotations

import argparse
from pathlib import Path

from core.cli import DbOption, as_option, file_import, operations, print_report

COMMANDS = ("units",)


def add_parsers(sub: argparse._SubParsersAction, db_option: DbOption) -> None:
    units_sub = operations(sub, "units", "承办单位：从 Excel/CSV 导入、导出")
    file_import(units_sub, db_option, "从 .xlsx/.csv 导入承办单位；有任何一行被拒绝则整批不导入",
                "单位文件（列：单位名称、上级单位、单位类别……）")
    exp = units_sub.add_parser("export", help="导出全部承办单位（与导入相同的列，可再导入）")
    db_option(exp)
    exp.add_argument("--out", required=True, metavar="FILE", help="输出文件（.xlsx 或 .csv）")
    as_option(exp, "以哪个账号导出（默认：第一个管理员）")


def run(args: argparse.Namespace) -> int:
    from core import store
    from core.center.acting import acting_user
    from core.units import import_export as units_io

    store.open_existing(args.db)
    if args.units_command == "import":
        report = units_io.import_units(acting_user(args.username, "导入承办单位"), Path(args.file), args.dry_run)
        return print_report(report, args.json, [f"拒绝 {f'第 {r.row} 行' if r.row else '文件'}：{r.reason}"
                                                for r in report.rejected])
    count = units_io.export_units(acting_user(args.username, "导出承办单位"), Path(args.out))
    print(f"已导出 {count} 个承办单位到 {args.out}")
    return 0
