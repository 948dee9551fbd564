"""Storage figures: registration save, ticket list pages, caller look-up, demo fill.

    python -m bench.bench_storage [--tickets 1000000] [--db PATH] [--rebuild] [--runs 30]

Builds (or reuses) a demo database of ``--tickets`` tickets made with seed 1
under bench/out/, then prints one JSON object: each figure with its target and
whether it passes. Progress goes to stderr. See bench/README.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import (
    OUT,
    database_options,
    demo_database,
    demo_path,
    judged,
    machine,
    print_report,
    query_plan,
    remove_database,
    reopen_cold,
    rss_mb,
    say,
    summary,
    time_ms,
)
from core import clock, store
from core.center import profile as center
from demo import fill as demo
from core.tickets import registration
from core.tickets import reads as tickets
from core.center import users
from core.roles import Actor, Permission, Role
from core.tickets.reads import TicketFilter
from core.tickets import queries as ticket_queries
from db.connection import raw_connection

REGISTRATION_MEDIAN_MS = 30
LIST_P95_MS = 150
CALLER_HISTORY_P95_MS = 20
FILL_SECONDS_PER_MILLION = 300  # "well under 5 minutes" for a million tickets


# --- (d) the demo database (bench.common.demo_database) --------------------------------

def fill_figure(info: dict[str, Any]) -> dict[str, Any]:
    if "seconds" not in info:
        return info
    limit = FILL_SECONDS_PER_MILLION * info["tickets"] / 1_000_000
    return judged(dict(info), "seconds", round(limit, 1))


# --- (a) registration save ---------------------------------------------------------

def bench_registration(count: int) -> dict[str, Any]:
    """register() on a fresh, set-up file with the production pragmas (synchronous=FULL)."""
    path = OUT / "registration.db"
    remove_database(path)
    store.open_center(path)
    try:
        center.setup_center("12345", "320102", "南京市玄武区12345热线", "admin", "管理员", "admin-pass-1")
        users.create_user(users.actor_for("admin"), "op1", "王小丽", "operator-pass", {Role.OPERATOR})
        operator = users.actor_for("op1")
        inputs = demo.sample_inputs(count, seed=1)
        conn = raw_connection()
        pragmas = {
            "synchronous": conn.execute("PRAGMA synchronous").fetchone()[0],
            "journal_mode": conn.execute("PRAGMA journal_mode").fetchone()[0],
        }
        samples = [time_ms(lambda d=d: registration.register(operator, d))[0] for d in inputs]
    finally:
        store.close_center()
    return judged(summary(samples) | pragmas, "median_ms", REGISTRATION_MEDIAN_MS)


# --- (b), (c) reading the big database ---------------------------------------------

def _measure(path: Path, calls: list[Callable[[], Any]], runs: int, key: str, limit: float) -> dict[str, Any]:
    """Cold first call, then ``runs`` warm calls cycling through ``calls``."""
    reopen_cold(path)
    cold, result = time_ms(calls[0])
    warm = [time_ms(calls[(i + 1) % len(calls)])[0] for i in range(runs)]
    figure = {"cold_ms": round(cold, 2)} | summary(warm)
    if isinstance(result, list):
        figure["rows"] = len(result)
    figure["plan"] = query_plan(calls[0], ticket_queries)
    return judged(figure, key, limit)


def _viewer() -> Actor:
    """An operator of the center if there is one, else any account that may view tickets."""
    accounts = sorted((u for u in users.list_users() if u.active), key=lambda u: Role.OPERATOR not in u.roles)
    for info in accounts:
        actor = users.actor_for(info.username)
        if actor.can(Permission.TICKET_VIEW):
            return actor
    raise SystemExit("这个数据库里没有可以查看工单的账号。")


def _sample_phones(limit: int = 60) -> tuple[list[str], list[str]]:
    """Existing numbers: callers with several tickets, and a spread of all callers."""
    conn = raw_connection()
    repeat = [r[0] for r in conn.execute(
        "SELECT caller_phone FROM ticket WHERE id % 211 = 0 AND caller_phone <> '' "
        "AND (SELECT count(*) FROM ticket t2 WHERE t2.caller_phone = ticket.caller_phone) > 1 LIMIT ?", (limit,))]
    spread = [r[0] for r in conn.execute(
        "SELECT caller_phone FROM ticket WHERE id % 997 = 0 AND caller_phone <> '' LIMIT ?", (limit,))]
    return repeat, spread


def bench_reads(path: Path, runs: int) -> dict[str, Any]:
    store.open_center(path)
    try:
        actor = _viewer()
        today = clock.now().date()
        repeat, spread = _sample_phones()
        phones = repeat or spread

        def page(flt: TicketFilter, after: Any = None) -> Callable[[], Any]:
            return lambda: tickets.list_page(actor, flt, after)

        deep_key = None
        for _ in range(50):  # keyset of page 51, walking as a user scrolling would
            rows = tickets.list_page(actor, TicketFilter(), deep_key)
            deep_key = rows[-1].sort_key
        cases: dict[str, list[Callable[[], Any]]] = {
            "default": [page(TicketFilter())],
            "default_page_51": [page(TicketFilter(), deep_key)],
            "status_pending": [page(TicketFilter(status="pending"))],
            "status_not_accepted": [page(TicketFilter(status="not_accepted"))],
            "category_report": [page(TicketFilter(category="report"))],
            "date_range_one_month": [page(TicketFilter(date_from=today - dt.timedelta(days=200),
                                                       date_to=today - dt.timedelta(days=170)))],
            "date_range_month_status": [page(TicketFilter(date_from=today - dt.timedelta(days=200),
                                                          date_to=today - dt.timedelta(days=170), status="closed"))],
            "phone_full_number": [page(TicketFilter(phone=p)) for p in phones],
            "phone_prefix_7_digits": [page(TicketFilter(phone=p[:7])) for p in spread],
            "phone_prefix_3_digits": [page(TicketFilter(phone=p)) for p in ("139", "186", "158")],
            # Nanjing's area code: a fifth of all tickets match, the worst prefix there is.
            "phone_prefix_area_code_025": [page(TicketFilter(phone="025"))],
            "status_category_last_30_days": [page(TicketFilter(status="pending", category="complaint",
                                                               date_from=today - dt.timedelta(days=30)))],
            # Through the search index (db.search): common words match a tenth of all tickets.
            "text_search_common_words": [page(TicketFilter(text=t)) for t in ("噪音", "物业", "的")],
            "text_search_one_character": [page(TicketFilter(text=t)) for t in ("燃", "漏", "狗")],
            "text_search_phrases": [page(TicketFilter(text=t)) for t in ("拖欠工资", "窨井盖", "小区 噪音")],
            "text_search_no_match": [page(TicketFilter(text=t)) for t in ("地铁站漏水", "ETC")],
            "text_search_with_status_and_month": [page(TicketFilter(
                text="噪音", status="closed", date_from=today - dt.timedelta(days=200),
                date_to=today - dt.timedelta(days=170)))],
            "ticket_number_prefix": [page(TicketFilter(text=t)) for t in ("320102-2026", "320102-20261122")],
        }
        lists: dict[str, Any] = {}
        for name, calls in cases.items():
            say(f"list: {name}")
            lists[name] = _measure(path, calls, runs, "p95_ms", LIST_P95_MS)
        counts: dict[str, Any] = {}
        for name, flt in {"default": TicketFilter(), "status_pending": TicketFilter(status="pending"),
                          "text_common_word": TicketFilter(text="噪音")}.items():
            say(f"count: {name}")
            counts[name] = _measure(path, [lambda flt=flt: tickets.count(actor, flt)], runs, "p95_ms", LIST_P95_MS)
        say("caller history")
        history = {
            "repeat_callers": _measure(path, [lambda p=p: tickets.caller_history(actor, p) for p in repeat or spread],
                                       runs * 3, "p95_ms", CALLER_HISTORY_P95_MS),
            "any_callers": _measure(path, [lambda p=p: tickets.caller_history(actor, p) for p in spread],
                                    runs * 3, "p95_ms", CALLER_HISTORY_P95_MS),
        }
        ticket_count = raw_connection().execute("SELECT count(*) FROM ticket").fetchone()[0]
    finally:
        store.close_center()
    return {"tickets_in_database": ticket_count, "list_first_page": lists, "list_count_capped": counts,
            "caller_history": history, "rss_mb_after_reads": rss_mb()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_storage", description=__doc__.split("\n\n")[0])
    database_options(parser)
    parser.add_argument("--runs", type=int, default=30, help="warm runs per read figure")
    parser.add_argument("--registrations", type=int, default=200, help="tickets registered for the save figure")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    path = args.db or demo_path(args.tickets)
    fill = fill_figure(demo_database(path, args.tickets, args.rebuild, given=args.db is not None))
    say("registration")
    save = bench_registration(args.registrations)
    reads = bench_reads(path, args.runs)
    report = {
        "machine": machine(),
        "database": str(path),
        "registration_save": save,
        "demo_fill": fill,
        **reads,
    }
    print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
