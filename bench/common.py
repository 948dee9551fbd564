"""Helpers shared by the benchmarks: run, summarise, judge against a target; the cached demo database.

Benchmarks print figures; they are never timed unit tests (a loaded CI machine
must not fail the build). Times are wall-clock milliseconds from perf_counter.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

OUT = Path(__file__).resolve().parent / "out"  # gitignored


def say(text: str) -> None:
    """Progress, to stderr: stdout is the one JSON object."""
    print(text, file=sys.stderr, flush=True)


def companions(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def remove_database(path: Path) -> None:
    for p in companions(path):
        p.unlink(missing_ok=True)


def demo_path(count: int) -> Path:
    return OUT / f"demo-{count}-seed1.db"


def demo_database(path: Path, count: int, rebuild: bool = False, given: bool = False) -> dict[str, Any]:
    """Fill ``path`` with ``count`` seed-1 demo tickets unless a matching one is cached; the fill's figures.

    The sidecar ``<db>.json`` says what a cached file holds: it is reused while
    it has ``count`` tickets made by the current ``demo.fill.DEMO_VERSION``. It
    also keeps the fill's ``now`` (where the history ends), the time the
    benchmarks read the database at, so figures do not drift as the file ages.
    A ``given`` database is used as it is.
    """
    from core import clock, store
    from demo import fill as demo

    meta = path.with_name(path.name + ".json")
    info = json.loads(meta.read_text(encoding="utf-8")) if meta.exists() else None
    if not rebuild and path.exists():
        if given:
            say(f"using {path}")
            return (info or {"note": "given database; no fill figures"}) | {"cached": True}
        if info is not None and info.get("tickets") == count and info.get("demo_version") == demo.DEMO_VERSION:
            say(f"reusing {path}")
            return info | {"cached": True}
        say(f"{path} was made by an older demo or holds another count: filling it again")
    remove_database(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    say(f"filling {path} with {count:,} tickets …")
    now = clock.now()
    store.open_center(path)
    try:
        seconds, result = time_ms(lambda: demo.fill_demo(count, seed=1, progress=_fill_progress, now=now))
        seconds /= 1000
    finally:
        store.close_center()
    size = file_mb(*companions(path))
    info = {
        "tickets": result.tickets,
        "seconds": round(seconds, 1),
        "tickets_per_s": round(result.tickets / seconds),
        "database_mb": size,
        "bytes_per_ticket": round(size * 1e6 / max(1, result.tickets)),
        "peak_rss_mb": peak_rss_mb(),
        "demo_version": demo.DEMO_VERSION,
        "now": clock.stamp(now),
        "built_at": clock.stamp(),
    }
    meta.write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
    return info | {"cached": False}


def database_options(parser: argparse.ArgumentParser) -> None:
    """--tickets, --db, --rebuild: which demo database a benchmark reads (``demo_database``)."""
    parser.add_argument("--tickets", type=int, default=1_000_000, help="demo tickets in the read database")
    parser.add_argument("--db", type=Path, default=None, help="database to read (default: bench/out/demo-N-seed1.db)")
    parser.add_argument("--rebuild", action="store_true", help="fill the database again even if cached")


def _fill_progress(done: int, total: int) -> None:
    if done and (done % 100_000 == 0 or done == total):
        say(f"  {done:,} / {total:,}")


def reopen_cold(path: Path) -> None:
    """Close the center, drop its files from the OS cache, open it again: the next read is a cold one."""
    from core import store

    store.close_center()
    for p in companions(path):
        evict_from_os_cache(p)
    store.open_center(path)


def _passes(node: Any) -> list[bool]:
    if isinstance(node, dict):
        found = [node["pass"]] if isinstance(node.get("pass"), bool) else []
        return found + [p for v in node.values() for p in _passes(v)]
    return []


def print_report(report: dict[str, Any]) -> None:
    """Count the figures' verdicts into ``summary`` and print the report: stdout's one JSON object."""
    verdicts = _passes(report)
    report["summary"] = {"figures": len(verdicts), "passed": sum(verdicts), "all_pass": all(verdicts)}
    print(json.dumps(report, ensure_ascii=False, indent=1))


class _Recorder:
    """Stands in for a module's ``raw_connection()`` to catch the SQL it runs."""

    def __init__(self, connect: Callable[[], Any]) -> None:
        self.connect = connect
        self.calls: list[tuple[str, Any]] = []

    def execute(self, sql: str, params: Any = ()) -> Any:
        self.calls.append((sql, params))
        return self.connect().execute(sql, params)


def query_plan(fn: Callable[[], Any], module: ModuleType) -> list[str]:
    """EXPLAIN QUERY PLAN of the statements ``fn`` runs through ``module.raw_connection()``."""
    original = module.raw_connection
    recorder = _Recorder(original)
    module.raw_connection = lambda: recorder  # type: ignore[attr-defined]
    try:
        fn()
    finally:
        module.raw_connection = original  # type: ignore[attr-defined]
    plan: list[str] = []
    for sql, params in recorder.calls:
        plan += [row[3] for row in original().execute("EXPLAIN QUERY PLAN " + sql, params)]
    return plan


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share 0.95 → p95) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def time_ms(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result


def summary(samples_ms: list[float]) -> dict[str, float | int]:
    return {
        "median_ms": round(statistics.median(samples_ms), 2),
        "p95_ms": round(percentile(samples_ms, 0.95), 2),
        "max_ms": round(max(samples_ms), 2),
        "runs": len(samples_ms),
    }


def judged(figure: dict[str, Any], key: str, limit: float, above: bool = False) -> dict[str, Any]:
    """Add the target (``key`` at most ``limit``, or at least with ``above``) and whether it is met."""
    figure["target"] = f"{key} {'>=' if above else '<='} {limit:g}"
    figure["pass"] = figure[key] >= limit if above else figure[key] <= limit
    return figure


def evict_from_os_cache(path: Path) -> bool:
    """Drop the file's pages from the OS cache, so the next read is cold (Linux; no root needed)."""
    if not hasattr(os, "posix_fadvise") or not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
    return True


def rss_mb() -> float | None:
    """Current resident memory of this process in MB (peak where the current is unknown)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return peak_rss_mb()


def peak_rss_mb() -> float | None:
    """Peak resident memory in MB; None where the ``resource`` module is missing (Windows)."""
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KB, macOS bytes.
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def file_mb(*paths: Path) -> float:
    return round(sum(p.stat().st_size for p in paths if p.exists()) / 1e6, 1)


def machine() -> dict[str, Any]:
    import apsw

    return {
        "python": platform.python_version(),
        "sqlite": apsw.sqlite_lib_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(terse=True),
    }
