"""The answering figures, counted from the call log (core.calls.log_import), each with its clause.

- 接通率 (12365 3.7 接线率: calls answered over calls offered), over the period, per day, and its
  lowest over any 24 hours running within the period: 12345 5.1.3.2 and GB/T 33358 10.1.2 ask
  "连续 24 小时内呼叫接通率应大于或等于 95%".
- 15 秒接通率: calls answered within 15 s of coming in, over calls offered (12345 5.1.3.2
  "应在 15 秒之内接听").
- 热线等待时间 (12365 3.8: from coming in to being answered), of answered calls: mean and 90th
  percentile.
- 呼损: calls offered and not answered.
A rate whose denominator is zero is 无数据, never 0 %.
"""
from __future__ import annotations

import bisect
import datetime as dt
import math
from dataclasses import dataclass

from core import clock
from core.errors import ValidationError
from core.roles import Actor, Permission
from core.service import require
from db.connection import raw_connection

TARGET_ANSWER_RATE = 0.95  # 12345 5.1.3.2; GB/T 33358 10.1.2
ANSWER_WITHIN = 15  # seconds, 12345 5.1.3.2
WINDOW = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def text(self) -> str:
        return "无数据" if self.value is None else f"{self.value * 100:.1f}%"


@dataclass(frozen=True)
class DayFigures:
    day: dt.date
    answer_rate: Rate

    @property
    def below_target(self) -> bool:
        return self.answer_rate.value is not None and self.answer_rate.value < TARGET_ANSWER_RATE


@dataclass(frozen=True)
class HourFigures:
    hour: int  # 0–23, Chinese time
    answer_rate: Rate
    within_15s: Rate


@dataclass(frozen=True)
class AnsweringFigures:
    date_from: dt.date
    date_to: dt.date
    offered: int
    answered: int
    abandoned: int
    answer_rate: Rate  # 接通率 / 接线率
    within_15s: Rate  # 15 秒接通率
    mean_wait: float | None  # seconds, answered calls
    p90_wait: int | None
    days: list[DayFigures]
    hours: list[HourFigures]
    worst_24h: Rate | None  # the lowest 接通率 over 24 hours running inside the period
    worst_24h_from: str  # when that window starts ('' if the period holds no whole window)

    @property
    def meets_target(self) -> bool | None:
        """Every 24 hours running at ≥ 95 %; None without a whole window to judge."""
        if self.worst_24h is None or self.worst_24h.value is None:
            return None
        return self.worst_24h.value >= TARGET_ANSWER_RATE


def answering(actor: Actor, date_from: dt.date, date_to: dt.date) -> AnsweringFigures:
    """The figures for the days ``date_from`` to ``date_to``, both included, in Chinese time."""
    require(actor, Permission.CALLS_VIEW)
    if date_to < date_from:
        raise ValidationError.single("date_to", f"结束日期 {date_to} 早于开始日期 {date_from}，请检查。")
    rows = raw_connection().execute(
        "SELECT called_at, answered, wait_seconds FROM call_record WHERE called_at >= ? AND called_at < ?"
        " ORDER BY called_at", (clock.day_start(date_from), clock.day_end_exclusive(date_to))).fetchall()
    offered = len(rows)
    answered_waits = sorted(w for _, a, w in rows if a)
    answered = len(answered_waits)
    quick = sum(1 for _, a, w in rows if a and w <= ANSWER_WITHIN)
    by_day: dict[str, list[int]] = {}
    by_hour = [[0, 0, 0] for _ in range(24)]
    for at, a, w in rows:
        day = by_day.setdefault(at[:10], [0, 0])
        day[0] += 1
        day[1] += a
        hour = by_hour[int(at[11:13])]
        hour[0] += 1
        hour[1] += a
        hour[2] += 1 if a and w <= ANSWER_WITHIN else 0
    worst, worst_from = _worst_window(rows, clock.parse_stamp(clock.day_end_exclusive(date_to)))
    return AnsweringFigures(
        date_from, date_to, offered, answered, offered - answered, Rate(answered, offered), Rate(quick, offered),
        sum(answered_waits) / answered if answered else None,
        answered_waits[max(math.ceil(0.9 * answered) - 1, 0)] if answered else None,
        [DayFigures(dt.date.fromisoformat(d), Rate(n[1], n[0])) for d, n in sorted(by_day.items())],
        [HourFigures(h, Rate(c[1], c[0]), Rate(c[2], c[0])) for h, c in enumerate(by_hour)],
        worst, worst_from)


def _worst_window(rows: list[tuple[str, int, int]], period_end: dt.datetime) -> tuple[Rate | None, str]:
    """The lowest answered share among the 24-hour windows that start at a call and end inside
    the period (a window with calls at both ends is where the rate can first dip)."""
    times = [clock.parse_stamp(at).timestamp() for at, _, _ in rows]
    answered_before = [0]
    for _, a, _ in rows:
        answered_before.append(answered_before[-1] + a)
    worst: tuple[float, Rate, str] | None = None
    span, end = WINDOW.total_seconds(), period_end.timestamp()
    for i, start in enumerate(times):
        if start + span > end:
            break
        j = bisect.bisect_left(times, start + span, lo=i)
        rate = Rate(answered_before[j] - answered_before[i], j - i)
        if worst is None or rate.value < worst[0]:
            worst = (rate.value, rate, rows[i][0])
    return (worst[1], worst[2]) if worst else (None, "")
