"""Time as users see it: Chinese local time (Asia/Shanghai).

Stored times are ISO 8601 strings with the +08:00 offset, e.g.
``2026-11-22T09:15:03+08:00``. One fixed offset keeps them unambiguous and
sortable as text, which the list's SQL ordering and keyset paging rely on.

Every reading of "now" in the program goes through :func:`now` (or :func:`today`),
so one switch fixes the moment: the test suite's ``frozen_clock`` fixture, and
``HOTLINE_DESK_NOW`` for the real program run as a subprocess by end-to-end tests
(or a training room replaying a given day). Nothing else reads the wall clock.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
ENV_NOW = "HOTLINE_DESK_NOW"

log = logging.getLogger("hotline.clock")


def _from_environment() -> dt.datetime | None:
    text = os.environ.get(ENV_NOW, "").strip()
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        log.warning("%s=%r is not an ISO time; the real clock is used", ENV_NOW, text)
        return None
    fixed = to_local(value).replace(microsecond=0)
    # Loud on purpose: a variable left behind stops the clock for every ticket and deadline.
    log.warning("%s is set: the clock stands still at %s", ENV_NOW, fixed.isoformat())
    return fixed


def now() -> dt.datetime:
    """The current moment in local time, to the second."""
    if _fixed is not None:
        return _fixed
    return dt.datetime.now(LOCAL_TZ).replace(microsecond=0)


def today() -> dt.date:
    """Today's date in China, whatever zone the machine is set to."""
    return now().date()


def fixed_from_environment() -> dt.datetime | None:
    """The moment ``HOTLINE_DESK_NOW`` fixed, for the window to say so; None when it runs."""
    return _fixed if _fixed is not None and os.environ.get(ENV_NOW, "").strip() else None


def fix(at: dt.datetime | None) -> None:
    """Stop the clock at ``at`` (None lets it run again). For tests and replays only."""
    global _fixed
    _fixed = None if at is None else to_local(at).replace(microsecond=0)


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


_fixed: dt.datetime | None = _from_environment()
