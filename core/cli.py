"""``main.py check``, and the report printing every feature's import command shares.

Like every ``cli`` module: ``add_parsers`` adds the sub-commands, ``run`` runs them; the
store and the feature modules are imported only when a command runs, so ``--help`` stays fast.
"""
from __future__ import annotations

import argparse
import json
from typing import Any, Callable

DbOption = Callable[[argparse.ArgumentParser], None]
COMMANDS = ("check",)


def add_parsers(sub: argparse._SubParsersAction, db_option: DbOption) -> None:
    check = sub.add_parser("check", help="检查数据库完整性与数据结构版本；有问题时退出码非零")
    db_option(check)
    json_option(check, "以 JSON 输出结果")


def operations(sub: argparse._SubParsersAction, command: str, help: str) -> argparse._SubParsersAction:
    """A command whose operations (``kb import``, ``kb export``) are sub-commands: the one
    chosen lands in ``args.<command>_command``, and one must be given."""
    return sub.add_parser(command, help=help).add_subparsers(dest=f"{command}_command", metavar="操作", required=True)


def file_import(operations: argparse._SubParsersAction, db_option: DbOption, help: str, file_help: str,
                dry_run: bool = True, name: str = "import") -> argparse.ArgumentParser:
    """``<command> import --db PATH FILE [--as USER] [--dry-run] [--json]``, as every import takes it."""
    imp = operations.add_parser(name, help=help)
    db_option(imp)
    imp.add_argument("file", metavar="FILE", help=file_help)
    as_option(imp)
    if dry_run:
        imp.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入数据库")
    json_option(imp)
    return imp


def as_option(parser: argparse.ArgumentParser, help: str = "记为哪个账号所做（默认：第一个管理员）") -> None:
    """``--as USER``: the account a command acts as (``core.center.acting``)."""
    parser.add_argument("--as", dest="username", default=None, metavar="USER", help=help)


def json_option(parser: argparse.ArgumentParser, help: str = "以 JSON 输出导入报告") -> None:
    parser.add_argument("--json", action="store_true", help=help)


def run(args: argparse.Namespace) -> int:
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


def print_report(report: Any, as_json: bool, rejected: list[str]) -> int:
    """An import report as JSON or as its summary and one line per rejection; exit 0 when ok."""
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
    else:
        print(report.summary())
        for line in rejected:
            print(f"  {line}")
    return 0 if report.ok else 1
