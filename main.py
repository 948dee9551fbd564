"""Hotline Desk (热线工作台): the GUI by default, headless sub-commands for admin work."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core import APP_NAME, __version__, paths
from core.errors import HotlineError

if TYPE_CHECKING:
    from core.roles import Actor

log = logging.getLogger("hotline")


def _db_option(parser: argparse.ArgumentParser, top: bool = False) -> None:
    # On the top parser the default is the embedded database; on sub-commands
    # SUPPRESS keeps a top-level --db from being overwritten by the default.
    parser.add_argument(
        "--db",
        metavar="PATH",
        default=str(paths.default_database()) if top else argparse.SUPPRESS,
        help=f"数据库文件（默认：{paths.default_database()}）",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", description=f"{APP_NAME}：12345 / 12365 热线受理与办理。不带子命令时打开图形界面。")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    _db_option(parser, top=True)
    parser.add_argument("--demo", action="store_true", help="数据库为空时先填入演示中心和演示数据，再打开界面")
    # For scripted starts (end-to-end tests, benchmarks): log in as USER with the
    # password in HOTLINE_DESK_PASSWORD, and quit once the main window is shown.
    parser.add_argument("--login", metavar="USER", help=argparse.SUPPRESS)
    parser.add_argument("--exit-after-show", action="store_true", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="命令")

    demo = sub.add_parser("demo", help="生成一个演示中心及其工单（用于试用、演示和性能测试）")
    _db_option(demo)
    demo.add_argument("--tickets", type=int, default=2000, metavar="N", help="工单数量（默认 2000）")
    demo.add_argument("--seed", type=int, default=1, metavar="S", help="随机种子，同一种子生成相同数据")

    check = sub.add_parser("check", help="检查数据库完整性与数据结构版本；有问题时退出码非零")
    _db_option(check)
    check.add_argument("--json", action="store_true", help="以 JSON 输出结果")

    imp = sub.add_parser("import-tickets", help="从 Excel/CSV 台账导入历史工单；重复导入不会产生重复工单")
    _db_option(imp)
    imp.add_argument("file", metavar="FILE", help=".xlsx 或 .csv 台账文件")
    imp.add_argument("--as", dest="username", default=None, metavar="USER", help="记为哪个账号所做（默认：第一个管理员）")
    imp.add_argument("--json", action="store_true", help="以 JSON 输出导入报告")
    _kb_parsers(sub)
    _units_parsers(sub)
    _calendar_parsers(sub)
    _deadline_parser(sub)
    setup = sub.add_parser("setup", help="设置一个新数据库的中心信息和第一个管理员（密码取自环境变量 HOTLINE_DESK_PASSWORD）")
    _db_option(setup)
    setup.add_argument("--code", required=True, metavar="CODE", help="中心的 6 位行政区划代码，如 320102；省级如 320000")
    setup.add_argument("--name", required=True, metavar="NAME", help="中心名称")
    setup.add_argument("--kind", default="12345", choices=["12345", "12365", "both"], help="热线类型（默认 12345）")
    setup.add_argument("--province", action="store_true", help="省级中心：导入各区县的批次、出具回执、只读汇总")
    setup.add_argument("--admin", default="admin", metavar="USER", help="第一个管理员的登录名（默认 admin）")
    setup.add_argument("--admin-name", default="管理员", metavar="NAME", help="第一个管理员的姓名")
    from sync import cli as sync_cli

    sync_cli.add_parsers(sub, _db_option)
    from forms import cli as docs_cli

    docs_cli.add_parsers(sub, _db_option)
    return parser


def _kb_parsers(sub: argparse._SubParsersAction) -> None:
    kb = sub.add_parser("kb", help="知识库：批量导入、导出、检索")
    kb_sub = kb.add_subparsers(dest="kb_command", metavar="操作", required=True)

    imp = kb_sub.add_parser("import", help="从 .jsonl/.csv/.xlsx/.docx 导入知识；有任何一条被拒绝则整批不导入")
    _db_option(imp)
    imp.add_argument("files", nargs="+", metavar="FILE", help="知识文件（.docx 按“标题 1/标题 2”拆分成文章）")
    imp.add_argument("--as", dest="username", default=None, metavar="USER", help="记为哪个账号所做（默认：第一个管理员）")
    imp.add_argument("--publish", action="store_true",
                     help="文件已校核过：导入后直接发布（默认进入“待校核”，12345 规范 6.3.4）")
    imp.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入数据库")
    imp.add_argument("--json", action="store_true", help="以 JSON 输出导入报告")

    exp = kb_sub.add_parser("export", help="导出知识（与导入相同的列，可再导入）")
    _db_option(exp)
    exp.add_argument("--out", required=True, metavar="FILE", help="输出文件（.jsonl、.csv 或 .xlsx）")
    exp.add_argument("--format", choices=("jsonl", "csv", "xlsx"), default=None, help="输出格式（默认按扩展名）")
    exp.add_argument("--all", action="store_true", help="包括已停用的知识")
    exp.add_argument("--as", dest="username", default=None, metavar="USER", help="以哪个账号导出（默认：第一个管理员）")

    find = kb_sub.add_parser("search", help="检索知识，按相关度排序")
    _db_option(find)
    find.add_argument("query", metavar="QUERY", help="问题或关键词")
    find.add_argument("--limit", type=int, default=10, metavar="N", help="最多几条（默认 10，最多 100）")
    find.add_argument("--unpublished", action="store_true", help="也查草稿和待校核的知识（需编写权限）")
    find.add_argument("--as", dest="username", default=None, metavar="USER", help="以哪个账号检索（默认：第一个管理员）")
    find.add_argument("--json", action="store_true", help="以 JSON 输出（id、title、score、snippet 等）")


def _calendar_parsers(sub: argparse._SubParsersAction) -> None:
    cal = sub.add_parser("calendar", help="工作日历：导入国务院放假通知，查看某年的节假日与调休")
    cal_sub = cal.add_subparsers(dest="calendar_command", metavar="操作", required=True)

    imp = cal_sub.add_parser("import", help="导入某年的放假通知（holiday-cn 的 .json 或日历 .ics）；有任何错误则整份不导入")
    _db_option(imp)
    imp.add_argument("file", metavar="FILE", help="放假通知文件")
    imp.add_argument("--as", dest="username", default=None, metavar="USER", help="记为哪个账号所做（默认：第一个管理员）")
    imp.add_argument("--json", action="store_true", help="以 JSON 输出导入报告")

    show = cal_sub.add_parser("show", help="列出某年的放假日和调休上班日；该年日历未知时退出码为 1")
    _db_option(show)
    show.add_argument("year", type=int, metavar="YEAR", help="年份，例如 2027")


def _deadline_parser(sub: argparse._SubParsersAction) -> None:
    due = sub.add_parser("deadline", help="试算时限：按当前规则（或指定版本）给出到期时间和所用规则")
    _db_option(due)
    due.add_argument("--profile", required=True, choices=("12345", "12365", "gbt33358"), help="时限规则方案")
    due.add_argument("--stage", required=True, metavar="S", help="环节：accept/dispatch/sign_off/feedback/reply/complete 或中文")
    due.add_argument("--category", required=True, metavar="C", help="诉求分类：consult/help/complaint/report/suggestion 或中文")
    due.add_argument("--urgency", default="normal", metavar="U", help="紧急程度：normal/urgent 或 一般/紧急")
    due.add_argument("--emergency", default="", metavar="E", help="紧急类型：incident/instability/utilities/extreme_weather/epidemic 或中文")
    due.add_argument("--from", dest="start", required=True, metavar="\"YYYY-MM-DD HH:MM\"", help="起算时间（北京时间）")
    due.add_argument("--surge", action="store_true", help="处于已宣布的集中大话务量期间")
    due.add_argument("--complex", action="store_true", help="复杂疑难诉求")
    due.add_argument("--version", type=int, default=None, metavar="N", help="按规则第 N 版试算（0 为标准默认；默认为现行版本）")
    due.add_argument("--json", action="store_true", help="以 JSON 输出")


def cmd_deadline(args: argparse.Namespace) -> int:
    from core import store
    from core.deadlines import check as deadline_check

    store.open_existing(args.db)
    result = deadline_check.check(args.profile, args.stage, args.category, args.urgency, args.start, args.emergency,
                                  args.surge, args.complex, args.version)
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        print("\n".join(result.lines()))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from core import store
    from demo import fill as demo

    store.open_center(args.db)

    def progress(done: int, total: int) -> None:
        print(f"\r已生成 {done:,}/{total:,} 张工单", end="", file=sys.stderr, flush=True)

    result = demo.fill_demo(args.tickets, seed=args.seed, progress=progress)
    print(file=sys.stderr)
    print(f"演示中心：{result.center_name}（{result.center_code}），新增工单 {result.tickets} 张。")
    if result.usernames:
        print("演示账号（密码均为 demo1234）：" + "、".join(result.usernames))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from core import store
    from core.errors import StorageError

    try:
        store.open_existing(args.db)
    except StorageError as exc:  # missing, empty, foreign, newer or unreadable: exit code 2, nothing written
        if not args.json:
            raise
        print(json.dumps({"ok": False, "opened": False, "problems": [exc.message]}, ensure_ascii=False))
        return 2
    problems = store.integrity_problems()
    if problems:  # closed as it is, its log unmerged: check writes nothing into a damaged file
        store.refuse_writes("数据库文件有问题，本命令不写入。")
    if args.json:
        print(json.dumps({"ok": not problems, "problems": problems}, ensure_ascii=False))
    elif problems:
        print("发现问题：\n" + "\n".join(f"  - {p}" for p in problems))
    else:
        print("数据库完好，数据结构为最新版本。")
    return 1 if problems else 0


def cmd_import_tickets(args: argparse.Namespace) -> int:
    from core import store
    from core.tickets import ledger_import

    store.open_existing(args.db)
    report = ledger_import.import_ledger(Path(args.file), username=args.username)
    return _print_report(report, args.json, [f"第 {p.row} 行：{p.reason}" for p in report.rejected])


def _print_report(report: Any, as_json: bool, rejected: list[str]) -> int:
    """An import report as JSON or as its summary and one line per rejection; exit 0 when ok."""
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
    else:
        print(report.summary())
        for line in rejected:
            print(f"  {line}")
    return 0 if report.ok else 1


def cmd_kb(args: argparse.Namespace) -> int:
    from core import store
    from core.kb import import_export as kb_io
    from core.center.acting import acting_user

    store.open_existing(args.db)
    if args.kb_command == "import":
        report = kb_io.import_articles([Path(f) for f in args.files], username=args.username,
                                       publish=args.publish, dry_run=args.dry_run)
        return _print_report(report, args.json, [f"拒绝 {p}" for p in report.rejected])
    if args.kb_command == "export":
        actor = acting_user(args.username, "导出知识")
        count = kb_io.export_articles(actor, Path(args.out), args.format, include_retired=args.all)
        print(f"已导出 {count} 篇知识到 {args.out}")
        return 0
    return _kb_search(args, acting_user(args.username, "检索知识"))


def _kb_search(args: argparse.Namespace, actor: Actor) -> int:
    import html
    import re

    from core.kb import search as kb_search

    hits = kb_search.search_articles(actor, args.query, limit=args.limit, include_unpublished=args.unpublished)
    if args.json:
        print(json.dumps([{"id": h.id, "title": h.title, "score": h.score, "snippet": h.snippet, "version": h.version,
                           "status": h.status, "flags": list(h.flags), "source_unit": h.source_unit} for h in hits],
                         ensure_ascii=False, indent=1))
        return 0
    if not hits:
        print("没有找到相关知识。")
    for rank, hit in enumerate(hits, start=1):
        flags = f"  [{'，'.join(hit.flags)}]" if hit.flags else ""
        snippet = html.unescape(re.sub(r"</?b>", lambda m: "】" if m.group(0) == "</b>" else "【", hit.snippet))
        print(f"{rank}. #{hit.id} {hit.title}（相关度 {hit.score}）{flags}\n   {snippet}")
    return 0


def _units_parsers(sub: argparse._SubParsersAction) -> None:
    units = sub.add_parser("units", help="承办单位：从 Excel/CSV 导入、导出")
    units_sub = units.add_subparsers(dest="units_command", metavar="操作", required=True)
    imp = units_sub.add_parser("import", help="从 .xlsx/.csv 导入承办单位；有任何一行被拒绝则整批不导入")
    _db_option(imp)
    imp.add_argument("file", metavar="FILE", help="单位文件（列：单位名称、上级单位、单位类别……）")
    imp.add_argument("--as", dest="username", default=None, metavar="USER", help="记为哪个账号所做（默认：第一个管理员）")
    imp.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入数据库")
    imp.add_argument("--json", action="store_true", help="以 JSON 输出导入报告")
    exp = units_sub.add_parser("export", help="导出全部承办单位（与导入相同的列，可再导入）")
    _db_option(exp)
    exp.add_argument("--out", required=True, metavar="FILE", help="输出文件（.xlsx 或 .csv）")
    exp.add_argument("--as", dest="username", default=None, metavar="USER", help="以哪个账号导出（默认：第一个管理员）")


def cmd_units(args: argparse.Namespace) -> int:
    from core import store
    from core.units import import_export as units_io
    from core.center.acting import acting_user

    store.open_existing(args.db)
    if args.units_command == "import":
        report = units_io.import_units(acting_user(args.username, "导入承办单位"), Path(args.file), args.dry_run)
        return _print_report(report, args.json, [f"拒绝 {f'第 {r.row} 行' if r.row else '文件'}：{r.reason}"
                                                 for r in report.rejected])
    count = units_io.export_units(acting_user(args.username, "导出承办单位"), Path(args.out))
    print(f"已导出 {count} 个承办单位到 {args.out}")
    return 0


def cmd_calendar(args: argparse.Namespace) -> int:
    from core import store
    from core.deadlines import workcalendar
    from core.center.acting import acting_user

    store.open_existing(args.db)
    if args.calendar_command == "import":
        from core.deadlines import holiday_notice

        report = holiday_notice.import_notice(acting_user(args.username, "导入放假通知"), Path(args.file))
        return _print_report(report, args.json, [])
    info = workcalendar.year_info(args.year)
    print(info.describe())
    for day in workcalendar.year_days(args.year):
        kind = "放假" if day.off else "上班（调休）" if day.make_up else "上班"
        source = workcalendar.SOURCE_LABELS.get(day.source, day.source)
        print(f"{day.day.isoformat()} {workcalendar.WEEKDAY_NAMES[day.day.weekday()]} {kind} {day.name} {source}")
    return 0 if info.known else 1


def run_gui(args: argparse.Namespace) -> int:
    from desktop.app import run

    return run(Path(args.db), demo=args.demo, login=args.login, exit_after_show=args.exit_after_show)


COMMANDS = {"demo": cmd_demo, "check": cmd_check, "import-tickets": cmd_import_tickets, "kb": cmd_kb}
COMMANDS["units"] = cmd_units
COMMANDS["calendar"] = cmd_calendar
COMMANDS["deadline"] = cmd_deadline


def _open_existing(path: str) -> bool:
    """For the docs and sync command modules: a missing, empty or foreign file is refused
    (StorageError, printed by main) and never initialised."""
    from core import store

    store.open_existing(path)
    return True


def cmd_docs(args: argparse.Namespace) -> int:
    from forms import cli as docs_cli

    return docs_cli.run(args, _open_existing)


COMMANDS["docs"] = cmd_docs


def cmd_setup(args: argparse.Namespace) -> int:
    import os

    from core import store
    from core.center import profile as center

    password = os.environ.get("HOTLINE_DESK_PASSWORD", "")
    if not password:
        print("请在环境变量 HOTLINE_DESK_PASSWORD 中给出第一个管理员的密码（不写在命令行上，以免留在历史记录里）。",
              file=sys.stderr)
        return 2
    store.open_center(args.db)
    info = center.setup_center(args.kind, args.code, args.name, args.admin, args.admin_name, password,
                               role="province" if args.province else "district")
    print(f"已设置{'省级' if info.is_province else '区县'}中心：{info.name}（{info.code}），管理员 {args.admin}。")
    from sync.keys import make_keys_at_setup

    key = make_keys_at_setup(args.admin)
    print(f"已生成本中心的上报密钥（编号 {key.key_id}）。\n指纹：{key.fingerprint}")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from sync import cli as sync_cli

    return sync_cli.run(args, _open_existing)


COMMANDS["setup"] = cmd_setup
for _name in ("keys", "export-batch", "import-batch", "export-receipt", "import-receipt"):
    COMMANDS[_name] = cmd_sync


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        if args.command is None:
            return run_gui(args)
        return COMMANDS[args.command](args)
    except HotlineError as exc:
        print(f"{exc.title}：{exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已取消。", file=sys.stderr)
        return 130
    finally:
        _close_database()


def _close_database() -> None:
    """Every command, whatever its outcome, leaves its database checkpointed and closed."""
    if "core.store" in sys.modules:  # only a command that opened one
        from core import store

        store.close_center()


if __name__ == "__main__":
    sys.exit(main())
