"""The demo center's call log: the month before ``now`` as its phone system would export it (issue 17).

Every demo ticket that came in by phone that month has its call (answered a few seconds before
the operator started the ticket, so the import links the two), and around it the calls that made
no ticket: quick questions answered on the spot, callers who hung up in the queue. The file goes
through the real import (core.calls.log_import), so the 话务 figures a newcomer sees are the
program's own.
"""
from __future__ import annotations

import csv
import datetime as dt
import random
import tempfile
from pathlib import Path

from core import clock
from core.calls import log_import
from core.roles import Actor
from db.connection import raw_connection

DAYS = 30
AGENTS = [f"80{n:02d}" for n in range(1, 9)]
OTHER_CALLS_PER_DAY = (40, 70)  # calls that made no ticket
HOURS = [0, 0, 0, 0, 0, 1, 2, 5, 12, 16, 15, 11, 7, 9, 14, 15, 13, 10, 7, 5, 4, 2, 1, 1]


def fill_calls(admin: Actor, now: dt.datetime, seed: int = 1) -> log_import.CallImportReport:
    rng = random.Random(f"hotline-demo-calls:{seed}")
    start = now - dt.timedelta(days=DAYS)
    rows: list[list[object]] = []
    tickets = raw_connection().execute(
        "SELECT caller_phone, received_at FROM ticket WHERE channel = 'phone' AND caller_phone != ''"
        " AND received_at >= ? AND received_at < ?", (clock.stamp(start), clock.stamp(now))).fetchall()
    for phone, received in tickets:
        wait = min(int(rng.expovariate(1 / 8)), 55)
        answered_at = clock.parse_stamp(received) - dt.timedelta(seconds=rng.randint(3, 40))
        talk = max(int(rng.gauss(260, 90)), 90)
        rows.append([answered_at - dt.timedelta(seconds=wait), phone, "接通", wait, talk, rng.choice(AGENTS)])
    day = start.date()
    while day <= now.date():
        for _ in range(rng.randint(*OTHER_CALLS_PER_DAY)):
            at = dt.datetime.combine(day, dt.time(rng.choices(range(24), HOURS)[0], rng.randint(0, 59),
                                                  rng.randint(0, 59)), clock.LOCAL_TZ)
            if not start <= at < now:
                continue
            wait = int(rng.expovariate(1 / 9))
            phone = f"1{rng.choice('3589')}{rng.randint(100_000_000, 999_999_999)}"
            if wait > 60 or rng.random() < 0.02:  # hung up in the queue
                rows.append([at, phone, "放弃", min(wait, 120), 0, ""])
            else:
                rows.append([at, phone, "接通", wait, max(int(rng.gauss(90, 40)), 15), rng.choice(AGENTS)])
        day += dt.timedelta(days=1)
    rows.sort(key=lambda r: r[0])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"演示话务记录_{start:%Y%m%d}-{now:%Y%m%d}.csv"
        with open(path, "w", encoding="gb18030", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(["呼入时间", "主叫号码", "呼叫结果", "振铃时长(秒)", "通话时长(秒)", "坐席工号"])
            out.writerows([[r[0].strftime("%Y-%m-%d %H:%M:%S"), *r[1:]] for r in rows])
        return log_import.import_calls(admin, path)
