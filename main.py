"""Hotline Desk (热线工作台): the GUI by default, headless sub-commands for admin work."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from core import APP_NAME, __version__, paths
from core.errors import HotlineError

if TYPE_CHECKING:
    from sync.keys import KeyInfo

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
    for module in _command_modules():  # in this order --help lists the commands
        module.add_parsers(sub, _db_option)
    return parser


def _command_modules() -> list[ModuleType]:
    """Each package's ``cli`` module: it adds its sub-commands and runs them. All are light
    (argparse needs every sub-parser even for --help); each imports its feature only in ``run``."""
    from core import cli as check_cli
    from core.calls import cli as calls_cli
    from core.visits import cli as visits_cli
    from core.center import cli as setup_cli
    from core.deadlines import cli as deadlines_cli
    from core.kb import cli as kb_cli
    from core.tickets import cli as tickets_cli
    from core.units import cli as units_cli
    from demo import cli as demo_cli
    from forms import cli as docs_cli
    from sync import cli as sync_cli

    return [demo_cli, check_cli, tickets_cli, kb_cli, units_cli, deadlines_cli, calls_cli, visits_cli, setup_cli,
            sync_cli, docs_cli]


def run_command(args: argparse.Namespace) -> int:
    """Hand ``args.command`` to the module that owns it; sync and docs are given how to open
    the database, setup how to make the center's keys (sync's, which core does not import)."""
    from core.center import cli as setup_cli
    from forms import cli as docs_cli
    from sync import cli as sync_cli

    if args.command in sync_cli.COMMANDS:
        return sync_cli.run(args, _open_existing)
    if args.command == "docs":
        return docs_cli.run(args, _open_existing)
    if args.command in setup_cli.COMMANDS:
        return setup_cli.run(args, _make_keys_at_setup)
    owner = next(m for m in _command_modules() if args.command in getattr(m, "COMMANDS", ()))
    return owner.run(args)


def _open_existing(path: str) -> bool:
    """For the docs and sync command modules: a missing, empty or foreign file is refused
    (StorageError, printed by main) and never initialised."""
    from core import store

    store.open_existing(path)
    return True


def _make_keys_at_setup(admin_username: str) -> KeyInfo:
    from sync.keys import make_keys_at_setup

    return make_keys_at_setup(admin_username)


def run_gui(args: argparse.Namespace) -> int:
    from desktop.app import run

    return run(Path(args.db), demo=args.demo, login=args.login, exit_after_show=args.exit_after_show)


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        if args.command is None:
            return run_gui(args)
        return run_command(args)
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
