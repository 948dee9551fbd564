"""The call log (issue 17): a 1,000,000-row import against plain executemany, and its peak memory.

    python -m bench.bench_calls [--rows 1000000]

- the file: a year of a busy center's calls as its phone system exports them (CSV, GB18030,
  ``通话ID`` and the usual columns), made here with a fixed seed;
- import: ``core.calls.log_import.import_calls`` into a freshly set-up center, in a child process so
  its peak RSS is its own (target <= 300 MB), timed whole: the SHA-256, the encoding check, reading,
  every row's checks, the inserts and the link to tickets, one transaction;
- baseline: the very rows the import stored, read back as tuples and inserted with plain ``apsw``
  ``executemany`` into another fresh center in one transaction; ratio = baseline seconds / import
  seconds (target >= 25 %).
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import judged, machine, peak_rss_mb, print_report, say

RATIO_TARGET = 0.25
RSS_LIMIT_MB = 300.0
PASSWORD = "bench-pass-1"
COLUMNS = "call_key, called_at, caller, answered, wait_seconds, talk_seconds, agent, ticket_id, import_id"


def _center(path: Path) -> None:
    from core import store
    from core.center import profile as center

    store.open_center(path)
    try:
        center.setup_center("12345", "320102", "南京市玄武区12345热线", "admin", "管理员", PASSWORD)
    finally:
        store.close_center()


def _write_file(path: Path, rows: int) -> None:
    rng = random.Random(20261204)
    start = dt.datetime(2025, 11, 1)
    step = 365 * 86400 / rows
    with open(path, "w", encoding="gb18030", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["通话ID", "呼入时间", "主叫号码", "呼叫结果", "振铃时长(秒)", "通话时长(秒)", "坐席工号"])
        for n in range(rows):
            at = start + dt.timedelta(seconds=int(n * step))
            wait = int(rng.expovariate(1 / 8))
            answered = wait <= 60
            out.writerow([f"CL{n:09d}", at.strftime("%Y/%m/%d %H:%M:%S"), f"1{rng.randint(3, 9)}{rng.randint(0, 999_999_999):09d}",
                          "接通" if answered else "放弃", min(wait, 120), rng.randint(20, 600) if answered else 0,
                          f"80{rng.randint(1, 30):02d}" if answered else ""])


def child_import(db: str, file: str) -> None:
    """Run in a child process: import the file, print the figures as JSON."""
    from core import store
    from core.calls import log_import
    from core.center.users import actor_for

    store.open_center(Path(db))
    try:
        began = time.perf_counter()
        report = log_import.import_calls(actor_for("admin"), Path(file))
        seconds = time.perf_counter() - began
    finally:
        store.close_center()
    print(json.dumps({"rows": report.rows, "added": report.added, "ok": report.ok, "seconds": round(seconds, 2),
                      "peak_rss_mb": peak_rss_mb()}))


def _baseline(stored: Path, fresh: Path) -> dict[str, float]:
    import apsw

    rows = apsw.Connection(str(stored)).execute(f"SELECT {COLUMNS} FROM call_record ORDER BY id").fetchall()
    conn = apsw.Connection(str(fresh))
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("INSERT INTO call_import (id, file_name, sha256, imported_at, rows, added, duplicates)"
                 " VALUES (1, 'x', 'x', '2026-12-04T00:00:00+08:00', 0, 0, 0)")
    rows = [r[:-1] + (1,) for r in rows]
    began = time.perf_counter()
    with conn:
        conn.executemany(f"INSERT INTO call_record ({COLUMNS}) VALUES ({', '.join('?' * 9)})", rows)
    seconds = time.perf_counter() - began
    conn.close()
    return {"rows": len(rows), "seconds": round(seconds, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--child-import", nargs=2, metavar=("DB", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_import:
        child_import(*args.child_import)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-calls-") as folder:
        work = Path(folder)
        file, db, fresh = work / "话务记录.csv", work / "center.db", work / "baseline.db"
        say(f"writing {args.rows:,} calls …")
        _write_file(file, args.rows)
        _center(db)
        _center(fresh)
        say("importing in a child process …")
        env = {**__import__("os").environ, "HOTLINE_DESK_NOW": "2026-12-04T12:00:00+08:00"}
        child = subprocess.run([sys.executable, "-m", "bench.bench_calls", "--child-import", str(db), str(file)],
                               capture_output=True, text=True, env=env)
        if child.returncode != 0:
            print(child.stderr, file=sys.stderr)
            return 1
        imported = json.loads(child.stdout.strip().splitlines()[-1])
        say(f"  {imported['added']:,} rows in {imported['seconds']} s; baseline …")
        base = _baseline(db, fresh)
        ratio = base["seconds"] / imported["seconds"]
        report = {
            "machine": machine(),
            "file": {"rows": args.rows, "mb": round(file.stat().st_size / 1e6, 1)},
            "import": judged(imported | {"rows_per_s": round(imported["added"] / imported["seconds"])},
                             "peak_rss_mb", RSS_LIMIT_MB),
            "baseline_executemany": base,
            "throughput_ratio": judged({"ratio": round(ratio, 3)}, "ratio", RATIO_TARGET, above=True),
        }
    print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
