"""Importing a year's State Council notice: JSON and iCalendar, all or nothing, idempotent."""
from __future__ import annotations

import datetime as dt
import json
import sys
import types
from pathlib import Path

import pytest

from core import clock
from core.deadlines import workcalendar
from core.deadlines.holiday_notice import NoticeRefused, import_notice, read_notice
from core.errors import PermissionDenied
from db.connection import raw_connection
from tests.conftest import shared_file

D = dt.date

# A test fixture, NOT the real 2027 notice (which is not out yet): plausible dates only.
NOTICE_2027 = (
    [("元旦", f"2027-01-0{d}", True) for d in (1, 2, 3)]
    + [("春节", f"2027-02-{d:02d}", True) for d in range(5, 14)]
    + [("春节", "2027-02-20", False)]
    + [("清明节", f"2027-04-0{d}", True) for d in (3, 4, 5)]
    + [("劳动节", f"2027-05-0{d}", True) for d in range(1, 6)]
    + [("劳动节", "2027-04-25", False), ("劳动节", "2027-05-08", False)]
    + [("国庆节", f"2027-10-0{d}", True) for d in range(1, 8)]
    + [("国庆节", "2027-09-26", False), ("国庆节", "2027-10-09", False)]
)


def notice_2027(folder: Path) -> Path:
    """The fixture above as holiday-cn JSON."""
    path = folder / "2027.json"
    days = [{"name": n, "date": d, "isOffDay": off} for n, d, off in NOTICE_2027]
    path.write_text(json.dumps({"year": 2027, "papers": [], "days": days}, ensure_ascii=False), encoding="utf-8")
    return path


def _ics(folder: Path, events: list[tuple[str, str, str]], name: str = "节假日.ics") -> Path:
    """holiday-cn's layout: DATE values, exclusive DTEND, CRLF lines."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "X-WR-CALNAME:中国法定节假日"]
    for summary, start, end in events:
        lines += ["BEGIN:VEVENT", f"SUMMARY:{summary}", f"DTSTART;VALUE=DATE:{start}"]
        lines += [f"DTEND;VALUE=DATE:{end}"] if end else []
        lines += [f"UID:{start}/{end}/test", "END:VEVENT"]
    path = folder / name
    path.write_bytes(("\r\n".join(lines + ["END:VCALENDAR"]) + "\r\n").encode("utf-8"))
    return path


def _state() -> tuple[list, list, int]:
    """Calendar rows, calendar years, and audit entries since the center was set up."""
    conn = raw_connection()
    return (list(conn.execute("SELECT day, off, name, source FROM calendar_day ORDER BY day")),
            list(conn.execute("SELECT year, source FROM calendar_year ORDER BY year")),
            conn.execute("SELECT count(*) FROM audit WHERE action LIKE 'calendar.%'").fetchone()[0])


@pytest.fixture
def no_engine(monkeypatch):
    """Imports without the deadline engine (it is built beside this module)."""
    monkeypatch.setitem(sys.modules, "core.deadlines.clocks", None)


def test_official_2026_notice_agrees_with_the_package_and_reimport_changes_nothing(center_db, no_engine):
    path = shared_file("calendar/2026.json")
    report = import_notice(center_db, path)
    assert (report.years, report.added, report.changed, report.unchanged) == ([2026], 0, 0, 39)
    assert report.differences == [] and report.unlisted == [] and report.newly_known == []
    assert report.recomputed is None  # no engine
    assert "没有改动任何日期" in report.summary()
    rows, years, _ = _state()
    assert rows == [] and years == [(2026, "2026.json")]  # the package already says all of it

    again = import_notice(center_db, path)
    assert (again.added, again.changed, again.unchanged) == (0, 0, 39)
    assert _state()[:2] == (rows, years)


def test_every_official_notice_2007_2026_imports_without_a_change(center_db, no_engine):
    for year in range(2007, 2027):
        report = import_notice(center_db, shared_file(f"calendar/{year}.json"))
        assert (report.added, report.changed, report.unlisted) == (0, 0, []), (year, report.summary())
    assert _state()[0] == []
    assert {y for y, _ in _state()[1]} == set(range(2007, 2027))


def test_the_empty_2027_file_is_refused(center_db):
    with pytest.raises(NoticeRefused, match="文件中没有任何日期"):
        import_notice(center_db, shared_file("calendar/2027.json"))
    assert _state() == ([], [], 0)


def test_a_2027_notice_makes_2027_known_and_its_counts_final(center_db, tmp_path, no_engine):
    before = workcalendar.current()
    assert before.working_day_after(D(2026, 12, 30), 5) == (D(2027, 1, 6), True)  # 1 Jan counted as a Friday at work

    report = import_notice(center_db, notice_2027(tmp_path))
    assert (report.added, report.changed, report.unchanged) == (len(NOTICE_2027), 0, 0)
    assert report.newly_known == [2027] and "2027 年的工作日历现已可用" in report.summary()
    calendar = workcalendar.current()
    assert calendar.has_year(2027) and 2027 in calendar.known_years()
    assert calendar.working_day_after(D(2026, 12, 30), 5) == (D(2027, 1, 7), False)  # 31 Dec, then 4–7 Jan
    assert calendar.working_day_after(D(2027, 2, 4), 1) == (D(2027, 2, 15), False)  # 春节 5–13 Feb
    assert calendar.is_workday(D(2027, 2, 20)) and not calendar.is_workday(D(2027, 2, 21))
    assert not calendar.is_workday(D(2027, 3, 6))  # an ordinary Saturday of an imported year

    state = _state()
    again = import_notice(center_db, notice_2027(tmp_path))
    assert (again.added, again.changed, again.unchanged, again.newly_known) == (0, 0, len(NOTICE_2027), [])
    assert _state()[:2] == state[:2]


def test_an_ics_feed_gives_the_same_calendar_as_the_json(center_db, tmp_path, no_engine):
    path = _ics(tmp_path, [
        ("元旦假期", "20270101", "20270104"),
        ("上班(补春节假期)", "20270220", "20270221"),
        ("春节 休", "20270205", "20270214"),
        ("清明节（休）", "20270403", "20270406"),
        ("[放假]劳动节", "20270501", "20270506"),
        ("劳动节 班", "20270425", ""),  # no DTEND: one day
        ("劳动节补班", "20270508", "20270509"),
        ("国庆节、中秋节假期", "20271001", "20271008"),
        ("上班(补国庆节、中秋节假期)", "20270926", "20270927"),
        ("国庆节 补班第1天", "20271009", "20271010"),
    ])
    notice = read_notice(path)
    assert notice.years == (2027,)
    by_day = {d.day: (d.off, d.name) for d in notice.days}
    assert len(by_day) == len(NOTICE_2027)
    for name, day, off in NOTICE_2027:
        assert by_day[D.fromisoformat(day)][0] == off
    assert by_day[D(2027, 2, 20)] == (False, "春节")
    assert by_day[D(2027, 2, 5)] == (True, "春节")
    assert by_day[D(2027, 4, 25)] == (False, "劳动节")
    assert by_day[D(2027, 10, 9)] == (False, "国庆节")
    assert by_day[D(2027, 9, 26)] == (False, "国庆节、中秋节")
    assert by_day[D(2027, 4, 3)][1] == "清明节" and by_day[D(2027, 5, 1)][1] == "劳动节"

    import_notice(center_db, path)
    from_ics = workcalendar.current()
    assert from_ics.has_year(2027)
    assert [from_ics.is_workday(D(2027, 1, 1) + dt.timedelta(k)) for k in range(365)] == \
        [workcalendar.WorkCalendar(_days(NOTICE_2027), [2027]).is_workday(D(2027, 1, 1) + dt.timedelta(k))
         for k in range(365)]


def _days(spec):
    return [workcalendar.DayInfo(D.fromisoformat(d), off, n, "notice") for n, d, off in spec]


def test_ics_line_folding_inside_a_character_and_alarms_are_read(center_db, tmp_path, no_engine):
    summary = "上班(补春节假期)".encode()
    folded = summary[:5] + b"\r\n " + summary[5:]  # folded after 5 octets: inside 班
    path = tmp_path / "folded.ics"
    path.write_bytes(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:" + folded + b"\r\n"
                     b"DTSTART;VALUE=DATE:20270220\r\nBEGIN:VALARM\r\nSUMMARY:\xe8\xae\xb0\xe5\xbe\x97\r\n"
                     b"END:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    notice = read_notice(path)
    assert [(d.day, d.off, d.name) for d in notice.days] == [(D(2027, 2, 20), False, "春节")]


def test_a_notice_that_differs_from_the_package_is_reported_and_wins(center_db, tmp_path, no_engine):
    data = json.loads(shared_file("calendar/2026.json").read_text(encoding="utf-8"))
    for day in data["days"]:
        if day["date"] == "2026-02-14":
            day["isOffDay"] = True
    path = tmp_path / "2026-修订.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    report = import_notice(center_db, path)
    assert (report.changed, report.unchanged) == (1, 38)
    assert report.differences == ["2026-02-14 周六：上班（调休）：春节，内置数据 → 放假：春节，放假通知"]
    assert not workcalendar.current().is_workday(D(2026, 2, 14))
    assert [d.source for d in workcalendar.year_days(2026) if d.day == D(2026, 2, 14)] == ["notice"]


def test_adjacent_year_days_are_imported_but_do_not_declare_that_year(center_db, no_engine):
    report = import_notice(center_db, shared_file("calendar/2008.json"))  # lists 2007-12-29..31
    assert report.years == [2008] and report.unchanged == 35


def test_entries_the_file_does_not_mention_are_kept_and_reported(center_db, tmp_path, no_engine):
    workcalendar.set_day(center_db, D(2027, 3, 1), True, "本地停工")
    report = import_notice(center_db, notice_2027(tmp_path))
    assert report.unlisted == [D(2027, 3, 1)] and "2027-03-01" in report.summary()
    assert not workcalendar.current().is_workday(D(2027, 3, 1))


BAD_JSON = [
    ('{"year": 2027, "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}, '
     '{"name": "春节", "date": "2027-02-30", "isOffDay": true}]}', "第 2 条：日期“2027-02-30”不存在"),
    ('[{"name": "春节", "date": "2027/2/3", "isOffDay": true}]', "第 1 条：日期“2027/2/3”的格式不对"),
    ('[{"name": "春节", "date": "2027-02-03"}]', "第 1 条：缺少“isOffDay”"),
    ('[{"name": "春节", "date": "2027-02-03", "isOffDay": "是"}]', "“isOffDay”应为 true"),
    ('{"year": 2027, "days": {"2027-01-01": true}}', "格式不对"),
    ('"2027-01-01"', "格式不对"),
    ('{"year": 2027,\n "days": [\n  {"name": "元旦" "date": "2027-01-01"}]}', "第 3 行：不是有效的 JSON"),
    ("", "文件是空的"),
    ('{"year": 2027, "days": []}', "文件中没有任何日期"),
    ('{"year": 2027, "days": [{"name": "元旦", "date": "2026-12-31", "isOffDay": true}]}', "没有 2027 年的日期"),
    ('[{"name": "春节", "date": "2025-02-03", "isOffDay": true}, {"name": "春节", "date": "2027-02-03", "isOffDay": true}]',
     "跨越 2025–2027 年"),
    ('[{"name": "春节", "date": "2027-02-06", "isOffDay": true}, {"name": "春节", "date": "2027-02-06", "isOffDay": false}]',
     "第 1 条和第 2 条：2027-02-06 既标为放假又标为上班"),
]


@pytest.mark.parametrize("content, message", BAD_JSON)
def test_bad_json_is_refused_naming_file_entry_and_value(center_db, tmp_path, content, message):
    path = tmp_path / "通知.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(NoticeRefused) as refused:
        import_notice(center_db, path)
    assert "“通知.json”" in refused.value.message and message in refused.value.message, refused.value.message
    assert "整个文件未导入" in refused.value.message
    assert _state() == ([], [], 0)


@pytest.mark.parametrize("events, message", [
    ([("春节 休", "20270230", "20270301")], "第 6 行：日期“20270230”不对"),
    ([("春节 休", "2027-02-06", "")], "第 6 行：日期“2027-02-06”不对"),
    ([("春节", "20270206", "20270210")], "第 5 行：“春节”没有写明是放假（休）还是上班（班）"),
    ([("春节 休", "20270210", "20270206")], "结束日期早于开始日期"),
    ([("春节 休", "20270201", "20270401")], "一个事件跨了 59 天"),
])
def test_a_bad_ics_is_refused_naming_the_line_and_value(center_db, tmp_path, events, message):
    with pytest.raises(NoticeRefused) as refused:
        import_notice(center_db, _ics(tmp_path, events))
    assert "“节假日.ics”" in refused.value.message and message in refused.value.message, refused.value.message
    assert _state() == ([], [], 0)


def test_an_operator_may_not_import(operator, tmp_path):
    with pytest.raises(PermissionDenied):
        import_notice(operator, notice_2027(tmp_path))
    assert _state() == ([], [], 0)


def test_the_deadline_engine_recomputes_inside_the_import(center_db, tmp_path, monkeypatch):
    seen = []

    def recompute_provisional(actor):
        calendar = workcalendar.current()  # must already see the notice, in the same transaction
        seen.append((actor.user_id, calendar.has_year(2027), calendar.is_workday(D(2027, 2, 8))))
        return 7

    monkeypatch.setitem(sys.modules, "core.deadlines.clocks", types.SimpleNamespace(recompute_provisional=recompute_provisional))
    report = import_notice(center_db, notice_2027(tmp_path))
    assert seen == [(center_db.user_id, True, False)]
    assert report.recomputed == 7 and "重新计算 7 个临时时限" in report.summary()
    audit = raw_connection().execute("SELECT action, object_uid, detail FROM audit WHERE action LIKE 'calendar.%'").fetchall()
    assert [(a, u, json.loads(d)["recomputed"]) for a, u, d in audit] == [("calendar.import", "2027", 7)]

    assert import_notice(center_db, notice_2027(tmp_path)).recomputed == 0  # nothing changed: no recount
    assert len(seen) == 1


def test_a_provisional_deadline_becomes_final_when_the_notice_arrives(center_db, operator, tmp_path):
    """With the real engine: any working-day clock started on 31 December 2026 runs into 2027."""
    from core.deadlines import clocks as deadlines
    from core.vocab import ClockUnit
    from db.models import Deadline
    from tests.core.dispatch.test_dispatch import register

    rules = deadlines.rule_set("12345")
    rule = next(r for r in rules.rules if r.clock == ClockUnit.WORKING_DAYS.value)
    started = dt.datetime(2026, 12, 31, 10, 0, tzinfo=clock.LOCAL_TZ)
    guess = deadlines.due_time(rule, started)
    assert guess.provisional
    clock_id = Deadline.create(ticket=register(operator), stage=rule.stage, started_at=clock.stamp(started),
                               due_at=clock.stamp(guess.at), provisional=True, profile="12345",
                               rules_version=rules.version, rule_key=rule.key).id

    report = import_notice(center_db, notice_2027(tmp_path))
    assert report.recomputed >= 1
    recomputed = Deadline.get_by_id(clock_id)
    final = deadlines.due_time(rule, started)
    assert not final.provisional and final.at > guess.at  # 1 January is a holiday in the notice
    assert (recomputed.provisional, recomputed.due_at) == (False, clock.stamp(final.at))


def test_a_failing_recomputation_leaves_the_calendar_untouched(center_db, tmp_path, monkeypatch):
    def recompute_provisional(actor):
        raise RuntimeError("engine bug")

    monkeypatch.setitem(sys.modules, "core.deadlines.clocks", types.SimpleNamespace(recompute_provisional=recompute_provisional))
    with pytest.raises(RuntimeError):
        import_notice(center_db, notice_2027(tmp_path))
    assert _state() == ([], [], 0)
    assert not workcalendar.current().has_year(2027)


def test_alerts_each_december_until_next_year_is_imported(center_db, tmp_path, no_engine):
    assert workcalendar.alerts(D(2026, 11, 22)) == []
    december = workcalendar.alerts(D(2026, 12, 1))
    assert len(december) == 1 and december[0].startswith("请导入 2027 年放假通知")
    assert workcalendar.alerts(D(2027, 1, 5))[0].startswith("请导入 2027 年放假通知：今年")
    import_notice(center_db, notice_2027(tmp_path))
    assert workcalendar.alerts(D(2026, 12, 1)) == [] and workcalendar.alerts(D(2027, 1, 5)) == []
    assert workcalendar.alerts(D(2027, 12, 1))[0].startswith("请导入 2028 年放假通知")
