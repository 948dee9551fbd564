"""Batches to the province: export time, import throughput against plain APSW, import peak memory (issue 6).

    python -m bench.bench_sync [--tickets 100000]

- export: ``sync.export.export_batch`` of a district's demo database whose every
  record is unacknowledged (target <= 10 s for 100,000 tickets);
- import: ``sync.importer.import_batch`` of that file into a fresh province, in a
  child process so its peak RSS is its own (target <= 300 MB), timed whole: both
  passes, signature, decryption, decompression, checks and the transaction;
- baseline: the very rows the import stored, read back as tuples and inserted
  with plain ``apsw`` ``executemany`` into another fresh province database with
  the same schema (indexes, search triggers) in one transaction; throughput
  ratio = baseline seconds / import seconds (target >= 25 %).
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import companions, demo_database, demo_path, judged, machine, print_report, say

EXPORT_LIMIT_S = 10.0
RATIO_TARGET = 0.25
RSS_LIMIT_MB = 300.0
PASSWORD = "bench-pass-1"


def _copy_db(source: Path, target: Path) -> None:
    for part in companions(source):
        if part.exists():
            shutil.copyfile(part, target.with_name(target.name + part.name[len(source.name):]))


def _province(path: Path) -> None:
    from core import store
    from core.center import profile as center

    store.open_center(path)
    try:
        center.setup_center("12345", "320000", "江苏省12345热线", "admin", "管理员", PASSWORD, role="province")
    finally:
        store.close_center()


def _keys(district: Path, province: Path, folder: Path) -> None:
    from core import store
    from core.center.acting import acting_user
    from sync import keys

    for path, name in ((district, "d"), (province, "p")):
        store.open_center(path)
        try:
            keys.init_keys(acting_user(None, "bench"))
            keys.export_public(folder / f"{name}.json")
        finally:
            store.close_center()
    for path, other in ((district, "p"), (province, "d")):
        store.open_center(path)
        try:
            keys.register_peer(acting_user(None, "bench"), folder / f"{other}.json")
        finally:
            store.close_center()


def _export(district: Path, out: Path) -> dict[str, Any]:
    from core import store
    from core.center.acting import acting_user
    from sync import export

    store.open_center(district)
    try:
        start = time.perf_counter()
        made = export.export_batch(acting_user(None, "bench"), out)
        seconds = time.perf_counter() - start
    finally:
        store.close_center()
    return {"seconds": round(seconds, 2), "records": made.record_count, "tickets": made.counts.get("ticket", 0),
            "file_mb": round(made.size / 1e6, 1), "path": str(made.path), "counts": made.counts}


def _vm_hwm_mb() -> float:
    """Peak RSS of this process since its exec (ru_maxrss would carry the forking parent's peak over)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_import(province: str, batch: str) -> None:
    """Run in a child process: import one batch, print the figures as JSON."""
    from core import store
    from core.center.acting import acting_user
    from sync import importer

    store.open_center(province)
    start = time.perf_counter()
    report = importer.import_batch(acting_user(None, "bench"), Path(batch))
    seconds = time.perf_counter() - start
    store.close_center()
    peak = _vm_hwm_mb()
    print(json.dumps({"seconds": round(seconds, 2), "status": report.status, "received": report.received,
                      "new": report.counts["new"], "peak_rss_mb": round(peak, 1), "message": report.message}))


def _stored_rows(province: Path) -> list[tuple[str, list[str], list[tuple]]]:
    """The rows the import wrote, table by table in the order it wrote them."""
    from db.connection import connect
    from sync import records

    conn = connect(province)
    out = []
    tables = []
    for kind in records.KINDS:
        tables.append(kind.table)
        tables += [c.table for c in kind.children]
    for table in tables:
        columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
        where = "WHERE origin = '320102'" if "origin" in columns else ""
        if table == "user":
            where = "WHERE origin = '320102'"
        rows = list(conn.execute(f'SELECT {", ".join(columns)} FROM "{table}" {where} ORDER BY id'))
        out.append((table, columns, rows))
    conn.close()
    return out


def _baseline(province_template: Path, rows: list[tuple[str, list[str], list[tuple]]]) -> dict[str, Any]:
    from db.connection import connect

    conn = connect(province_template)
    conn.execute("PRAGMA journal_mode = wal; PRAGMA synchronous = full; PRAGMA foreign_keys = on")
    count = sum(len(r) for _, _, r in rows)
    start = time.perf_counter()
    with conn:
        for table, columns, data in rows:
            marks = ", ".join("?" * len(columns))
            conn.executemany(f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})', data)
    seconds = time.perf_counter() - start
    conn.close()
    return {"seconds": round(seconds, 2), "rows": count}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000, help="demo tickets in the district (default 100000)")
    parser.add_argument("--child-import", nargs=2, metavar=("PROVINCE", "BATCH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_import:
        child_import(*args.child_import)
        return 0
    source = demo_path(args.tickets)
    fill = demo_database(source, args.tickets)
    work = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    try:
        district, province, baseline_db = work / "district.db", work / "province.db", work / "baseline.db"
        _copy_db(source, district)
        _province(province)
        _keys(district, province, work)
        shutil.copyfile(province, baseline_db)  # the same fresh province, for the plain insert
        say("exporting …")
        exported = _export(district, work)
        say(f"  {exported['records']:,} records in {exported['seconds']} s; importing in a child process …")
        child = subprocess.run([sys.executable, "-m", "bench.bench_sync", "--child-import", str(province),
                                exported["path"]], capture_output=True, text=True, check=True,
                               cwd=Path(__file__).resolve().parent.parent)
        imported = json.loads(child.stdout.strip().splitlines()[-1])
        say(f"  {imported['received']:,} records in {imported['seconds']} s; plain executemany of the same rows …")
        rows = _stored_rows(province)
        base = _baseline(baseline_db, rows)
        ratio = base["seconds"] / imported["seconds"]
        report: dict[str, Any] = {
            "machine": machine(), "demo": fill,
            "export": judged(exported | {"path": Path(exported["path"]).name}, "seconds", EXPORT_LIMIT_S),
            "import": judged(imported | {"records_per_s": round(imported["received"] / imported["seconds"])},
                             "peak_rss_mb", RSS_LIMIT_MB),
            "baseline_executemany": base | {"rows_per_s": round(base["rows"] / base["seconds"])},
            "throughput_ratio": judged({"ratio": round(ratio, 3)}, "ratio", RATIO_TARGET, above=True),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
