"""Reminder figures: the 催办/督办 scan, overdue by unit, and a dispatcher's 工作台.

    python -m bench.bench_reminders [--tickets 1000000] [--db PATH] [--rebuild] [--runs 30] [--now ISO]

Reads the seed-1 demo database bench.bench_storage reads (bench/out/demo-N-seed1.db,
built once and reused: bench.common.demo_database), at the ``now`` its fill
ended (kept in the sidecar), so the figures do not drift as the file ages.
Each figure: one cold call (database closed, dropped from the OS cache),
one warm-up, then ``--runs`` timed calls; median, p95, max, rows returned and
SQLite's plan. Progress goes to stderr; stdout is one JSON object. See bench/README.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import (
    database_options,
    demo_database,
    demo_path,
    judged,
    machine,
    print_report,
    query_plan,
    reopen_cold,
    rss_mb,
    say,
    summary,
    time_ms,
)
from core import clock, store
from core.deadlines import reminders
from core.center import users
from core.workbench import items as workbench
from core.errors import NotFound
from core.roles import Actor, Permission
from db.connection import raw_connection

SCAN_P95_MS = 200
OVERDUE_BY_UNIT_P95_MS = 100
OPEN = ("pending", "accepted", "dispatched", "returned", "feedback")


def _dispatcher() -> Actor:
    """The demo's dispatcher, else the first account that may dispatch."""
    names = ["dispatcher"] + [u.username for u in users.list_users() if u.active]
    for name in names:
        try:
            actor = users.actor_for(name)
        except NotFound:  # not a demo database: no account of that name
            continue
        if actor.can(Permission.DISPATCH):
            return actor
    raise SystemExit("这个数据库里没有可以派单的账号。")


def _measure(path: Path, fn: Callable[[], Any], runs: int, module: Any) -> dict[str, Any]:
    """Cold call, one warm-up, then ``runs`` timed calls."""
    reopen_cold(path)
    cold, _ = time_ms(fn)
    fn()
    samples, result = [], None
    for _ in range(runs):
        ms, result = time_ms(fn)
        samples.append(ms)
    figure: dict[str, Any] = {"cold_ms": round(cold, 2)} | summary(samples)
    figure["rows"] = len(result) if isinstance(result, list) else None
    figure["plan"] = query_plan(fn, module)
    return figure


def database_facts(now: dt.datetime) -> dict[str, Any]:
    """What the scan works through: open tickets and clocks, how many are late or near."""
    conn = raw_connection()
    stamp = clock.stamp(now)
    horizon = clock.stamp(now + dt.timedelta(hours=reminders.settings().near_cap_hours))
    statuses = dict(conn.execute("SELECT status, count(*) FROM ticket GROUP BY status").fetchall())
    open_clocks, overdue, in_horizon = conn.execute(
        "SELECT count(*), sum(due_at < ?), sum(due_at < ?) FROM deadline WHERE met_at = ''", (stamp, horizon)).fetchone()
    return {
        "tickets": sum(statuses.values()),
        "open_tickets": sum(statuses.get(s, 0) for s in OPEN),
        "tickets_by_status": statuses,
        "deadlines": conn.execute("SELECT count(*) FROM deadline").fetchone()[0],
        "open_clocks": open_clocks,
        "open_clocks_overdue": overdue or 0,
        "overdue_share": round((overdue or 0) / max(open_clocks, 1), 3),
        "open_clocks_due_before_horizon": in_horizon or 0,
        "assignments": conn.execute("SELECT count(*) FROM assignment").fetchone()[0],
        "ticket_events": conn.execute("SELECT count(*) FROM ticket_event").fetchone()[0],
    }


def bench(path: Path, runs: int, now: dt.datetime) -> dict[str, Any]:
    store.open_center(path)
    try:
        facts = database_facts(now)
        say("reminder scan")
        scan = _measure(path, lambda: reminders.scan(now), runs, reminders)
        found = reminders.scan(now)
        scan["by_level"] = {reminders.level_label(k): v for k, v in sorted(Counter(r.level for r in found).items())}
        scan["by_stage"] = dict(Counter(r.stage_label for r in found))
        say("overdue by unit")
        by_unit = _measure(path, lambda: reminders.overdue_by_unit(now), runs, reminders)
        say("workbench")
        actor = _dispatcher()
        work = _measure(path, lambda: workbench.my_work(actor, now), runs, workbench)
        work["tasks"] = dict(Counter(i.task.split("（")[0] for i in workbench.my_work(actor, now)))
    finally:
        store.close_center()
    return {
        "database_facts": facts,
        "reminder_scan": judged(scan, "p95_ms", SCAN_P95_MS),
        "overdue_by_unit": judged(by_unit, "p95_ms", OVERDUE_BY_UNIT_P95_MS),
        "workbench_dispatcher": work | {"note": "for information; no target"},
        "rss_mb_after": rss_mb(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_reminders", description=__doc__.split("\n\n")[0])
    database_options(parser)
    parser.add_argument("--runs", type=int, default=30, help="timed runs per figure (after one warm-up)")
    parser.add_argument("--now", default=None, help="read at this time (ISO 8601; default: where the fill ended)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.runs < 20:
        parser.error("--runs should be at least 20 for a p95")

    path = args.db or demo_path(args.tickets)
    fill = demo_database(path, args.tickets, args.rebuild, given=args.db is not None)
    when = args.now or fill.get("now") or fill.get("built_at")
    now = clock.to_local(dt.datetime.fromisoformat(when)) if when else clock.now()
    report = {"machine": machine(), "database": str(path), "now": clock.stamp(now), "demo_fill": fill,
              **bench(path, args.runs, now)}
    print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
