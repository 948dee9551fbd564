"""``main.py demo``: a demo center and its tickets, for trial, demonstration and benchmarks."""
from __future__ import annotations

import argparse
import sys

from core.cli import DbOption

COMMANDS = ("demo",)


def add_parsers(sub: argparse._SubParsersAction, db_option: DbOption) -> None:
    demo = sub.add_parser("demo", help="生成一个演示中心及其工单（用于试用、演示和性能测试）")
    db_option(demo)
    demo.add_argument("--tickets", type=int, default=2000, metavar="N", help="工单数量（默认 2000）")
    demo.add_argument("--seed", type=int, default=1, metavar="S", help="随机种子，同一种子生成相同数据")


def run(args: argparse.Namespace) -> int:
    from core import store
    from demo import fill

    store.open_center(args.db)  # the demo may start from nothing: a missing file becomes a new database

    def progress(done: int, total: int) -> None:
        print(f"\r已生成 {done:,}/{total:,} 张工单", end="", file=sys.stderr, flush=True)

    result = fill.fill_demo(args.tickets, seed=args.seed, progress=progress)
    print(file=sys.stderr)
    print(f"演示中心：{result.center_name}（{result.center_code}），新增工单 {result.tickets} 张。")
    if result.usernames:
        print("演示账号（密码均为 demo1234）：" + "、".join(result.usernames))
    return 0
