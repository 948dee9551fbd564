"""Timing helpers shared by the benchmarks: run, summarise, judge against a target.

Benchmarks print figures; they are never timed unit tests (a loaded CI machine
must not fail the build). Times are wall-clock milliseconds from perf_counter.
"""
from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"  # gitignored


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
