"""``main.py setup``: a new database's center (中心) and its first admin, from a script."""
from __future__ import annotations

import argparse
import os
import sys
from typing import Callable, Protocol

from core.cli import DbOption

COMMANDS = ("setup",)


class MadeKeys(Protocol):
    """What setup reports of the center's new key set (``sync.keys.KeyInfo``)."""

    @property
    def key_id(self) -> str: ...

    @property
    def fingerprint(self) -> str: ...


# The key set is sync's (core never imports sync), so main hands in the function that makes it.
MakeKeys = Callable[[str], MadeKeys]


def add_parsers(sub: argparse._SubParsersAction, db_option: DbOption) -> None:
    setup = sub.add_parser("setup", help="设置一个新数据库的中心信息和第一个管理员（密码取自环境变量 HOTLINE_DESK_PASSWORD）")
    db_option(setup)
    setup.add_argument("--code", required=True, metavar="CODE", help="中心的 6 位行政区划代码，如 320102；省级如 320000")
    setup.add_argument("--name", required=True, metavar="NAME", help="中心名称")
    setup.add_argument("--kind", default="12345", choices=["12345", "12365", "both"], help="热线类型（默认 12345）")
    setup.add_argument("--province", action="store_true", help="省级中心：导入各区县的批次、出具回执、只读汇总")
    setup.add_argument("--admin", default="admin", metavar="USER", help="第一个管理员的登录名（默认 admin）")
    setup.add_argument("--admin-name", default="管理员", metavar="NAME", help="第一个管理员的姓名")


def run(args: argparse.Namespace, make_keys: MakeKeys) -> int:
    from core import store
    from core.center import profile

    password = os.environ.get("HOTLINE_DESK_PASSWORD", "")
    if not password:
        print("请在环境变量 HOTLINE_DESK_PASSWORD 中给出第一个管理员的密码（不写在命令行上，以免留在历史记录里）。",
              file=sys.stderr)
        return 2
    store.open_center(args.db)
    info = profile.setup_center(args.kind, args.code, args.name, args.admin, args.admin_name, password,
                                role="province" if args.province else "district")
    print(f"已设置{'省级' if info.is_province else '区县'}中心：{info.name}（{info.code}），管理员 {args.admin}。")
    key = make_keys(args.admin)
    print(f"已生成本中心的上报密钥（编号 {key.key_id}）。\n指纹：{key.fingerprint}")
    return 0
