"""The working-day calendar against the official notices, and the counts the deadline engine uses."""
from __future__ import annotations

import datetime as dt
import json
import time

import pytest

from core import store
from core.deadlines import workcalendar
from core.errors import NotFound, PermissionDenied, ValidationError
from core.deadlines.workcalendar import CalendarMissing, DayInfo, WorkCalendar
from db.connection import connect, raw_connection
from tests.conftest import shared_file

D = dt.date


def _official() -> dict[D, bool]:
    """Every listed day of holiday-cn's files, merged: a December make-up day may sit in
    the next year's file (shared/data/README.md). Value: working."""
    listed: dict[D, bool] = {}
    for year in range(2007, 2028):
        for day in json.loads(shared_file(f"calendar/{year}.json").read_text(encoding="utf-8"))["days"]:
            listed[D.fromisoformat(day["date"])] = not day["isOffDay"]
    return listed


def test_every_day_2007_2026_agrees_with_the_official_notices(center_db):
    official = _official()
    calendar = workcalendar.current()
    day, wrong = D(2007, 1, 1), []
    while day <= D(2026, 12, 31):
        expected = official.get(day, day.weekday() < 5)
        if calendar.is_workday(day) != expected:
            wrong.append(day)
        day += dt.timedelta(days=1)
    assert wrong == []
    assert set(range(2004, 2027)) <= set(calendar.known_years())


def test_weekends():
    calendar = WorkCalendar()
    assert calendar.working_day_after(D(2026, 11, 20), 1) == (D(2026, 11, 23), False)  # Fri → Mon
    assert calendar.working_day_after(D(2026, 11, 21), 1) == (D(2026, 11, 23), False)  # from a Saturday
    assert calendar.working_day_after(D(2026, 11, 20), 5) == (D(2026, 11, 27), False)
    assert calendar.working_day_after(D(2026, 11, 20), 15) == (D(2026, 12, 11), False)
    with pytest.raises(ValueError):
        calendar.working_day_after(D(2026, 11, 20), 0)


def test_spring_festival_2026_and_its_make_up_saturdays():
    calendar = WorkCalendar()
    assert calendar.is_workday(D(2026, 2, 14)) and calendar.is_workday(D(2026, 2, 28))  # 调休上班 Saturdays
    assert not any(calendar.is_workday(D(2026, 2, d)) for d in range(15, 24))  # 15–23 Feb off
    assert calendar.working_day_after(D(2026, 2, 13), 1) == (D(2026, 2, 14), False)
    assert calendar.working_day_after(D(2026, 2, 13), 2) == (D(2026, 2, 24), False)
    assert calendar.working_day_after(D(2026, 2, 14), 1) == (D(2026, 2, 24), False)
    assert calendar.working_day_after(D(2026, 2, 27), 1) == (D(2026, 2, 28), False)
    assert calendar.working_day_after(D(2026, 2, 12), 8) == (D(2026, 3, 2), False)  # 13, 14, 24–28, 2 Mar
    assert calendar.working_days_between(D(2026, 2, 13), D(2026, 3, 2)) == (7, False)


def test_national_day_2026():
    calendar = WorkCalendar()
    assert calendar.is_workday(D(2026, 9, 20)) and calendar.is_workday(D(2026, 10, 10))  # Sunday, Saturday
    assert calendar.working_day_after(D(2026, 9, 24), 1) == (D(2026, 9, 28), False)  # 中秋 25–27 Sep
    assert calendar.working_day_after(D(2026, 9, 30), 1) == (D(2026, 10, 8), False)  # 国庆 1–7 Oct
    assert calendar.working_day_after(D(2026, 9, 30), 3) == (D(2026, 10, 10), False)  # 8, 9, Saturday 10


def test_a_count_into_an_unknown_year_is_provisional_weekends_only():
    calendar = WorkCalendar()
    assert not calendar.has_year(2027)
    assert calendar.working_day_after(D(2026, 12, 25), 4) == (D(2026, 12, 31), False)  # stays in 2026
    assert calendar.working_day_after(D(2026, 12, 25), 5) == (D(2027, 1, 1), True)
    assert calendar.working_day_after(D(2026, 11, 20), 90) == (D(2027, 3, 26), True)
    assert calendar.working_day_after(D(2003, 12, 30), 1) == (D(2003, 12, 31), True)  # before the package too
    assert calendar.is_workday_or_guess(D(2027, 1, 4)) == (True, True)
    assert calendar.working_days_between(D(2026, 12, 30), D(2027, 1, 4)) == (3, True)
    with pytest.raises(CalendarMissing) as missing:
        calendar.is_workday(D(2027, 1, 4))
    assert missing.value.year == 2027
    assert "2027 年的节假日安排尚未导入" in missing.value.message and "系统管理 › 工作日历" in missing.value.message


def test_an_imported_year_without_an_entry_is_the_plain_week():
    calendar = WorkCalendar([DayInfo(D(2027, 1, 1), True, "元旦", "notice")], [2027])
    assert calendar.working_day_after(D(2026, 12, 31), 1) == (D(2027, 1, 4), False)
    assert not calendar.is_workday(D(2027, 1, 9)) and calendar.is_workday(D(2027, 1, 8))


def test_counting_thousands_of_tickets_is_fast_and_needs_no_database(center_db):
    calendar = workcalendar.current()
    store.close_center()  # the snapshot must not reach for the database
    started = time.perf_counter()
    for k in range(10_000):
        calendar.working_day_after(D(2026, 1, 1) + dt.timedelta(days=k % 500), 90)
    assert time.perf_counter() - started < 1.0


def test_an_admin_day_overrides_the_package_and_is_audited(center_db):
    assert workcalendar.set_day(center_db, D(2026, 11, 23), True, "  本地停工 ", "台风") == \
        DayInfo(D(2026, 11, 23), True, "本地停工", "admin")
    calendar = workcalendar.current()
    assert not calendar.is_workday(D(2026, 11, 23))
    assert calendar.working_day_after(D(2026, 11, 20), 1) == (D(2026, 11, 24), False)
    assert DayInfo(D(2026, 11, 23), True, "本地停工", "admin") in workcalendar.year_days(2026)
    workcalendar.set_day(center_db, D(2026, 2, 14), True, "春节")  # an admin's word beats the package
    assert not workcalendar.current().is_workday(D(2026, 2, 14))

    workcalendar.clear_day(center_db, D(2026, 2, 14))
    assert workcalendar.current().is_workday(D(2026, 2, 14))
    audit = raw_connection().execute(
        "SELECT action, object_uid, detail FROM audit WHERE action LIKE 'calendar.%' ORDER BY id").fetchall()
    assert [(a, u) for a, u, _ in audit] == [("calendar.set_day", "2026-11-23"), ("calendar.set_day", "2026-02-14"),
                                            ("calendar.clear_day", "2026-02-14")]
    first = json.loads(audit[0][2])
    assert (first["note"], first["before"]) == ("台风", "平常日")
    assert json.loads(audit[1][2])["before"] == "上班（调休）：春节，内置数据"
    with pytest.raises(NotFound):
        workcalendar.clear_day(center_db, D(2026, 2, 14))


def test_an_admin_day_in_an_unknown_year_is_certain_but_the_year_stays_unknown(center_db):
    workcalendar.set_day(center_db, D(2027, 1, 1), True, "元旦")
    calendar = workcalendar.current()
    assert not calendar.has_year(2027) and not calendar.is_workday(D(2027, 1, 1))
    assert calendar.working_day_after(D(2026, 12, 31), 1) == (D(2027, 1, 4), True)


def test_year_days_lists_holidays_and_make_up_days_with_their_source(center_db):
    days = {d.day: d for d in workcalendar.year_days(2026)}
    assert days[D(2026, 2, 14)] == DayInfo(D(2026, 2, 14), False, "春节", "chinesecalendar")
    assert days[D(2026, 2, 14)].make_up and not days[D(2026, 2, 16)].make_up
    assert days[D(2026, 4, 4)].name == "清明节" and days[D(2026, 9, 25)].name == "中秋节"
    assert len(days) == 39 and list(days) == sorted(days)
    assert workcalendar.year_days(2027) == []


def test_rights_and_names_are_checked_before_anything_is_written(center_db, operator):
    with pytest.raises(PermissionDenied):
        workcalendar.set_day(operator, D(2026, 11, 23), True, "本地停工")
    with pytest.raises(PermissionDenied):
        workcalendar.clear_day(operator, D(2026, 11, 23))
    with pytest.raises(ValidationError, match="请填写名称"):
        workcalendar.set_day(center_db, D(2026, 11, 23), True, "  ")
    with pytest.raises(ValidationError, match="最多"):
        workcalendar.set_day(center_db, D(2026, 11, 23), True, "停" * 41)
    assert raw_connection().execute("SELECT count(*) FROM calendar_day").fetchone()[0] == 0


def test_the_snapshot_is_cached_until_the_tables_change_even_from_another_connection(center_db, db_path):
    first = workcalendar.current()
    assert workcalendar.current() is first
    other = connect(db_path)  # another program on the same file (a script, a second window)
    other.execute("INSERT INTO calendar_year (year, source, imported_at) VALUES (2027, 'x.json', '2026-12-05T10:00:00+08:00')")
    other.close()
    second = workcalendar.current()
    assert second is not first and second.has_year(2027)
    assert workcalendar.current() is second
    workcalendar.forget()
    assert workcalendar.current() is not second


def test_year_info_says_where_a_year_comes_from(center_db):
    assert workcalendar.year_info(2026).describe() == "2026 年的工作日历已知：程序内置数据（chinesecalendar）。"
    missing = workcalendar.year_info(2027)
    assert not missing.known and "2027 年的节假日安排尚未导入" in missing.describe()
