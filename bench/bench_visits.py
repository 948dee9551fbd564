"""The return-visit queue (issue 17) on the big demo: its first page against the 150 ms target.

    python -m bench.bench_visits [--tickets 1000000] [--db PATH] [--rebuild]

- ``core.visits.queue.queue`` for the demo's visitor (200 rows, the first page), and for the manager
  with the sample share at 30 %, each run 20 times; the demo is read at the moment its history
  ends (the fill's ``now``), when its last month of closed tickets is due.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.common import (database_options, demo_database, demo_path, judged, machine, percentile, print_report,
                          say, summary, time_ms)

FIRST_PAGE_MS = 150.0
RUNS = 20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    database_options(parser)
    args = parser.parse_args(argv)
    path = Path(args.db) if args.db else demo_path(args.tickets)
    fill = demo_database(path, args.tickets, args.rebuild, given=bool(args.db))
    from core import clock, store
    from core.center.users import actor_for
    from core.visits import queue, record

    store.open_center(path)
    try:
        now = clock.parse_stamp(fill["now"]) if "now" in fill else clock.now()
        visitor = actor_for("visitor")
        samples, rows = [], 0
        for _ in range(RUNS):
            ms, due = time_ms(lambda: queue.queue(visitor, now, limit=200))
            samples.append(ms)
            rows = len(due)
        say(f"visitor's first page: {rows} rows, p95 {percentile(samples, 0.95):.1f} ms")
        manager = actor_for("manager")
        record.Setting.replace(key="visit.share_percent", value="30").execute()  # not through write: a bench knob
        sampled = [time_ms(lambda: queue.queue(manager, now, limit=200))[0] for _ in range(RUNS)]
        record.Setting.delete().where(record.Setting.key == "visit.share_percent").execute()
        report = {
            "machine": machine(), "demo": fill,
            "visit_queue_first_page": judged(summary(samples) | {"rows": rows}, "p95_ms", FIRST_PAGE_MS),
            "visit_queue_sampled_30pct": judged(summary(sampled), "p95_ms", FIRST_PAGE_MS),
        }
    finally:
        store.close_center()
    print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
