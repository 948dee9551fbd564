"""GUI figures: cold start against a bare PySide6 window, and memory with the list open.

    python -m bench.bench_gui [--db PATH] [--runs 7]

Cold start: the real program (``main.py --login … --exit-after-show``, which
includes checking the password) and a bare PySide6 window script are each
spawned the same way, from process start to the line each prints when its
window is shown; the figure is the ratio of the medians (target <= 1.5). The
time to the login window of a normal start is reported beside it. Memory: in this process, the main window of a
manager on the database given (the 1,000,000-ticket one built by
bench.bench_storage by default), the ticket list opened and scrolled through
ten pages; RSS read from /proc (target <= 250 MB).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import OUT, judged

ROOT = Path(__file__).resolve().parent.parent

BARE_WINDOW = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv)
w = QMainWindow()
w.resize(1280, 820)
w.show()
QTimer.singleShot(0, lambda: (print("main-window-shown", flush=True), app.quit()))
app.exec()
"""


def _spawn_until_shown(args: list[str], env: dict[str, str], marker: str = "main-window-shown") -> float:
    """Seconds from spawning to the marker line on stdout."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(marker):
            elapsed = time.perf_counter() - start
            break
    else:
        raise RuntimeError(f"{args} never showed its window")
    proc.wait(timeout=60)
    return elapsed


def cold_start(db: Path, runs: int) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               HOTLINE_DESK_PASSWORD="demo1234", HOTLINE_DESK_HOME=tempfile.mkdtemp(prefix="hotline-bench-"))
    # An installed program has its bytecode compiled; a shell that forbids
    # writing it would have every start recompile the program's source.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    main_window = [sys.executable, str(ROOT / "main.py"), "--db", str(db), "--login", "op1", "--exit-after-show"]
    login_window = [sys.executable, str(ROOT / "main.py"), "--db", str(db), "--exit-after-show"]
    bare = [sys.executable, "-c", BARE_WINDOW]
    # Warm the OS file cache and the pinyin cache, as a second start of the day would.
    _spawn_until_shown(main_window, env)
    _spawn_until_shown(bare, env)
    times: dict[str, list[float]] = {"main": [], "login": [], "bare": []}
    for _ in range(runs):  # interleaved, so drift in machine load hits all alike
        times["main"].append(_spawn_until_shown(main_window, env))
        times["login"].append(_spawn_until_shown(login_window, env, "login-shown"))
        times["bare"].append(_spawn_until_shown(bare, env))
    bare_s = statistics.median(times["bare"])
    figure = {
        "app_median_s": round(statistics.median(times["main"]), 3),
        "bare_pyside6_median_s": round(bare_s, 3),
        "ratio": round(statistics.median(times["main"]) / bare_s, 2),
        # What a person sees first on a normal start: the login window.
        "login_window_median_s": round(statistics.median(times["login"]), 3),
        "login_window_ratio": round(statistics.median(times["login"]) / bare_s, 2),
        "runs": runs,
    }
    return judged(figure, "ratio", 1.5)


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def memory_with_list_open(db: Path, pages: int = 10) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["HOTLINE_DESK_HOME"] = tempfile.mkdtemp(prefix="hotline-bench-")
    from PySide6.QtCore import QCoreApplication

    from core import store
    from core.center import profile as center
    from core.center import users
    from desktop.app import make_app
    from desktop.main_window import MainWindow

    app = make_app()
    store.open_center(db)
    actor = users.authenticate("manager", "demo1234")
    window = MainWindow(actor, center.current_center(), db)
    window.show()
    window.show_area("工单查询")
    listing = window.ticket_list
    assert listing is not None
    model = listing.model

    def settle() -> None:
        deadline = time.perf_counter() + 30
        while (model.loading or window.runner.busy) and time.perf_counter() < deadline:
            QCoreApplication.processEvents()
            time.sleep(0.005)

    settle()
    first_page_rows = model.rowCount()
    for _ in range(pages - 1):
        listing.table.scrollToBottom()
        QCoreApplication.processEvents()
        if model.canFetchMore():
            model.fetchMore()
        settle()
    rss = _rss_mb()
    rows = model.rowCount()
    window.close()
    app.processEvents()
    figure = {"rss_mb": round(rss, 1), "rows_loaded": rows, "first_page_rows": first_page_rows}
    return judged(figure, "rss_mb", 250)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, default=OUT / "demo-1000000-seed1.db",
                        help="a demo database (python -m bench.bench_storage builds the 1,000,000-ticket one)")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if not args.db.exists():
        sys.exit(f"{args.db} not found: build it with `python main.py demo --db {args.db} --tickets 1000000`")
    result = {
        "database": str(args.db),
        "cold_start": cold_start(args.db, args.runs),
        # Memory last and in this process: nothing else has been loaded here before it.
        "memory_with_list_open": memory_with_list_open(args.db),
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
