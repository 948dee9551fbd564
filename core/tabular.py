"""Reading tables that people send: CSV in whatever encoding Excel saved, and .xlsx;
and writing the CSV files the program hands out.

Shared by the ledger import (core.tickets.ledger_import), the knowledge-base and unit imports
and exports (core.kb.import_export, core.units.import_export) and the archive batch's 目录.csv: cell text
cleaned the same way, dates read from every shape seen in real files, the header
found among the first rows, cells a spreadsheet would run as formulas written as
text, and errors that name the file and say what to do. Nothing here knows what
the columns mean.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from core import clock
from core.errors import HotlineError

HEADER_SCAN_ROWS = 10  # a title or a note may sit above the header row
ENCODINGS = ("utf-8-sig", "gb18030")  # what Excel and WPS save CSV as on Chinese Windows


class OutcomeCounts:
    """What every all-or-nothing import report shares (articles, units): ``outcomes`` with an
    ``action`` of added / updated / unchanged, and ``rejected`` rows that stop the whole file."""

    outcomes: list[Any]
    rejected: list[Any]

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    @property
    def ok(self) -> bool:
        """True when every row could be taken (a dry run included) and there was one."""
        return not self.rejected and bool(self.outcomes)

    def counts_text(self) -> str:
        return f"新增 {self.count('added')}，更新 {self.count('updated')}，未变 {self.count('unchanged')}"


class TableError(HotlineError):
    """The file as a whole cannot be read; the message names it."""

    title = "无法读取文件"


class MissingHeader(TableError):
    """No row among the first ones names the required column; ``headers`` are what was found."""

    def __init__(self, path: Path, headers: list[str]) -> None:
        super().__init__(f"“{path.name}”中找不到所需的列。找到的表头：{'、'.join(headers[:20]) or '（前 10 行都是空的）'}。")
        self.headers = headers


_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_HSPACE = re.compile(r"[^\S\n]+")  # any whitespace except the line break
# Web-scraped replies lost their line breaks but kept the two full-width spaces
# that indent each Chinese paragraph; inside a line such a run starts a paragraph.
_PARAGRAPH_INDENT = re.compile(r"(?<=\S)[^\S\n]*\u3000{2,}[^\S\n]*(?=\S)")
_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"|(\d{4})(\d{2})(\d{2})(?=\D|$)"
)
_TIME = re.compile(
    r"(上午|早上|中午|下午|晚上)?\s*(\d{1,2})\s*[:时点]\s*(\d{1,2})?\s*(?:[:分]\s*(\d{1,2})(?:\.\d+)?\s*秒?)?\s*分?"
    r"\s*(AM|PM)?\s*(Z|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")


# ---------------------------------------------------------------- text and dates


def clean_line(value: Any) -> str:
    """One-line text: every run of whitespace (full-width, nbsp, tabs, breaks) as one space."""
    return " ".join(cell_text(value).translate(_ZERO_WIDTH).split())


def clean_text(value: Any) -> str:
    """Multi-line text: lines trimmed, inner padding collapsed, blank lines dropped."""
    text = cell_text(value).translate(_ZERO_WIDTH)
    # openpyxl leaves a carriage return stored by Excel as the literal escape.
    text = text.replace("_x000D_", "\n").replace("\r\n", "\n").replace("\r", "\n")
    text = _PARAGRAPH_INDENT.sub("\n", text)
    lines = (_HSPACE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # phone numbers and legacy numbers typed as numbers
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


EXCEL_EPOCH = dt.datetime(1899, 12, 30)  # the 1900 date system, its fake 1900-02-29 included


def _from_serial(serial: float, epoch: dt.datetime) -> dt.datetime:
    return epoch + dt.timedelta(seconds=round(serial * 86400))


def parse_time(value: Any, epoch: dt.datetime = EXCEL_EPOCH) -> dt.datetime | None:
    """A cell as a local time; None when it cannot be read as a date.

    Accepts datetime/date cells, Excel serial numbers (as numbers or digits text;
    ``epoch`` is the workbook's day 0, 1904-01-01 for old Mac workbooks),
    and strings such as 2019/1/5 9:30:00, 2019-01-05 09:30, 2019年1月5日 下午3时,
    20190105, or ISO 8601 with an offset.
    """
    if isinstance(value, dt.datetime):
        return clock.to_local(value)
    if isinstance(value, dt.date):
        return clock.to_local(dt.datetime.combine(value, dt.time.min))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return clock.to_local(_from_serial(float(value), epoch)) if 0 < value < 2_958_466 else None
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if not text:
        return None
    if _SERIAL.fullmatch(text):
        return clock.to_local(_from_serial(float(text), epoch))
    date = _DATE.match(text)
    if date is None:
        return None
    year, month, day = (int(g) for g in (date.group(1, 2, 3) if date.group(1) else date.group(4, 5, 6)))
    rest = text[date.end():].strip().lstrip("T").strip()
    hour = minute = second = 0
    zone: dt.tzinfo | None = None
    if rest:
        moment = _TIME.fullmatch(rest)
        if moment is None:
            return None
        half, h, m, s, ampm, offset = moment.groups()
        hour, minute, second = int(h), int(m or 0), int(s or 0)
        if ((half in ("下午", "晚上") or (ampm or "").upper() == "PM") and hour < 12) or (half == "中午" and hour < 11):
            hour += 12
        elif ((ampm or "").upper() == "AM" or half in ("上午", "早上")) and hour == 12:
            hour = 0
        if offset:
            zone = dt.timezone.utc if offset.upper() == "Z" else _offset(offset)
    try:
        moment_value = dt.datetime(year, month, day, hour, minute, second, tzinfo=zone)
    except ValueError:
        return None
    return clock.to_local(moment_value)


def _offset(text: str) -> dt.timezone:
    digits = text[1:].replace(":", "")
    delta = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return dt.timezone(-delta if text[0] == "-" else delta)


# ---------------------------------------------------------------- writing CSV

# OWASP "CSV Injection": Excel and WPS run a cell that starts with one of these as a
# formula (=HYPERLINK(...), +cmd|...); a leading single quote makes them show it as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_QUOTE = "'"


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell no spreadsheet runs: text starting like a formula (or with the
    quote itself, so that reading back is exact) gets a leading single quote."""
    if isinstance(value, str) and value.startswith(FORMULA_START + (_QUOTE,)):
        return _QUOTE + value
    return value


def from_csv_cell(text: str) -> str:
    """The value ``csv_cell`` wrote: re-importing an export changes nothing."""
    if len(text) > 1 and text[0] == _QUOTE and text[1] in FORMULA_START + (_QUOTE,):
        return text[1:]
    return text


def write_csv(out: TextIO, rows: Iterable[Sequence[Any]]) -> None:
    """Rows to ``out`` (opened with newline=""), every text cell through ``csv_cell``."""
    csv.writer(out).writerows([csv_cell(v) for v in row] for row in rows)


def workbook_bytes(book: Any) -> bytes:
    """An openpyxl workbook as the bytes of its .xlsx. Saved straight to a full disk, openpyxl
    leaves a half-closed zip whose clean-up prints tracebacks; in memory nothing fails, and the
    file is then written whole or not at all (core.files.replacing)."""
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- reading files

Columns = dict[str, tuple[str, ...]]  # field -> accepted headers, most specific first


@dataclass
class Sheet:
    name: str
    columns: dict[str, int]  # field -> column index
    labels: dict[str, str]  # field -> the file's own header, used in messages
    rows: Iterator[tuple[int, list[Any]]]  # data rows after the header, numbered as in Excel
    epoch: dt.datetime = EXCEL_EPOCH  # day 0 of serial numbers in this file


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise TableError(f"无法读取“{path.name}”：{exc.strerror or exc}。") from exc


def decode_text(raw: bytes, path: Path, advice: str = "请用 Excel 另存为“CSV UTF-8”") -> str:
    """UTF-8 (with or without BOM), else GB18030; else an error naming where UTF-8 broke."""
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError as exc:
            if encoding == ENCODINGS[0]:
                offset = exc.start
    line = raw[:offset].count(b"\n") + 1
    raise TableError(
        f"无法读取“{path.name}”：文字编码既不是 UTF-8 也不是 GB18030"
        f"（第 {line} 行，从第 {offset + 1} 个字节起无法识别），{advice}。"
    )


def read_xlsx(path: Path, columns: Columns, required: str) -> Sheet:
    """The first worksheet whose first rows hold a header naming the ``required`` field."""
    import openpyxl  # slow to import; only import work needs it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors alike: the file is not a workbook
        raise TableError(f"无法读取“{path.name}”：文件已损坏或不是 Excel 工作簿（{type(exc).__name__}）。") from exc
    first_headers: list[str] = []
    try:
        for worksheet in book.worksheets:
            if not hasattr(worksheet, "reset_dimensions"):
                continue  # a chart sheet
            worksheet.reset_dimensions()  # a stale <dimension> would cut rows off
            # min_row=1 pads leading empty rows, so numbers match what Excel shows.
            rows = enumerate((list(r) for r in worksheet.iter_rows(min_row=1, min_col=1, values_only=True)), start=1)
            head = [r for r in (next(rows, None) for _ in range(HEADER_SCAN_ROWS)) if r is not None]
            sheet = locate_header(worksheet.title, head, rows, columns, required)
            if sheet is not None:
                # Read now: the workbook closes on leaving, and the rows are few.
                sheet.rows = iter(list(sheet.rows))
                sheet.epoch = book.epoch
                return sheet
            first_headers = first_headers or first_nonempty(head)
    except TableError:
        raise
    except Exception as exc:  # a broken sheet XML surfaces only while reading rows
        raise TableError(f"无法读取“{path.name}”：工作表内容已损坏（{type(exc).__name__}）。") from exc
    finally:
        book.close()
    raise MissingHeader(path, first_headers)


def locate_header(name: str, head: list[tuple[int, list[Any]]], rest: Iterator[tuple[int, list[Any]]],
                  columns: Columns, required: str) -> Sheet | None:
    """The first of the first rows that names the required column is the header."""
    for index, (_, cells) in enumerate(head):
        found = map_header(cells, columns)
        if required in found:
            labels = {key: header_name(cells[i]) for key, i in found.items()}
            return Sheet(name, found, labels, itertools.chain(head[index + 1:], rest))
    return None


def read_csv(path: Path, columns: Columns, required: str) -> Sheet:
    raw = read_bytes(path)
    if b"\x00" in raw[:4096]:
        raise TableError(f"“{path.name}”不是文本格式的 CSV 文件（可能是改了扩展名的 Excel 文件），请确认文件类型。")
    text = decode_text(raw, path)
    # The separator is the one under which a header appears: guessing from the
    # text alone is fooled by commas and semicolons inside the cells.
    first_headers: list[str] = []
    try:
        for delimiter in (",", "\t", ";"):
            # One record is one spreadsheet row even when a quoted cell spans lines.
            parsed = enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1)
            records = ((n, [from_csv_cell(c) for c in cells]) for n, cells in parsed)
            head = list(itertools.islice(records, HEADER_SCAN_ROWS))
            sheet = locate_header("", head, records, columns, required)
            if sheet is not None:
                sheet.rows = iter(list(sheet.rows))  # parse errors surface here, not mid-import
                return sheet
            first_headers = first_headers or first_nonempty(head)
    except csv.Error as exc:
        raise TableError(f"无法读取“{path.name}”：CSV 格式有误（{exc}）。") from exc
    raise MissingHeader(path, first_headers)


def header_name(value: Any) -> str:
    return "".join(cell_text(value).split()).rstrip(":：*")


def map_header(cells: list[Any], columns: Columns) -> dict[str, int]:
    """field -> column index; English headers match in any case (Title, TITLE)."""
    names = [header_name(c).casefold() for c in cells]
    found: dict[str, int] = {}
    for key, synonyms in columns.items():
        for synonym in synonyms:
            synonym = synonym.casefold()
            if synonym in names and names.index(synonym) not in found.values():
                found[key] = names.index(synonym)
                break
    return found


def first_nonempty(rows: list[tuple[int, list[Any]]]) -> list[str]:
    for _, cells in rows:
        names = [header_name(c) for c in cells if header_name(c)]
        if names:
            return names
    return []


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
