"""Call-log files like a district center's phone system exports (issue 17), made with a fixed seed.

``python -m tests.core.calls.samples`` writes them into tests/data/calls/, where they are kept:
October 2026, about 150 calls a day with the morning and afternoon peaks, one day of heavy rain
whose queue drops the day's 接通率 under 95 %; as CSV in GB18030 with one vendor's headers, and
the first week as .xlsx with another's (English headers, no call id).
"""
from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

FOLDER = Path(__file__).resolve().parents[2] / "data" / "calls"
CSV_NAME = "话务记录_2026年10月.csv"
XLSX_NAME = "calls_2026-10-week1.xlsx"
MONTH = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
STORM_DAY = dt.date(2026, 10, 14)
AGENTS = [f"80{n:02d}" for n in range(1, 13)]
HOURLY = [1, 1, 0, 0, 0, 1, 2, 5, 12, 16, 15, 11, 7, 9, 14, 15, 13, 10, 7, 5, 4, 3, 2, 1]  # weights


@dataclass(frozen=True)
class Call:
    call_id: str
    at: dt.datetime
    caller: str
    answered: bool
    wait: int
    talk: int
    agent: str


def _number(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return f"025-{rng.randint(5000, 8999)}{rng.randint(1000, 9999)}"
    return f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"


def calls(seed: int = 20261001) -> list[Call]:
    rng = random.Random(seed)
    regulars = [_number(rng) for _ in range(40)]  # callers who ring more than once
    out: list[Call] = []
    day = MONTH[0]
    while day <= MONTH[1]:
        storm = day == STORM_DAY
        count = rng.randint(120, 180) * (3 if storm else 1)
        for _ in range(count):
            hour = rng.choices(range(24), HOURLY)[0]
            at = dt.datetime.combine(day, dt.time(hour, rng.randint(0, 59), rng.randint(0, 59)))
            busy = storm and 8 <= hour <= 17
            wait = int(rng.expovariate(1 / (40 if busy else 7)))
            answered = wait <= (90 if busy else 60) and rng.random() > 0.015
            if not answered:
                wait = min(wait, 120)
            talk = int(rng.gauss(200, 90)) if answered else 0
            caller = rng.choice(regulars) if rng.random() < 0.1 else _number(rng)
            if rng.random() < 0.01:
                caller = ""  # withheld
            out.append(Call(f"CL{at:%Y%m%d}{len(out):06d}", at, caller, answered, wait, max(talk, 20) if answered else 0,
                            rng.choice(AGENTS) if answered else ""))
        day += dt.timedelta(days=1)
    out.sort(key=lambda c: c.at)
    return out


def write_csv(path: Path, rows: list[Call]) -> None:
    with open(path, "w", encoding="gb18030", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["通话ID", "呼入时间", "主叫号码", "呼叫结果", "振铃时长(秒)", "通话时长(秒)", "坐席工号"])
        for c in rows:
            out.writerow([c.call_id, c.at.strftime("%Y/%m/%d %H:%M:%S"), c.caller, "接通" if c.answered else "放弃",
                          c.wait, c.talk, c.agent])


def write_xlsx(path: Path, rows: list[Call]) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "CDR"
    sheet.append(["话务明细（导出）"])  # a title row above the header, as exports have
    sheet.append(["calltime", "caller", "status", "wait", "billsec", "agent"])
    for c in rows:
        sheet.append([c.at, c.caller, "ANSWERED" if c.answered else "NO ANSWER", c.wait,
                      f"{c.talk // 60:02d}:{c.talk % 60:02d}", c.agent])
    book.save(path)


def week_one(rows: list[Call]) -> list[Call]:
    return [c for c in rows if c.at.date() <= dt.date(2026, 10, 7)]


if __name__ == "__main__":
    FOLDER.mkdir(parents=True, exist_ok=True)
    made = calls()
    write_csv(FOLDER / CSV_NAME, made)
    write_xlsx(FOLDER / XLSX_NAME, week_one(made))
    print(f"{len(made)} calls; {len(week_one(made))} in the first week")
