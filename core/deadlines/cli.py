"""``main.py calendar import|show`` and ``main.py deadline``: the working-day calendar (工作日历)
and a trial of the deadline rules (试算时限)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from core.cli import DbOption, file_import, json_option, operations, print_report

COMMANDS = ("calendar", "deadline")


def add_parsers(sub: argparse._SubParsersAction, db_option: DbOption) -> None:
    cal_sub = operations(sub, "calendar", "工作日历：导入国务院放假通知，查看某年的节假日与调休")

    file_import(cal_sub, db_option, "导入某年的放假通知（holiday-cn 的 .json 或日历 .ics）；有任何错误则整份不导入",
                "放假通知文件", dry_run=False)

    show = cal_sub.add_parser("show", help="列出某年的放假日和调休上班日；该年日历未知时退出码为 1")
    db_option(show)
    show.add_argument("year", type=int, metavar="YEAR", help="年份，例如 2027")

    due = sub.add_parser("deadline", help="试算时限：按当前规则（或指定版本）给出到期时间和所用规则")
    db_option(due)
    due.add_argument("--profile", required=True, choices=("12345", "12365", "gbt33358"), help="时限规则方案")
    due.add_argument("--stage", required=True, metavar="S", help="环节：accept/dispatch/sign_off/feedback/reply/complete 或中文")
    due.add_argument("--category", required=True, metavar="C", help="诉求分类：consult/help/complaint/report/suggestion 或中文")
    due.add_argument("--urgency", default="normal", metavar="U", help="紧急程度：normal/urgent 或 一般/紧急")
    due.add_argument("--emergency", default="", metavar="E", help="紧急类型：incident/instability/utilities/extreme_weather/epidemic 或中文")
    due.add_argument("--from", dest="start", required=True, metavar="\"YYYY-MM-DD HH:MM\"", help="起算时间（北京时间）")
    due.add_argument("--surge", action="store_true", help="处于已宣布的集中大话务量期间")
    due.add_argument("--complex", action="store_true", help="复杂疑难诉求")
    due.add_argument("--version", type=int, default=None, metavar="N", help="按规则第 N 版试算（0 为标准默认；默认为现行版本）")
    json_option(due, "以 JSON 输出")


def run(args: argparse.Namespace) -> int:
    from core import store

    store.open_existing(args.db)
    return _calendar(args) if args.command == "calendar" else _deadline(args)


def _calendar(args: argparse.Namespace) -> int:
    from core.center.acting import acting_user
    from core.deadlines import workcalendar

    if args.calendar_command == "import":
        from core.deadlines import holiday_notice

        report = holiday_notice.import_notice(acting_user(args.username, "导入放假通知"), Path(args.file))
        return print_report(report, args.json, [])
    info = workcalendar.year_info(args.year)
    print(info.describe())
    for day in workcalendar.year_days(args.year):
        kind = "放假" if day.off else "上班（调休）" if day.make_up else "上班"
        source = workcalendar.SOURCE_LABELS.get(day.source, day.source)
        print(f"{day.day.isoformat()} {workcalendar.WEEKDAY_NAMES[day.day.weekday()]} {kind} {day.name} {source}")
    return 0 if info.known else 1


def _deadline(args: argparse.Namespace) -> int:
    from core.deadlines import check as deadline_check

    result = deadline_check.check(args.profile, args.stage, args.category, args.urgency, args.start, args.emergency,
                                  args.surge, args.complex, args.version)
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        print("\n".join(result.lines()))
    return 0
