"""Time as users see it: Chinese local time (Asia/Shanghai).

Stored times are ISO 8601 strings with the +08:00 offset, e.g.
``2026-11-22T09:15:03+08:00``. One fixed offset keeps them unambiguous and
sortable as text, which the list's SQL ordering and keyset paging rely on.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    return dt.datetime.now(LOCAL_TZ).replace(microsecond=0)


def to_local(value: dt.datetime) -> dt.datetime:
    """An aware datetime in local time; a naive one is taken as local already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=LOCAL_TZ)
    return value.astimezone(LOCAL_TZ)


def stamp(value: dt.datetime | None = None) -> str:
    """The stored form of a time."""
    return to_local(value or now()).isoformat(timespec="seconds")


def parse_stamp(text: str) -> dt.datetime:
    return to_local(dt.datetime.fromisoformat(text))


def display(text: str | None) -> str:
    """A stored time as users read it: ``2026-11-22 09:15``."""
    if not text:
        return ""
    return parse_stamp(text).strftime("%Y-%m-%d %H:%M")


def day_start(day: dt.date) -> str:
    return stamp(dt.datetime.combine(day, dt.time.min, LOCAL_TZ))


def day_end_exclusive(day: dt.date) -> str:
    return day_start(day + dt.timedelta(days=1))
