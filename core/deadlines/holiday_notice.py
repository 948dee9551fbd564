"""Importing a year's State Council holiday notice (国务院办公厅关于某年部分节假日安排的通知).

Two shapes are read, as people get them: holiday-cn's JSON (``{"year": 2027, "days":
[{"name", "date", "isOffDay"}]}``, or a bare list of such days) and iCalendar feeds
(all-day VEVENTs whose SUMMARY says 休/假 or 班: holiday-cn's “春节假期” and
“上班(补春节假期)”, or “春节 休”, “春节（班）”, “[放假]中秋节” …).

All or nothing: any bad entry refuses the whole file with a message naming the
file, the entry or line, and the bad value. The import then writes only what
differs from the calendar as it stands, declares the notice's year known, and
lets the deadline engine recompute its provisional deadlines in the same
transaction (DESIGN "Deadlines").
"""
from __future__ import annotations

import datetime as dt
import importlib
import json
import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import clock
from core.deadlines import workcalendar
from core.errors import HotlineError
from core.roles import Actor, Permission
from core.service import require
from core.tabular import clean_line, decode_text, read_bytes
from core.deadlines.workcalendar import SOURCE_NOTICE, WEEKDAY_NAMES, DayInfo
from db.models import CalendarDay, CalendarYear

log = logging.getLogger("hotline.calendar")

# A notice lists 25–45 days of its own year and at most a few of the December before
# (元旦 starting on 30 December, a make-up Sunday): fewer than this is a spill-over.
_OWN_YEAR_DAYS = 10
_EVENT_DAYS_MAX = 31
_ADVICE = "整个文件未导入，工作日历没有任何改动"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ICS_DATE = re.compile(r"(\d{8})(?:T(\d{6})(Z?))?")
_ICS_PROPERTY = re.compile(r'([A-Za-z0-9-]+)((?:;[^:;"]*=(?:"[^"]*"|[^:;"]*))*):(.*)')
_ICS_DURATION = re.compile(r"P(\d+)([DW])")
# 调休 alone says nothing (either side of a swap); 班 wins over 休/假 (“上班(补春节假期)”).
_WORK_MARK = re.compile(r"班")
_OFF_MARK = re.compile(r"休|假")
_MARKERS = re.compile(r"第\s*\d+\s*天(?:\s*/\s*共\s*\d+\s*天)?|调休|上班|补班|加班|放假|假期|休息|[休班]|[\[\]【】()（）]")


class NoticeRefused(HotlineError):
    """The file cannot be taken as a notice; nothing was written."""

    title = "放假通知未导入"


@dataclass(frozen=True)
class NoticeDay:
    day: dt.date
    off: bool
    name: str
    where: str  # 第 3 条 / 第 12 行: for messages


@dataclass(frozen=True)
class Notice:
    file: str
    years: tuple[int, ...]  # the years this notice declares known
    days: tuple[NoticeDay, ...]  # one per date, by date


@dataclass
class ImportReport:
    file: str
    years: list[int]
    newly_known: list[int] = field(default_factory=list)
    added: int = 0  # days the calendar did not know (a year beyond the package)
    changed: int = 0  # days where the file differs from the calendar as it stood
    unchanged: int = 0
    differences: list[str] = field(default_factory=list)
    unlisted: list[dt.date] = field(default_factory=list)  # entries of these years the file does not mention
    recomputed: int | None = None  # provisional deadlines recomputed; None: no deadline engine
    ok: bool = True  # a refused file raises NoticeRefused instead

    def summary(self) -> str:
        years = "、".join(str(y) for y in self.years)
        text = (f"已导入放假通知“{self.file}”（{years} 年）：新增 {self.added} 天，更改 {self.changed} 天，"
                f"未变 {self.unchanged} 天。")
        if not self.added and not self.changed:
            text += "与现有工作日历一致，没有改动任何日期。"
        if self.newly_known:
            text += "、".join(str(y) for y in self.newly_known) + " 年的工作日历现已可用。"
        if self.recomputed:
            text += f"已按新日历重新计算 {self.recomputed} 个临时时限。"
        lines = [text, *(f"  更改 {d}" for d in self.differences)]
        if self.unlisted:
            lines.append(f"  注意：工作日历中还有 {len(self.unlisted)} 天是此文件没有提到的（未改动，如有误可在工作日历中清除）："
                         + "、".join(d.isoformat() for d in self.unlisted))
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "file": self.file, "years": self.years, "newly_known": self.newly_known,
            "added": self.added, "changed": self.changed, "unchanged": self.unchanged,
            "differences": self.differences, "unlisted": [d.isoformat() for d in self.unlisted],
            "recomputed": self.recomputed,
        }


# ---------------------------------------------------------------- reading


def _refused(path: Path, where: str, what: str) -> NoticeRefused:
    return NoticeRefused(f"“{path.name}”{where}：{what}。{_ADVICE}。")


def read_notice(path: Path) -> Notice:
    """The file as a Notice, or NoticeRefused naming what is wrong."""
    raw = read_bytes(path)
    if not raw.strip():
        raise _refused(path, "", "文件是空的")
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:15].upper()
    if path.suffix.lower() in (".ics", ".ical", ".ifb") or head.startswith(b"BEGIN:VCALENDAR"):
        return _read_ics(path, raw)
    if path.suffix.lower() == ".json" or head[:1] in (b"{", b"["):
        return _read_json(path, decode_text(raw, path, "请把文件另存为 UTF-8 编码"))
    raise _refused(path, "", "不认识的文件格式，请使用 holiday-cn 的 .json 文件或日历 .ics 文件")


def _read_json(path: Path, text: str) -> Notice:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _refused(path, f"第 {exc.lineno} 行", f"不是有效的 JSON（{exc.msg}）") from exc
    year = None
    if isinstance(data, dict):
        entries, year = data.get("days"), data.get("year")
        if year is not None and (type(year) is not int or not 1900 <= year <= 2200):
            raise _refused(path, "", f"“year”应为年份数字，例如 2027，文件中是 {json.dumps(year, ensure_ascii=False)}")
    else:
        entries = data
    if not isinstance(entries, list):
        raise _refused(path, "", '格式不对：应为 {"year": 2027, "days": [{"name": "元旦", "date": "2027-01-01", '
                                 '"isOffDay": true}, …]}，或这样的日期列表')
    return _notice(path, [_json_day(path, n, entry) for n, entry in enumerate(entries, 1)], year)


def _json_day(path: Path, number: int, entry: Any) -> NoticeDay:
    where = f"第 {number} 条"
    if not isinstance(entry, dict):
        raise _refused(path, where, f"应为 {{\"name\", \"date\", \"isOffDay\"}}，文件中是 {json.dumps(entry, ensure_ascii=False)[:60]}")
    for key in ("name", "date", "isOffDay"):
        if key not in entry:
            raise _refused(path, where, f"缺少“{key}”")
    value, off, name = entry["date"], entry["isOffDay"], entry["name"]
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value.strip()):
        raise _refused(path, where, f"日期“{value}”的格式不对，应为 YYYY-MM-DD，例如 2027-02-06")
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise _refused(path, where, f"日期“{value}”不存在") from None
    if not isinstance(off, bool):
        raise _refused(path, where, f"“isOffDay”应为 true（放假）或 false（上班），文件中是 {json.dumps(off, ensure_ascii=False)}")
    if not isinstance(name, str):
        raise _refused(path, where, f"“name”应为文字，文件中是 {json.dumps(name, ensure_ascii=False)}")
    return NoticeDay(day, off, clean_line(name), where)


def _unfolded(raw: bytes) -> list[tuple[int, bytes]]:
    """Content lines with their first line number; a line starting with a space or tab
    continues the one before (RFC 5545 3.1). Joined as bytes: a fold may split a character."""
    lines: list[tuple[int, bytes]] = []
    for number, line in enumerate(raw.removeprefix(b"\xef\xbb\xbf").split(b"\n"), 1):
        line = line.removesuffix(b"\r")
        if line[:1] in (b" ", b"\t") and lines:
            lines[-1] = (lines[-1][0], lines[-1][1] + line[1:])
        elif line.strip():
            lines.append((number, line))
    return lines


def _read_ics(path: Path, raw: bytes) -> Notice:
    lines = _unfolded(raw)
    texts = decode_text(b"\n".join(text for _, text in lines), path, "请把文件另存为 UTF-8 编码").split("\n")
    if not texts or texts[0].strip().upper() != "BEGIN:VCALENDAR":
        raise _refused(path, "第 1 行", "不是 iCalendar 文件（应以 BEGIN:VCALENDAR 开头）")
    days: list[NoticeDay] = []
    event: dict[str, tuple[int, str, str]] | None = None
    nested = 0  # inside a VALARM of the event: its SUMMARY is not the event's
    for (number, _), text in zip(lines, texts):
        upper = text.strip().upper()
        if upper == "BEGIN:VEVENT":
            event, nested = {"": (number, "", "")}, 0
        elif upper == "END:VEVENT" and event is not None:
            days.extend(_event_days(path, event))
            event = None
        elif event is not None and upper.startswith(("BEGIN:", "END:")):
            nested += 1 if upper.startswith("BEGIN:") else -1
        elif event is not None and not nested:
            match = _ICS_PROPERTY.fullmatch(text)
            if match is None:
                raise _refused(path, f"第 {number} 行", f"无法识别“{text[:60]}”")
            event[match.group(1).upper()] = (number, match.group(2).upper(), match.group(3).strip())
    if event is not None:
        raise _refused(path, f"第 {event[''][0]} 行", "事件没有以 END:VEVENT 结束")
    return _notice(path, days, None)


def _ics_time(path: Path, line: int, value: str) -> dt.datetime:
    match = _ICS_DATE.fullmatch(value)
    try:
        if match is None:
            raise ValueError
        day, time, utc = match.groups()
        moment = dt.datetime.strptime(day + (time or "000000"), "%Y%m%d%H%M%S")
    except ValueError:
        raise _refused(path, f"第 {line} 行", f"日期“{value}”不对，应为 YYYYMMDD，例如 20270206") from None
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(clock.LOCAL_TZ).replace(tzinfo=None) if utc else moment


def _event_days(path: Path, event: dict[str, tuple[int, str, str]]) -> list[NoticeDay]:
    begin = event[""][0]
    if event.get("STATUS", (0, "", ""))[2].upper() == "CANCELLED":
        return []
    if "RRULE" in event:
        raise _refused(path, f"第 {event['RRULE'][0]} 行", "放假通知不应有重复规则（RRULE）")
    if "DTSTART" not in event:
        raise _refused(path, f"第 {begin} 行起的事件", "缺少开始日期 DTSTART")
    if "SUMMARY" not in event:
        raise _refused(path, f"第 {begin} 行起的事件", "缺少标题 SUMMARY（应写明“休”或“班”）")
    line, _, value = event["DTSTART"]
    start = _ics_time(path, line, value)
    if "DTEND" in event:
        end = _ics_time(path, event["DTEND"][0], event["DTEND"][2])
    elif "DURATION" in event:
        length = _ICS_DURATION.fullmatch(event["DURATION"][2])
        if length is None:
            raise _refused(path, f"第 {event['DURATION'][0]} 行", f"时长“{event['DURATION'][2]}”应为整天数，例如 P3D")
        end = start + dt.timedelta(days=int(length.group(1)) * (7 if length.group(2) == "W" else 1))
    else:
        end = start + dt.timedelta(days=1)  # a one-day all-day event (RFC 5545 3.6.1)
    last = (end - dt.timedelta(seconds=1)).date()
    if last < start.date():
        raise _refused(path, f"第 {event.get('DTEND', event['DTSTART'])[0]} 行", f"结束日期早于开始日期（{value}）")
    if (last - start.date()).days >= _EVENT_DAYS_MAX:
        raise _refused(path, f"第 {line} 行", f"一个事件跨了 {(last - start.date()).days + 1} 天，不像放假安排")
    summary_line, _, summary = event["SUMMARY"]
    summary = re.sub(r"\\([,;\\])", r"\1", summary).replace("\\n", " ").replace("\\N", " ")
    marks = summary.replace("调休", "") + " " + event.get("CATEGORIES", (0, "", ""))[2]
    if _WORK_MARK.search(marks):
        off = False
    elif _OFF_MARK.search(marks):
        off = True
    else:
        raise _refused(path, f"第 {summary_line} 行", f"“{summary}”没有写明是放假（休）还是上班（班）")
    name = clean_line(_MARKERS.sub(" ", summary)).removeprefix("补").strip()
    where = f"第 {line} 行"
    return [NoticeDay(start.date() + dt.timedelta(days=k), off, name, where)
            for k in range((last - start.date()).days + 1)]


def _notice(path: Path, days: list[NoticeDay], declared: int | None) -> Notice:
    if not days:
        raise _refused(path, "", "文件中没有任何日期")
    by_day: dict[dt.date, NoticeDay] = {}
    for d in days:
        seen = by_day.setdefault(d.day, d)
        if seen.off != d.off:
            raise _refused(path, f"{seen.where}和{d.where}", f"{d.day.isoformat()} 既标为放假又标为上班")
    counts = Counter(d.year for d in by_day)
    span = set(counts) | ({declared} if declared is not None else set())
    if max(span) - min(span) > 1:
        raise _refused(path, "", f"日期跨越 {min(span)}–{max(span)} 年；一份放假通知只涉及当年和相邻一年的几天，请按年分别导入")
    if declared is not None:
        if declared not in counts:
            raise _refused(path, "", f"文件中没有 {declared} 年的日期")
        years: tuple[int, ...] = (declared,)
    else:
        latest = max(counts)
        years = tuple(sorted({latest} | {y for y, n in counts.items() if n >= _OWN_YEAR_DAYS}))
    return Notice(path.name, years, tuple(by_day[d] for d in sorted(by_day)))


# ---------------------------------------------------------------- importing


def _recompute_provisional() -> Callable[..., int] | None:
    """core.deadlines.clocks.recompute_provisional, if the deadline engine is installed."""
    try:
        module = importlib.import_module("core.deadlines.clocks")
    except ModuleNotFoundError as exc:
        if exc.name != "core.deadlines.clocks":
            raise
        return None
    return getattr(module, "recompute_provisional", None)


def _describe(day: dt.date, info: DayInfo | None) -> str:
    if info is not None:
        return info.describe()
    return "平常工作日" if day.weekday() < 5 else "周末休息"


def import_notice(actor: Actor, path: Path) -> ImportReport:
    """Import a notice file; see the module docstring. Raises NoticeRefused, nothing written."""
    require(actor, Permission.CALENDAR_MANAGE)  # before reading: a refused file says nothing to others
    notice = read_notice(path)
    report = ImportReport(notice.file, list(notice.years))
    with workcalendar.calendar_write(actor, "calendar.import", ",".join(map(str, notice.years))) as tx:
        before = workcalendar.current()
        stamp, written = clock.stamp(), []
        for d in notice.days:
            info = before.day_info(d.day)
            if info is not None and info.source != workcalendar.SOURCE_BUILTIN:
                same = (info.off, info.name) == (d.off, d.name)  # a notice or admin row
            elif d.day.year in workcalendar.BUILTIN_YEARS:
                same = before.is_workday(d.day) != d.off  # the package already says so; a name alone is no change
            else:
                same = None  # a year beyond the package: the notice is the only word
            if same:
                report.unchanged += 1
                continue
            if same is None:
                report.added += 1
            else:
                report.changed += 1
                after = DayInfo(d.day, d.off, d.name, SOURCE_NOTICE)
                report.differences.append(f"{d.day.isoformat()} {WEEKDAY_NAMES[d.day.weekday()]}："
                                          f"{_describe(d.day, info)} → {after.describe()}")
            written.append({"day": d.day.isoformat(), "off": d.off, "name": d.name, "source": SOURCE_NOTICE,
                            "updated_at": stamp, "updated_by": actor.user_id})
        if written:
            CalendarDay.insert_many(written).on_conflict_replace().execute()
        listed = {d.day for d in notice.days}
        report.unlisted = [i.day for y in notice.years for i in before.days_of(y)
                           if i.day not in listed and i.source != workcalendar.SOURCE_BUILTIN]
        report.newly_known = [y for y in notice.years if not before.has_year(y)]
        for year in notice.years:
            if CalendarYear.get_or_none(CalendarYear.year == year) is None or written:
                CalendarYear.insert(year=year, source=notice.file, imported_at=stamp,
                                    imported_by=actor.user_id).on_conflict_replace().execute()
        recompute = _recompute_provisional()
        if recompute is not None:
            workcalendar.forget()  # the engine's current() must see the rows just written
            report.recomputed = recompute(actor) if written or report.newly_known else 0
        tx.detail = {k: v for k, v in report.as_dict().items() if k not in ("differences", "unlisted")}
    log.info("notice for %s imported: %d added, %d changed, %d unchanged, %s deadlines recomputed",
             notice.years, report.added, report.changed, report.unchanged, report.recomputed)
    return report
