"""The working-day calendar (工作日历): China's holidays and make-up working days (调休).

Three sources, strongest first (DESIGN "Deadlines"): a ``calendar_day`` row (an
imported State Council notice or an admin's correction), the ``chinesecalendar``
package for the years it covers, and for an imported year the plain week.

A year none of them knows is never a silent guess: ``is_workday`` refuses it
(CalendarMissing), and ``working_day_after`` counts it by weekends only and says
the result is *provisional*, so registration goes on and the deadline engine
recomputes the deadline once the notice is imported (core.deadlines.holiday_notice).

``current()`` hands out an immutable snapshot, cached per thread until the
calendar tables change; its methods never touch the database, so the engine can
time thousands of tickets with one snapshot.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import apsw
import chinese_calendar

from core import clock
from core.errors import HotlineError, NotFound, ValidationError
from core.roles import Actor, Permission
from core.service import Transaction, write
from core.tabular import clean_line, clean_text
from db.connection import raw_connection
from db.models import CalendarDay

log = logging.getLogger("hotline.calendar")

SOURCE_BUILTIN, SOURCE_NOTICE, SOURCE_ADMIN = "chinesecalendar", "notice", "admin"
SOURCE_LABELS = {SOURCE_BUILTIN: "内置数据", SOURCE_NOTICE: "放假通知", SOURCE_ADMIN: "管理员设置"}
WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
NAME_MAX = 40
_MAX_YEARS_AHEAD = 100  # a count that runs further is a bug in the caller, not a deadline


class CalendarMissing(HotlineError):
    """A day of a year whose holiday arrangements nobody has given us."""

    title = "缺少工作日历"

    def __init__(self, year: int) -> None:
        super().__init__(
            f"{year} 年的节假日安排尚未导入，无法按工作日计算时限。"
            "请管理员在“系统管理 › 工作日历”导入国务院办公厅当年的放假通知。"
        )
        self.year = year


@dataclass(frozen=True)
class DayInfo:
    """A day that differs from the plain week, or that a notice or an admin named."""

    day: dt.date
    off: bool  # True: 放假; False: 上班
    name: str  # 春节, 国庆节 …
    source: str  # SOURCE_BUILTIN, SOURCE_NOTICE or SOURCE_ADMIN

    @property
    def make_up(self) -> bool:
        """A working Saturday or Sunday (调休上班)."""
        return not self.off and self.day.weekday() >= 5

    def describe(self) -> str:
        """放假（春节，内置数据） / 上班（调休，春节，放假通知）"""
        kind = "放假" if self.off else "上班（调休）" if self.make_up else "上班"
        return f"{kind}：{self.name or '（无名称）'}，{SOURCE_LABELS.get(self.source, self.source)}"


# ---------------------------------------------------------------- chinesecalendar

_PACKAGE_NAMES = {"清明": "清明节", "端午": "端午节", "中秋": "中秋节"}  # as the notices write them


def _chinese_name(english: str) -> str:
    try:
        short = chinese_calendar.Holiday(english).chinese
    except ValueError:  # a holiday added by a newer package
        return english
    return _PACKAGE_NAMES.get(short, short)


# chinesecalendar's own rule (utils.is_workday): a listed workday wins, then a listed holiday.
_BUILTIN_WORK = {d: _chinese_name(v) for d, v in chinese_calendar.workdays.items()}
_BUILTIN_OFF = {d: _chinese_name(v) for d, v in chinese_calendar.holidays.items() if d not in _BUILTIN_WORK}
BUILTIN_YEARS = range(min(d.year for d in chinese_calendar.holidays), max(d.year for d in chinese_calendar.holidays) + 1)


def builtin_day(day: dt.date) -> DayInfo | None:
    """What chinesecalendar lists for ``day`` (None for a plain day or a year it does not cover)."""
    if day in _BUILTIN_WORK:
        return DayInfo(day, False, _BUILTIN_WORK[day], SOURCE_BUILTIN)
    if day in _BUILTIN_OFF:
        return DayInfo(day, True, _BUILTIN_OFF[day], SOURCE_BUILTIN)
    return None


# ---------------------------------------------------------------- the snapshot


def _any_between(ordinals: list[int], low: int, high: int) -> bool:
    """Whether sorted ``ordinals`` hold a day in (low, high]."""
    i = bisect_right(ordinals, low)
    return i < len(ordinals) and ordinals[i] <= high


class WorkCalendar:
    """An immutable view of the calendar. Build it with ``current()``; tests may build one
    directly from rows (``days``) and the years whose notice was imported."""

    def __init__(self, days: Iterable[DayInfo] = (), imported_years: Iterable[int] = ()) -> None:
        self._rows = {d.day: d for d in days}
        self._imported = frozenset(imported_years)
        # year -> (sorted ordinals of its working days, sorted ordinals only guessed),
        # filled on first use: the engine's counts become two bisects a year.
        self._years: dict[int, tuple[list[int], list[int]]] = {}

    def has_year(self, year: int) -> bool:
        return year in BUILTIN_YEARS or year in self._imported

    def known_years(self) -> list[int]:
        return sorted(set(BUILTIN_YEARS) | self._imported)

    def is_workday_or_guess(self, day: dt.date) -> tuple[bool, bool]:
        """(working, guessed): guessed when neither a row nor a known year says, and the
        plain week (Mon–Fri work) answered instead."""
        if isinstance(day, dt.datetime):
            day = day.date()
        row = self._rows.get(day)
        if row is not None:
            return not row.off, False
        if day.year in BUILTIN_YEARS:
            builtin = builtin_day(day)
            if builtin is not None:
                return not builtin.off, False
        return day.weekday() < 5, not self.has_year(day.year)

    def is_workday(self, day: dt.date) -> bool:
        working, guessed = self.is_workday_or_guess(day)
        if guessed:
            raise CalendarMissing(day.year)
        return working

    def working_day_after(self, day: dt.date, n: int) -> tuple[dt.date, bool]:
        """The n-th working day after ``day`` (``day`` itself not counted, n >= 1), and whether
        it is provisional: some day counted on the way lies in a year nobody has given us,
        counted by weekends only."""
        if n < 1:
            raise ValueError(f"working_day_after needs n >= 1, got {n}")
        pos, year, remaining, provisional = day.toordinal(), day.year, n, False
        while year <= day.year + _MAX_YEARS_AHEAD:
            work, guessed = self._year(year)
            i = bisect_right(work, pos)
            if len(work) - i >= remaining:
                end = work[i + remaining - 1]
                return dt.date.fromordinal(end), provisional or _any_between(guessed, pos, end)
            remaining -= len(work) - i
            year_end = dt.date(year, 12, 31).toordinal()
            provisional = provisional or _any_between(guessed, pos, year_end)
            pos, year = year_end, year + 1
        raise ValueError(f"{n} working days after {day} run past {_MAX_YEARS_AHEAD} years")

    def working_days_between(self, start: dt.date, end: dt.date) -> tuple[int, bool]:
        """How many working days lie in (start, end], and whether any day there was guessed."""
        low, high = start.toordinal(), end.toordinal()
        count, provisional = 0, False
        for year in range(start.year, end.year + 1):
            work, guessed = self._year(year)
            count += max(0, bisect_right(work, high) - bisect_right(work, low))
            provisional = provisional or _any_between(guessed, low, high)
        return count, provisional

    def day_info(self, day: dt.date) -> DayInfo | None:
        """The row or chinesecalendar entry behind ``day``; None for a plain day."""
        return self._rows.get(day) or builtin_day(day)

    def days_of(self, year: int) -> list[DayInfo]:
        """Every listed day of ``year`` (holidays, make-up working days, admin entries), by date."""
        listed = {d: i for d, i in self._rows.items() if d.year == year}
        if year in BUILTIN_YEARS:
            for day in (*_BUILTIN_WORK, *_BUILTIN_OFF):
                if day.year == year and day not in listed:
                    listed[day] = builtin_day(day)  # type: ignore[assignment]
        return [listed[d] for d in sorted(listed)]

    def _year(self, year: int) -> tuple[list[int], list[int]]:
        cached = self._years.get(year)
        if cached is None:
            work, guessed = [], []
            for ordinal in range(dt.date(year, 1, 1).toordinal(), dt.date(year, 12, 31).toordinal() + 1):
                working, guess = self.is_workday_or_guess(dt.date.fromordinal(ordinal))
                if working:
                    work.append(ordinal)
                if guess:
                    guessed.append(ordinal)
            cached = self._years[year] = (work, guessed)
        return cached


# ---------------------------------------------------------------- loading and caching

# Bumped by every write of this module (before its transaction ends, so the writer's own
# recomputation sees the new rows, and again after, so other threads reload). Writes by
# another process are caught by the cookie: row counts and latest stamps of both tables.
_generation = 0
_generation_lock = threading.Lock()
_COOKIE_SQL = (
    "SELECT (SELECT count(*) FROM calendar_day), (SELECT max(updated_at) FROM calendar_day), "
    "(SELECT count(*) FROM calendar_year), (SELECT max(imported_at) FROM calendar_year)"
)


class _Cache(threading.local):
    connection: apsw.Connection | None = None
    generation = -1
    cookie: tuple | None = None
    calendar: WorkCalendar | None = None


_cache = _Cache()


def forget() -> None:
    """Make every thread reload the calendar on its next ``current()``."""
    global _generation
    with _generation_lock:
        _generation += 1


def current() -> WorkCalendar:
    """The calendar as the database now has it (one small query when nothing changed)."""
    conn = raw_connection()
    generation = _generation
    cookie = tuple(conn.execute(_COOKIE_SQL).fetchone())
    cache = _cache
    if cache.calendar is None or cache.connection is not conn or (cache.generation, cache.cookie) != (generation, cookie):
        rows = [DayInfo(dt.date.fromisoformat(d), bool(off), name, source)
                for d, off, name, source in conn.execute("SELECT day, off, name, source FROM calendar_day")]
        years = [y for (y,) in conn.execute("SELECT year FROM calendar_year")]
        log.debug("calendar loaded: %d entries, imported years %s", len(rows), sorted(years))
        cache.calendar, cache.connection, cache.generation, cache.cookie = WorkCalendar(rows, years), conn, generation, cookie
    return cache.calendar


@contextlib.contextmanager
def calendar_write(actor: Actor, action: str, object_uid: str) -> Iterator[Transaction]:
    """``core.service.write`` for the calendar, every thread's cache dropped when it ends."""
    try:
        with write(actor, Permission.CALENDAR_MANAGE, action, "calendar", object_uid) as tx:
            yield tx
    finally:
        forget()


# ---------------------------------------------------------------- services


def set_day(actor: Actor, day: dt.date, off: bool, name: str, note: str = "") -> DayInfo:
    """An admin's holiday or working day, stronger than the package and any notice.
    ``note`` (why) goes to the audit log."""
    clean = clean_line(name)
    with calendar_write(actor, "calendar.set_day", day.isoformat()) as tx:
        if not clean:
            raise ValidationError.single("name", "请填写名称，例如“春节”或“春节调休上班”")
        if len(clean) > NAME_MAX:
            raise ValidationError.single("name", f"名称最多 {NAME_MAX} 个字")
        before = current().day_info(day)
        CalendarDay.insert(day=day.isoformat(), off=off, name=clean, source=SOURCE_ADMIN,
                           updated_at=clock.stamp(), updated_by=actor.user_id).on_conflict_replace().execute()
        tx.detail = {"off": off, "name": clean, "note": clean_text(note),
                     "before": before.describe() if before else "平常日"}
    return DayInfo(day, off, clean, SOURCE_ADMIN)


def clear_day(actor: Actor, day: dt.date) -> None:
    """Drop a notice's or an admin's entry: the day falls back to the package or the plain week."""
    with calendar_write(actor, "calendar.clear_day", day.isoformat()) as tx:
        row = CalendarDay.get_or_none(CalendarDay.day == day.isoformat())
        if row is None:
            raise NotFound(f"{day.isoformat()} 没有放假通知或管理员的设置，无需清除。")
        row.delete_instance()
        tx.detail = {"off": bool(row.off), "name": row.name, "source": row.source}


# ---------------------------------------------------------------- reads


@dataclass(frozen=True)
class YearInfo:
    year: int
    builtin: bool  # covered by chinesecalendar
    notice_file: str = ""  # the notice imported for it, if any
    imported_at: str = ""
    imported_by: str = ""

    @property
    def known(self) -> bool:
        return self.builtin or bool(self.notice_file)

    def describe(self) -> str:
        if not self.known:
            return CalendarMissing(self.year).message
        parts = ["程序内置数据（chinesecalendar）"] if self.builtin else []
        if self.notice_file:
            parts.append(f"已导入放假通知“{self.notice_file}”（{clock.display(self.imported_at)}，{self.imported_by or '—'}）")
        return f"{self.year} 年的工作日历已知：" + "；".join(parts) + "。"


def year_info(year: int) -> YearInfo:
    row = raw_connection().execute(
        "SELECT c.source, c.imported_at, u.username FROM calendar_year c "
        "LEFT JOIN user u ON u.id = c.imported_by WHERE c.year = ?", (year,)).fetchone()
    if row is None:
        return YearInfo(year, year in BUILTIN_YEARS)
    return YearInfo(year, year in BUILTIN_YEARS, row[0], row[1], row[2] or "")


def year_days(year: int) -> list[DayInfo]:
    """Holidays and make-up working days of ``year``, with where each comes from."""
    return current().days_of(year)


def alerts(today: dt.date) -> list[str]:
    """What the admin should import now. This year unknown: always; next year: from 1 December,
    when its notice is usually out (the engine adds how many deadlines are provisional)."""
    calendar = current()
    messages = []
    if not calendar.has_year(today.year):
        messages.append(f"请导入 {today.year} 年放假通知：今年的节假日安排尚未导入，今年的工作日时限都只按周末临时计算。"
                        "请在“系统管理 › 工作日历”导入国务院办公厅的放假通知。")
    if today.month == 12 and not calendar.has_year(today.year + 1):
        messages.append(f"请导入 {today.year + 1} 年放假通知：跨入 {today.year + 1} 年的工作日时限暂只按周末计算（临时时限）。"
                        "通知发布后请在“系统管理 › 工作日历”导入，临时时限会自动重新计算。")
    return messages
