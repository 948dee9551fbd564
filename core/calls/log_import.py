"""Importing the phone system's call records (话务记录), CSV or .xlsx, as its export gives them.

The program does not answer the phones; the center's call system does, and exports what it saw:
when each call came in, from which number, whether and after how long it was answered, how long
the talk was, and by which agent. The figures of 12345 5.1.3.2 (接听 within 15 s, 接通率 ≥ 95 %
over 24 hours) and 12365 3.7–3.8 (接线率, 热线等待时间) are counted from them (core.calls.figures).

- Columns are found by their headers, as in the ledger import: each field accepts the names
  the common systems use (``COLUMNS``; README "Call log columns"). Text may be UTF-8 or GB18030.
- A file is all or nothing: a row that cannot be read (an impossible time, a negative duration,
  an answer the program cannot tell) refuses the file, and the report names each such row.
- A file imported once is refused the second time (its SHA-256); calls already held from an
  overlapping export are passed over and counted (``call_key``: the system's call id, else a
  hash of what the row says).
- Each answered call from a number is linked to the phone ticket of that number received
  during it (the form takes the call's start as 诉求提出时间, core.tickets.registration).
- Rows stream through: a million-row export is never held in memory.
"""
from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import hashlib
import itertools
import math
import re
import unicodedata
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import clock, tabular
from core.errors import Cancelled, HotlineError
from core.roles import Actor, Permission
from core.service import write
from core.tickets.registration import normalize_phone
from db.connection import raw_connection
from db.models import CallImport

# Field -> accepted headers, most specific first. A unit in brackets is ignored: 通话时长（秒）.
COLUMNS: dict[str, tuple[str, ...]] = {
    "call_id": ("通话ID", "通话编号", "呼叫ID", "呼叫编号", "话单编号", "话单ID", "流水号", "callid", "call_id", "uniqueid"),
    "called_at": ("呼入时间", "来电时间", "呼叫时间", "振铃开始时间", "开始时间", "进线时间", "时间", "calltime",
                  "call_time", "start_time", "starttime"),
    "caller": ("主叫号码", "来电号码", "主叫", "呼入号码", "客户号码", "号码", "caller", "callerid", "ani", "src"),
    "answered": ("是否接通", "接通状态", "呼叫结果", "通话状态", "接听状态", "状态", "answered", "status",
                 "disposition"),
    "wait_seconds": ("等待时长", "振铃时长", "排队时长", "等待时间", "振铃时间", "wait", "wait_seconds",
                     "ring_seconds", "ringtime"),
    "talk_seconds": ("通话时长", "通话时间", "talk", "talk_seconds", "billsec", "duration"),
    "agent": ("坐席工号", "座席工号", "坐席", "座席", "接听坐席", "接听人", "话务员", "工号", "agent"),
}
REQUIRED = ("called_at", "wait_seconds")  # with "answered" or "talk_seconds" to tell an answer
ANSWERED_WORDS = ("已接通", "接通", "已接听", "接听", "应答", "是", "y", "yes", "1", "true", "answered", "answer")
MISSED_WORDS = ("未接通", "未接听", "未接", "未应答", "呼损", "放弃", "挂断", "早释", "否", "n", "no", "0", "false",
                "no answer", "noanswer", "abandoned", "busy", "failed", "missed")
MAX_SECONDS = 24 * 3600  # a wait or a talk longer than a day is not a call
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=clock.LOCAL_TZ)
FUTURE_SLACK = dt.timedelta(minutes=5)  # the phone system's clock and this PC's may differ a little
TICKET_SLACK = dt.timedelta(minutes=2)  # a ticket saved just after the call still belongs to it
SHOWN_REJECTIONS = 200  # rows named in the report; the count is always whole
CHUNK = 5000  # rows per executemany
_BRACKETED = re.compile(r"[（(][^）)]*[）)]$")
LONGEST_NUMBER = 20  # digits of a phone number, as the ticket form allows
LONGEST_TIME = 64  # characters of a written time; a longer cell is no time (and slow to parse)


class CallLogError(HotlineError):
    """The file as a whole cannot be taken; the message names it and says what to do."""

    title = "无法导入话务记录"


@dataclass(frozen=True)
class RejectedCall:
    line: int  # as the spreadsheet numbers it
    reason: str


@dataclass
class CallImportReport:
    file_name: str
    dry_run: bool = False
    rows: int = 0
    added: int = 0
    duplicates: int = 0
    linked: int = 0
    rejected: list[RejectedCall] = field(default_factory=list)
    rejected_count: int = 0
    first_call: str = ""
    last_call: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # field -> the file's own header

    @property
    def ok(self) -> bool:
        return self.rejected_count == 0 and self.rows > 0

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "summary": self.summary(), **dataclasses.asdict(self)}

    def summary(self) -> str:
        if self.rejected_count:
            return (f"“{self.file_name}”有 {self.rejected_count} 行无法读取，整个文件未导入"
                    f"（共 {self.rows} 行）。请按下列行号改正后重新导入。")
        if not self.rows:
            return f"“{self.file_name}”中没有话务记录。"
        span = f"，时间 {clock.display(self.first_call)} 至 {clock.display(self.last_call)}" if self.first_call else ""
        verb = "可导入" if self.dry_run else "已导入"
        tail = "（试导入，未写入）" if self.dry_run else ""
        return (f"“{self.file_name}”共 {self.rows} 条话务记录{span}：{verb} {self.added} 条，"
                f"已有而跳过 {self.duplicates} 条，关联到工单 {self.linked} 条{tail}。")


class _Refused(Exception):
    """Rolls the import back; the report says why."""


def _unreadable(path: Path, exc: OSError) -> CallLogError:
    """An OSError in Chinese (its own text is the system's English)."""
    if isinstance(exc, FileNotFoundError):
        return CallLogError(f"找不到文件“{path}”。")
    if isinstance(exc, IsADirectoryError) or path.is_dir():
        return CallLogError(f"“{path.name}”是文件夹，不是文件：请选择其中导出的话务记录文件（.csv 或 .xlsx）。")
    if isinstance(exc, PermissionError):
        return CallLogError(f"无法读取“{path.name}”：没有读取权限，或文件正被其他程序（如 Excel）打开。"
                            f"请关闭该文件后重试。")
    return CallLogError(f"无法读取“{path.name}”：读取文件时出错（错误号 {exc.errno or '未知'}）。请把文件复制到本机后重试。")


def _shown(value: Any) -> str:
    """A cell as a refusal quotes it: a long one cut short."""
    text = tabular.cell_text(value)
    return text if len(text) <= 30 else text[:30] + "…"


def _header(value: Any) -> str:
    return _BRACKETED.sub("", tabular.header_name(value))


def _columns(cells: list[Any]) -> dict[str, int]:
    names = [_header(c).casefold() for c in cells]
    found: dict[str, int] = {}
    for key, synonyms in COLUMNS.items():
        for synonym in synonyms:
            if synonym.casefold() in names and names.index(synonym.casefold()) not in found.values():
                found[key] = names.index(synonym.casefold())
                break
    return found


def _usable(found: dict[str, int]) -> bool:
    return all(k in found for k in REQUIRED) and ("answered" in found or "talk_seconds" in found)


# ---------------------------------------------------------------- reading rows, streamed


def _csv_rows(path: Path, utf8: bool | None = None) -> Generator[tuple[int, list[Any]], None, None] | None:
    """Rows of a CSV file in UTF-8 or GB18030, under the separator its header is written with."""
    try:
        with open(path, "rb") as fh:
            raw_head = fh.read(4096)
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    if raw_head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise CallLogError(f"“{path.name}”是 UTF-16 编码的文本（Excel 的“Unicode 文本”），"
                           f"请在 Excel 中“另存为”“CSV UTF-8”后再导入。")
    if b"\x00" in raw_head:
        raise CallLogError(f"“{path.name}”不是文本格式的 CSV 文件（可能是改了扩展名的 Excel 文件），请确认文件类型。")
    encoding = _encoding(path, utf8)
    for delimiter in (",", "\t", ";"):
        rows = _read_csv(path, encoding, delimiter)
        head = list(itertools.islice(rows, tabular.HEADER_SCAN_ROWS))
        rows.close()  # the file is read again from its start, under this separator
        for index, (_, cells) in enumerate(head):
            if _usable(_columns(cells)):
                return _read_csv(path, encoding, delimiter, index)
    return None


def _encoding(path: Path, utf8: bool | None = None) -> str:
    """UTF-8 if the whole file reads as UTF-8 (``utf8``: already known from the digest's pass),
    else GB18030 if that reads, else a message."""
    if utf8:
        return tabular.ENCODINGS[0]
    for encoding in tabular.ENCODINGS[1:] if utf8 is False else tabular.ENCODINGS:
        try:
            with open(path, encoding=encoding, newline="") as fh:
                while fh.read(1 << 20):
                    pass
            return encoding
        except UnicodeDecodeError:
            continue
        except OSError as exc:
            raise _unreadable(path, exc) from exc
    raise CallLogError(f"无法读取“{path.name}”：文字编码既不是 UTF-8 也不是 GB18030，请用 Excel 另存为“CSV UTF-8”。")


def _read_csv(path: Path, encoding: str, delimiter: str, skip: int = 0) -> Generator[tuple[int, list[Any]], None, None]:
    number = 0
    try:
        with open(path, encoding=encoding, newline="") as fh:
            numbered = enumerate(csv.reader(fh, delimiter=delimiter), start=1)
            for number, cells in itertools.islice(numbered, skip, None):
                yield number, [tabular.from_csv_cell(c) if c[:1] == "'" else c for c in cells]
    except csv.Error as exc:  # with the default dialect, in effect only a cell over the limit
        raise CallLogError(f"无法读取“{path.name}”：第 {number + 1} 行附近有一格长于 {csv.field_size_limit()} 个字符"
                           f"（可能是引号没有成对），这不是话务记录。请检查该行后重新导入。") from exc


def _xlsx_rows(path: Path) -> tuple[Generator[tuple[int, list[Any]], None, None] | None, dt.datetime]:
    import openpyxl  # slow to import; only import work needs it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors alike
        raise CallLogError(f"无法读取“{path.name}”：文件已损坏或不是 Excel 工作簿。请在 Excel 或 WPS 中打开，"
                           f"“另存为” .xlsx 后再导入。") from exc

    def rows_of(worksheet: Any, skip: int = 0, close: bool = False) -> Generator[tuple[int, list[Any]], None, None]:
        try:
            numbered = enumerate((list(r) for r in worksheet.iter_rows(min_row=1, values_only=True)), start=1)
            yield from itertools.islice(numbered, skip, None)
        except Exception as exc:  # the sheet's XML is parsed only as it is read
            raise CallLogError(f"无法读取“{path.name}”：工作表“{worksheet.title}”已损坏。请在 Excel 或 WPS 中打开，"
                               f"“另存为” .xlsx 后再导入。") from exc
        finally:
            if close:  # read to the end (or given up): the workbook's file is closed
                book.close()

    for worksheet in book.worksheets:
        if not hasattr(worksheet, "reset_dimensions"):
            continue
        worksheet.reset_dimensions()
        head = list(itertools.islice(rows_of(worksheet), tabular.HEADER_SCAN_ROWS))
        for index, (_, cells) in enumerate(head):
            if _usable(_columns(cells)):
                return rows_of(worksheet, index, close=True), book.epoch
    book.close()
    return None, tabular.EXCEL_EPOCH


def _open_rows(path: Path, utf8: bool | None = None) -> tuple[Generator[tuple[int, list[Any]], None, None], dt.datetime]:
    suffix = path.suffix.lower()
    if suffix in (".xls", ".et"):
        raise CallLogError(f"“{path.name}”是旧版 Excel 格式，请在 Excel 或 WPS 中“另存为” .xlsx 后再导入。")
    if suffix not in (".csv", ".txt", ".xlsx", ".xlsm"):
        raise CallLogError(f"“{path.name}”不是可导入的话务记录文件，只能导入 .csv 或 .xlsx 文件。")
    if not path.is_file():
        raise CallLogError(f"找不到文件“{path}”。")
    if suffix in (".xlsx", ".xlsm"):
        rows, epoch = _xlsx_rows(path)
    else:
        rows, epoch = _csv_rows(path, utf8), tabular.EXCEL_EPOCH
    if rows is None:
        raise CallLogError(
            f"“{path.name}”的前 {tabular.HEADER_SCAN_ROWS} 行中找不到话务记录的表头：至少要有呼入时间"
            f"（如“呼入时间”“来电时间”）、等待时长（如“等待时长”“振铃时长”），以及是否接通或通话时长"
            f"（如“是否接通”“通话时长”）。可用的列名见使用说明“话务记录的列”。")
    return rows, epoch


# ---------------------------------------------------------------- one row


def seconds(value: Any) -> int | None:
    """A duration cell: 83, 83.0, "83", "00:01:23", "1:23", "1分23秒", "83秒"; None if unreadable."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return round(value) if value >= 0 and math.isfinite(value) else None
    if isinstance(value, dt.time):
        return value.hour * 3600 + value.minute * 60 + value.second
    if isinstance(value, dt.timedelta):
        return round(value.total_seconds())
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    if len(text) > 20:  # no duration is written longer; 10 000 digits are no number int() takes
        return None
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return round(float(text))
    if m := re.fullmatch(r"(?:(\d+):)?(\d{1,2}):(\d{1,2})", text):
        h, mi, s = int(m.group(1) or 0), int(m.group(2)), int(m.group(3))
        return h * 3600 + mi * 60 + s if mi < 60 and s < 60 else None
    if m := re.fullmatch(r"(?:(\d+)(?:小时|时|h))?\s*(?:(\d+)(?:分钟|分|m|min))?\s*(?:(\d+)(?:秒|s|sec))?", text):
        if any(m.groups()):
            return int(m.group(1) or 0) * 3600 + int(m.group(2) or 0) * 60 + int(m.group(3) or 0)
    return None


def _answered(value: Any, talk: int | None) -> bool | None:
    if value is None or str(value).strip() == "":
        return None if talk is None else talk > 0
    if isinstance(value, bool):
        return value
    text = unicodedata.normalize("NFKC", tabular.cell_text(value)).strip().casefold()
    if text in MISSED_WORDS:  # before the answered words: 未接通 contains 接通
        return False
    if text in ANSWERED_WORDS:
        return True
    if any(w in text for w in ("未接", "未应答", "呼损", "放弃", "挂断")):
        return False
    if any(w in text for w in ("接通", "接听", "应答")):
        return True
    return None


_PLAIN_TIME = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ T](\d{1,2}):(\d{2}):(\d{2})")
_ANSWER_CODES = {w: True for w in ANSWERED_WORDS} | {w: False for w in MISSED_WORDS}
_WITHHELD = ("-", "未知", "unknown", "anonymous")
_DATE_ONLY = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|\d{8}")


def _line(value: Any) -> str:
    """tabular.clean_line, with a short way for the plain text most cells hold."""
    if isinstance(value, str) and (value.isalnum() or (value.isascii() and value.isprintable()
                                                       and value == value.strip() and "  " not in value)):
        return value
    return tabular.clean_line(value)


def row_reader(found: dict[str, int], epoch: dt.datetime, now: dt.datetime,
               import_id: int | None = None, ragged: bool = True) -> Callable[[list[Any]], tuple]:
    """For the file's columns: cells -> the row to store, or ValueError with the reason in Chinese.

    ``ragged``: a row may stop before the columns it has (a worksheet leaves out its trailing empty
    cells). In CSV every row has all the header's cells; a shorter one was broken apart (a comma or
    a line break in a cell without quotes) and is refused rather than read as empty cells.

    A million rows pass through here, so the shapes phone systems write (2026/10/01 08:03:15,
    digits for seconds and numbers) take a short way; anything else goes the general way
    (core.tabular.parse_time, ``seconds``), which also words the refusals."""
    used = max(found.values()) + 1
    width = used + 1
    blank = width  # the index of the None that pads every row: a column the file lacks reads it
    at_i, wait_i = found["called_at"], found["wait_seconds"]
    talk_i, answer_i = found.get("talk_seconds"), found.get("answered", blank)
    caller_i, agent_i, id_i = found.get("caller", blank), found.get("agent"), found.get("call_id")
    latest = clock.to_local(now + FUTURE_SLACK).replace(tzinfo=None).isoformat()
    earliest = EARLIEST.replace(tzinfo=None).isoformat()

    valid_days: dict[str, bool] = {}

    def plain(value: str) -> str | None:
        """'2026/10/01 08:03:15' -> '2026-10-01T08:03:15' without making a datetime, or None."""
        match = _PLAIN_TIME.fullmatch(value)
        if match is None:
            return None
        y, mo, d, h, mi, s = match.groups()
        day = f"{y}-{mo:0>2}-{d:0>2}"
        known = valid_days.get(day)
        if known is None:
            try:
                dt.date(int(y), int(mo), int(d))
                known = True
            except ValueError:
                known = False
            valid_days[day] = known
        if not known or int(h) > 23 or int(mi) > 59 or int(s) > 59:
            return None
        return f"{day}T{h:0>2}:{mi}:{s}"

    def moment_of(value: Any) -> str:
        """The call's time as stored, less its +08:00."""
        text = plain(value) if isinstance(value, str) else None
        if text is None:
            if isinstance(value, str):
                value = " ".join(value.split())
            if (isinstance(value, dt.date) and not isinstance(value, dt.datetime)) or (
                    isinstance(value, str) and _DATE_ONLY.fullmatch(unicodedata.normalize("NFKC", value))):
                raise ValueError(f"呼入时间“{_shown(value)}”只有日期，没有时刻，请导出带时分秒的呼入时间")
            parsed = tabular.parse_time(value, epoch) if len(str(value)) <= LONGEST_TIME else None
            if parsed is None:
                raise ValueError(f"呼入时间“{_shown(value)}”无法识别为日期时间")
            text = parsed.replace(tzinfo=None, microsecond=0).isoformat()
        if text < earliest or text > latest:
            raise ValueError(f"呼入时间 {text.replace('T', ' ')} 不可能（早于 2000 年或晚于现在）")
        return text

    def duration(value: Any, label: str) -> int:
        fast = isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10
        got = int(value) if fast else seconds(value)
        if got is None or not 0 <= got <= MAX_SECONDS:
            raise ValueError(f"{label}“{_shown(value)}”不是 0 到 86400 之间的秒数")
        return got

    def read(cells: list[Any]) -> tuple:
        if not ragged and len(cells) < used:
            raise ValueError(f"这一行只有 {len(cells)} 列，表头有 {used} 列（可能某格中的逗号或换行没有加引号），请核对")
        if len(cells) <= width:
            cells = cells + [None] * (width + 1 - len(cells))
        moment = moment_of(cells[at_i])
        wait = duration(cells[wait_i], "等待时长")
        talk = duration(cells[talk_i], "通话时长") if talk_i is not None else 0
        raw_answer = cells[answer_i]
        answered = _ANSWER_CODES.get(raw_answer) if isinstance(raw_answer, str) else None
        if answered is None and isinstance(raw_answer, str):
            answered = _ANSWER_CODES.get(raw_answer.strip().casefold())
        if answered is None:
            answered = _answered(raw_answer, talk if talk_i is not None else None)
        if answered is None:
            raise ValueError(f"是否接通“{_shown(raw_answer)}”无法判断，请写“接通”或“未接通”")
        if not answered and talk:
            raise ValueError(f"未接通的来电却有 {talk} 秒通话时长，请核对")
        raw_caller = cells[caller_i]
        caller_text = raw_caller.strip() if isinstance(raw_caller, str) else tabular.cell_text(raw_caller).strip()
        plain_digits = caller_text.isascii() and caller_text.isdigit() and not caller_text.startswith("0086")
        caller = caller_text if plain_digits else normalize_phone(caller_text)
        if (caller_text and not caller and caller_text.casefold() not in _WITHHELD) or len(caller) > LONGEST_NUMBER:
            raise ValueError(f"主叫号码“{_shown(caller_text)}”不是电话号码")
        agent = _line(cells[agent_i])[:50] if agent_i is not None else ""
        called = moment + "+08:00"
        call_id = _line(cells[id_i])[:100] if id_i is not None else ""
        if call_id:
            key = "id:" + call_id
        else:  # what the row says, so the same call in an overlapping export is the same key
            what = "|".join((called, caller, "1" if answered else "0", str(wait), str(talk), agent))
            key = "h:" + hashlib.sha256(what.encode()).hexdigest()[:32]
        return key, called, caller, int(answered), wait, talk, agent, import_id

    return read


# ---------------------------------------------------------------- the import


_INSERT = ("INSERT OR IGNORE INTO call_record (call_key, called_at, caller, answered, wait_seconds,"
           " talk_seconds, agent, import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
# The phone ticket of that number received during the call (a little slack either side). Times
# are stored at +08:00 (China keeps no summer time); SQLite's date functions read them as UTC,
# so the bounds are shifted back by 8 hours and written again with the offset, comparable as text.
_LINK = """
    UPDATE call_record SET ticket_id = (
        SELECT t.id FROM ticket t
        WHERE t.caller_phone = call_record.caller AND t.channel = 'phone'
          AND t.received_at >= strftime('%Y-%m-%dT%H:%M:%S+08:00', call_record.called_at, '+8 hours',
                                        '-{slack} seconds')
          AND t.received_at <= strftime('%Y-%m-%dT%H:%M:%S+08:00', call_record.called_at, '+8 hours',
                                        '+' || (wait_seconds + talk_seconds + {slack}) || ' seconds')
        ORDER BY t.received_at LIMIT 1)
    WHERE import_id = :import AND answered = 1 AND caller IN (
        -- only numbers that have a phone ticket in the file's span: most calls make none
        SELECT caller_phone FROM ticket
        WHERE channel = 'phone' AND caller_phone != '' AND received_at >= :first AND received_at <= :last)
""".format(slack=int(TICKET_SLACK.total_seconds()))


def import_calls(actor: Actor, path: Path, dry_run: bool = False,
                 progress: Callable[[int, int], None] | None = None,
                 cancelled: Callable[[], bool] | None = None) -> CallImportReport:
    """Take a call-log file whole, or nothing of it (see the module's doc)."""
    path = Path(path)
    report = CallImportReport(path.name, dry_run)
    digest, utf8 = _digest(path)
    earlier = CallImport.get_or_none(CallImport.sha256 == digest)
    if earlier is not None:
        raise CallLogError(f"“{path.name}”已于 {clock.display(earlier.imported_at)} 导入过（{earlier.rows} 条，"
                           f"新增 {earlier.added} 条），不再重复导入。同一时段的新导出文件可以导入，已有的通话会跳过。")
    rows, epoch = _open_rows(path, utf8)
    now = clock.now()
    try:
        with write(actor, Permission.CALLS_IMPORT, "calls.import", "call_import", digest) as tx:
            conn = raw_connection()
            import_id = CallImport.insert(file_name=path.name[:200], sha256=digest, imported_at=clock.stamp(now),
                                          imported_by=actor.user_id, rows=0, added=0, duplicates=0).execute()
            _take(conn, rows, epoch, now, import_id, report, progress, cancelled,
                  ragged=path.suffix.lower() in (".xlsx", ".xlsm"))
            if report.rejected_count or dry_run or not report.rows:
                raise _Refused
            last = clock.stamp(clock.parse_stamp(report.last_call) + dt.timedelta(seconds=2 * MAX_SECONDS))
            first = clock.stamp(clock.parse_stamp(report.first_call) - TICKET_SLACK)
            conn.execute(_LINK, {"import": import_id, "first": first, "last": last})
            report.linked = conn.execute("SELECT count(*) FROM call_record WHERE import_id = ? AND ticket_id IS NOT NULL",
                                         (import_id,)).fetchone()[0]
            CallImport.update(rows=report.rows, added=report.added, duplicates=report.duplicates,
                              first_call=report.first_call, last_call=report.last_call
                              ).where(CallImport.id == import_id).execute()
            tx.detail = {"file": path.name, "rows": report.rows, "added": report.added,
                         "duplicates": report.duplicates, "linked": report.linked}
    except _Refused:
        pass
    except UnicodeDecodeError as exc:
        raise CallLogError(f"无法读取“{path.name}”：文字编码有误。") from exc
    finally:
        rows.close()  # the file, read or not
    return report


def _take(conn: Any, rows: Generator[tuple[int, list[Any]], None, None], epoch: dt.datetime, now: dt.datetime,
          import_id: int, report: CallImportReport, progress: Callable[[int, int], None] | None,
          cancelled: Callable[[], bool] | None, ragged: bool = True) -> None:
    header_line, header = next(rows)
    found = _columns(header)
    names = [_header(c).casefold() for c in header]
    for index in found.values():
        if names.count(names[index]) > 1:  # which of them the system meant cannot be told
            raise CallLogError(f"“{report.file_name}”的表头有 {names.count(names[index])} 列都叫"
                               f"“{_header(header[index])}”，无法确定用哪一列。请删去或改名多余的列后重新导入。")
    report.columns = {k: tabular.header_name(header[i]) for k, i in found.items()}
    read = row_reader(found, epoch, now, import_id, ragged)
    batch: list[tuple] = []
    total_before = conn.total_changes()

    def flush() -> None:
        if batch and not report.rejected_count:
            conn.executemany(_INSERT, batch)
        batch.clear()

    for line, cells in rows:
        if not any(cells):
            continue  # an empty row
        report.rows += 1
        if report.rows % CHUNK == 0:  # read rows, not kept ones: a file of refused rows is long work too
            Cancelled.check(cancelled, "已取消导入话务记录，没有写入任何记录。")
            if progress is not None:
                progress(report.rows, 0)
        try:
            row = read(cells)
        except ValueError as exc:
            report.rejected_count += 1
            if len(report.rejected) < SHOWN_REJECTIONS:
                report.rejected.append(RejectedCall(line, str(exc)))
            continue
        called = row[1]
        if not report.first_call or called < report.first_call:
            report.first_call = called
        if called > report.last_call:
            report.last_call = called
        batch.append(row)
        if len(batch) >= CHUNK:
            flush()
    flush()
    inserted = conn.total_changes() - total_before
    report.added = inserted
    report.duplicates = report.rows - report.rejected_count - inserted


def _digest(path: Path) -> tuple[str, bool]:
    """The file's SHA-256, and whether it reads as UTF-8, in one pass over it."""
    digest, decoder, utf8 = hashlib.sha256(), codecs.getincrementaldecoder("utf-8")(), True
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
                if utf8:
                    try:
                        decoder.decode(block)
                    except UnicodeDecodeError:
                        utf8 = False
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
        return digest.hexdigest(), utf8
    except OSError as exc:  # a folder too (on Windows, PermissionError)
        raise _unreadable(path, exc) from None
