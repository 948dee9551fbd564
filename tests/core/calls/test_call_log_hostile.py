"""话务记录 import against hostile and odd files: each is taken as it should be, or refused with a
Chinese message naming what is wrong (a CallLogError, or a report with its rejected rows), and a
refusal leaves call_record and call_import empty."""
from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest

from core.calls import log_import
from core.calls.log_import import CallLogError, import_calls, seconds
from core.errors import Cancelled
from db.connection import raw_connection

HEADER = ["呼入时间", "主叫号码", "是否接通", "等待时长", "通话时长", "坐席"]
GOOD = ["2026-10-01 08:00:00", "13800000000", "接通", "3", "120", "8001"]
_ENGLISH_WORD = re.compile(r"[A-Za-z]{4,}")  # a Python error leaking through ('Errno', 'field', 'KeyError')
_ALLOWED = re.compile(r"Excel|xlsx|“[^”]*”")  # the program's words, and the file's own text it quotes


def _count(table: str) -> int:
    return raw_connection().execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _nothing_written() -> bool:
    return _count("call_record") == 0 and _count("call_import") == 0


def _write(path: Path, header: list[str], rows: list[list[object]], encoding: str = "utf-8",
           delimiter: str = ",") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        out = csv.writer(fh, delimiter=delimiter)
        out.writerow(header)
        out.writerows(rows)
    return path


def _xlsx(path: Path, header: list[object], rows: list[list[object]], epoch: dt.datetime | None = None) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    if epoch is not None:
        book.epoch = epoch
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _refused(center_db, path: Path, *words: str) -> str:
    """The import raises CallLogError in Chinese naming ``words``; nothing is written."""
    with pytest.raises(CallLogError) as caught:
        import_calls(center_db, path)
    message = caught.value.message
    assert re.search(r"[\u4e00-\u9fff]", message), message
    assert not _ENGLISH_WORD.search(_ALLOWED.sub("", message)), message
    for word in words:
        assert word in message, message
    assert _nothing_written()
    return message


def _rejected(center_db, path: Path, *words: str, count: int = 1):
    report = import_calls(center_db, path)
    assert not report.ok and report.added == 0 and report.rejected_count == count, report.as_dict()
    assert "整个文件未导入" in report.summary()
    for rejection in report.rejected:
        assert re.search(r"[\u4e00-\u9fff]", rejection.reason) and len(rejection.reason) < 200, rejection
        assert not _ENGLISH_WORD.search(_ALLOWED.sub("", rejection.reason)), rejection
    for word in words:
        assert any(word in r.reason for r in report.rejected), report.rejected
    assert _nothing_written()
    return report


def _stored() -> list[tuple]:
    return raw_connection().execute(
        "SELECT called_at, caller, answered, wait_seconds, talk_seconds, agent FROM call_record ORDER BY called_at"
    ).fetchall()


# ---------------------------------------------------------------- encodings, separators, headers


def test_utf8_with_a_bom_is_read(center_db, tmp_path):
    path = _write(tmp_path / "bom.csv", HEADER, [GOOD], encoding="utf-8-sig")
    report = import_calls(center_db, path)
    assert report.ok and report.added == 1 and report.columns["called_at"] == "呼入时间"


def test_gb18030_with_chinese_headers_and_cells(center_db, tmp_path):
    path = _write(tmp_path / "gb.csv", ["来电时间", "来电号码", "呼叫结果", "振铃时长", "通话时长", "话务员"],
                  [["2026-10-01 08:00:00", "13800000000", "已接听", "3", "120", "张三"]], encoding="gb18030")
    assert import_calls(center_db, path).ok
    assert _stored() == [("2026-10-01T08:00:00+08:00", "13800000000", 1, 3, 120, "张三")]


@pytest.mark.parametrize("header", [
    ["呼入 时间", " 主叫号码 ", "是否接通", "等待时长（秒）", "通话时长（秒）", "坐席"],
    ["呼入时间", "主叫号码", "是否接通", "等待时长 (秒)", "通话时长 （秒）", "坐席"],
    ["呼入时间：", "主叫号码*", "是否接通", "等待时长(s)", "通话时长（s）", "坐席"],
])
def test_headers_with_spaces_and_units_in_brackets(center_db, tmp_path, header):
    report = import_calls(center_db, _write(tmp_path / "units.csv", header, [GOOD]))
    assert report.ok and report.added == 1 and set(report.columns) >= {"wait_seconds", "talk_seconds"}


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_separated_files(center_db, tmp_path, delimiter):
    rows = [GOOD, ["2026-10-01 09:00:00", "13900000000", "未接通", "40", "0", "张三,李四"]]
    report = import_calls(center_db, _write(tmp_path / "sep.csv", HEADER, rows, delimiter=delimiter))
    assert report.ok and report.added == 2
    assert _stored()[1][5] == "张三,李四"


def test_a_quoted_cell_with_a_newline_and_commas(center_db, tmp_path):
    rows = [["2026-10-01 08:00:00", "13800000000", "接通", "3", "120", "张三,\n李四, 王五"],
            ["2026-10-01 09:00:00", "13900000000", "接通", "3", "1x", "8001"]]
    report = _rejected(center_db, _write(tmp_path / "newline.csv", HEADER, rows), "通话时长")
    assert report.rejected[0].line == 3  # the row as the spreadsheet numbers it, not the text line
    rows[1][4] = "60"
    report = import_calls(center_db, _write(tmp_path / "newline.csv", HEADER, rows))
    assert report.ok and _stored()[0][5] == "张三, 李四, 王五"


def test_an_unclosed_quote_refuses_the_file(center_db, tmp_path):
    path = tmp_path / "quote.csv"
    path.write_text(",".join(HEADER) + '\n2026-10-01 08:00:00,"13800000000,接通,3,120,8001\n'
                    + ",".join(GOOD) + "\n", encoding="utf-8")
    _rejected(center_db, path)


def test_a_file_of_only_the_header_has_no_calls(center_db, tmp_path):
    report = import_calls(center_db, _write(tmp_path / "header.csv", HEADER, []))
    assert not report.ok and report.rows == 0 and "没有话务记录" in report.summary()
    assert _nothing_written()


@pytest.mark.parametrize("content", [b"", b"\n\n\r\n", b"\xef\xbb\xbf", b" , , ,\n"])
def test_an_empty_file_is_named(center_db, tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    _refused(center_db, path, "empty.csv")


def test_a_binary_file_renamed_csv(center_db, tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 20)
    _refused(center_db, path, "photo.csv")


def test_an_xlsx_renamed_csv(center_db, tmp_path):
    path = _xlsx(tmp_path / "book.xlsx", HEADER, [GOOD])
    renamed = tmp_path / "book.csv"
    renamed.write_bytes(path.read_bytes())
    _refused(center_db, renamed, "book.csv")


def test_a_utf16_text_export_is_named(center_db, tmp_path):
    """Excel's “Unicode 文本” is UTF-16 and tab-separated."""
    path = tmp_path / "unicode.txt"
    path.write_bytes("\t".join(HEADER).encode("utf-16") + "\n".encode("utf-16-le"))
    _refused(center_db, path, "UTF-8")


@pytest.mark.parametrize("members", [{"junk.txt": b"hello"}, {"[Content_Types].xml": b"<not xml"}])
def test_an_xlsx_that_is_a_zip_of_junk(center_db, tmp_path, members):
    path = tmp_path / "junk.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    _refused(center_db, path, "junk.xlsx", "损坏")


def test_an_xlsx_that_is_not_a_zip(center_db, tmp_path):
    path = tmp_path / "text.xlsx"
    path.write_text(",".join(HEADER), encoding="utf-8")
    _refused(center_db, path, "text.xlsx")


def test_an_xlsx_whose_sheet_is_damaged(center_db, tmp_path):
    good = _xlsx(tmp_path / "good.xlsx", HEADER, [GOOD] * 3)
    path = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            out.writestr(item, data)
    _refused(center_db, path, "damaged.xlsx", "损坏")


def test_an_old_xls_name(center_db, tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    _refused(center_db, path, "old.xls", ".xlsx")


@pytest.mark.parametrize("name", ["calls", "calls.csv"])
def test_a_folder_passed_as_the_file(center_db, tmp_path, name):
    folder = tmp_path / name
    folder.mkdir()
    _refused(center_db, folder, name)


@pytest.mark.parametrize("name", ["missing.csv", "missing.xlsx", "missing.xls"])
def test_a_file_that_does_not_exist(center_db, tmp_path, name):
    _refused(center_db, tmp_path / name, "找不到")


def test_a_file_that_cannot_be_opened(center_db, tmp_path, monkeypatch):
    path = _write(tmp_path / "locked.csv", HEADER, [GOOD])
    real_open = open

    def locked(file, *args, **kwargs):
        if Path(file) == path:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", locked)
    _refused(center_db, path, "locked.csv")


# ---------------------------------------------------------------- rows and cells


def test_a_row_with_fewer_cells_than_the_header(center_db, tmp_path):
    rows = [GOOD, ["2026-10-01 09:00:00", "13900000000", "接通"]]
    _rejected(center_db, _write(tmp_path / "short.csv", HEADER, rows), "列")


def test_a_csv_row_lacking_only_a_trailing_column_it_does_not_use(center_db, tmp_path):
    report = import_calls(center_db, _write(tmp_path / "short.csv", HEADER + ["备注"], [GOOD]))
    assert report.ok and report.added == 1


def test_an_xlsx_row_with_empty_trailing_cells_is_whole(center_db, tmp_path):
    report = import_calls(center_db, _xlsx(tmp_path / "trail.xlsx", HEADER, [GOOD[:3] + [5]]))
    assert report.ok and _stored() == [("2026-10-01T08:00:00+08:00", "13800000000", 1, 5, 0, "")]


def test_a_row_with_extra_cells(center_db, tmp_path):
    report = import_calls(center_db, _write(tmp_path / "extra.csv", HEADER, [GOOD + ["多余", "=cmd|x"]]))
    assert report.ok and report.added == 1


@pytest.mark.parametrize("caller", ["=1+1", "'=1+1", "@SUM(A1)", "=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0"])
def test_a_formula_looking_caller_is_not_a_number(center_db, tmp_path, caller):
    row = GOOD[:1] + [caller] + GOOD[2:]
    _rejected(center_db, _write(tmp_path / "formula.csv", HEADER, [row]), "主叫号码")


@pytest.mark.parametrize("caller, stored", [
    ("+86 138-1234-5678", "13812345678"),
    ("0086 138 1234 5678", "13812345678"),
    ("008613812345678", "13812345678"),
    ("１３８１２３４５６７８", "13812345678"),
    ("（025）8456-1234", "02584561234"),
    ("'+8613812345678", "13812345678"),  # written by an export that guards formulas
    ("", ""),
    ("未知", ""),
])
def test_callers_are_normalised(center_db, tmp_path, caller, stored):
    row = GOOD[:1] + [caller] + GOOD[2:]
    assert import_calls(center_db, _write(tmp_path / "caller.csv", HEADER, [row])).ok
    assert _stored()[0][1] == stored


def test_a_caller_too_long_to_be_a_number(center_db, tmp_path):
    row = GOOD[:1] + ["1" * 5000] + GOOD[2:]
    _rejected(center_db, _write(tmp_path / "long.csv", HEADER, [row]), "主叫号码")


def test_two_columns_with_the_same_header_are_refused(center_db, tmp_path):
    header = ["呼入时间", "主叫号码", "是否接通", "等待时长", "通话时长", "通话时长（秒）"]
    path = _write(tmp_path / "twice.csv", header, [GOOD[:5] + ["60"]])
    _refused(center_db, path, "通话时长", "twice.csv")


def test_a_duplicate_header_of_a_column_not_used_is_harmless(center_db, tmp_path):
    path = _write(tmp_path / "notes.csv", HEADER + ["备注", "备注"], [GOOD + ["a", "b"]])
    assert import_calls(center_db, path).ok


@pytest.mark.parametrize("answer, talk, ok", [
    ("未接通", "120", False), ("否", "1:00", False), ("放弃", "1分", False),
    ("接通", "0", True), ("", "0", True), ("", "30", True),
])
def test_answered_and_talk_time_that_contradict(center_db, tmp_path, answer, talk, ok):
    row = GOOD[:2] + [answer, "3", talk, "8001"]
    path = _write(tmp_path / "contra.csv", HEADER, [row])
    if ok:
        assert import_calls(center_db, path).ok
    else:
        _rejected(center_db, path, "通话时长")


@pytest.mark.parametrize("cell", ["9" * 400 + ".5", "1" * 5000, "1" * 5000 + ":00:00", "١٢x", "1e400", "nan",
                                  "inf", "-0.5"])
def test_a_duration_that_is_no_number_of_seconds(center_db, tmp_path, cell):
    row = GOOD[:3] + [cell] + GOOD[4:]
    _rejected(center_db, _write(tmp_path / "wait.csv", HEADER, [row]), "等待时长")


@pytest.mark.parametrize("cell", ["9" * 400 + ".5", "1" * 5000, "1" * 5000 + ":00:00", "1e400", "inf", "1" * 21])
def test_seconds_gives_none_for_what_is_no_duration(cell):
    assert seconds(cell) is None


@pytest.mark.parametrize("cell", ["2026-10-01", "2026/10/1", "2026年10月1日", "20261001"])
def test_a_time_that_is_only_a_date(center_db, tmp_path, cell):
    row = [cell] + GOOD[1:]
    _rejected(center_db, _write(tmp_path / "day.csv", HEADER, [row]), "呼入时间")


@pytest.mark.parametrize("cell, stored", [
    ("2026年10月1日 下午3时", "2026-10-01T15:00:00+08:00"),
    ("2026年10月1日 上午9时5分", "2026-10-01T09:05:00+08:00"),
    ("2026/10/1 3:04:05 PM", "2026-10-01T15:04:05+08:00"),
    ("2026-10-01T07:00:00Z", "2026-10-01T15:00:00+08:00"),
    ("２０２６－１０－０１　０８：００：００", "2026-10-01T08:00:00+08:00"),
    ("46296.5", "2026-10-01T12:00:00+08:00"),  # an Excel serial number as text
])
def test_times_written_as_text(center_db, tmp_path, cell, stored):
    row = [cell] + GOOD[1:]
    assert import_calls(center_db, _write(tmp_path / "text.csv", HEADER, [row])).ok
    assert _stored()[0][0] == stored


def test_a_time_cell_of_many_spaces_does_not_hang(center_db, tmp_path):
    row = ["2026-10-01 8:00" + " " * 3000 + "x"] + GOOD[1:]
    _rejected(center_db, _write(tmp_path / "spaces.csv", HEADER, [row]), "呼入时间")


# ---------------------------------------------------------------- .xlsx cells


def test_an_xlsx_with_datetime_cells_serials_and_text(center_db, tmp_path):
    rows = [[dt.datetime(2026, 10, 1, 8, 0, 5), 13800000000, "接通", 3, dt.time(0, 2, 0), 8001],
            [46296.5, "13900000000", True, 4.0, 60, "8002"],  # a serial number left as a number
            ["2026年10月1日 下午3时", "13700000000", "未接通", "0:40", None, None]]
    report = import_calls(center_db, _xlsx(tmp_path / "cells.xlsx", HEADER, rows))
    assert report.ok, report.as_dict()
    assert _stored() == [("2026-10-01T08:00:05+08:00", "13800000000", 1, 3, 120, "8001"),
                         ("2026-10-01T12:00:00+08:00", "13900000000", 1, 4, 60, "8002"),
                         ("2026-10-01T15:00:00+08:00", "13700000000", 0, 40, 0, "")]


def test_a_1904_workbook_reads_its_serial_numbers_from_1904(center_db, tmp_path):
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    serial = 46296.5 - 1462  # the same moment counted from 1904-01-01
    path = _xlsx(tmp_path / "mac.xlsx", HEADER, [[serial] + GOOD[1:]], epoch=CALENDAR_MAC_1904)
    assert import_calls(center_db, path).ok
    assert _stored()[0][0] == "2026-10-01T12:00:00+08:00"


def test_an_xlsx_time_that_is_only_a_time_of_day(center_db, tmp_path):
    path = _xlsx(tmp_path / "clock.xlsx", HEADER, [[dt.time(8, 0)] + GOOD[1:]])
    _rejected(center_db, path, "呼入时间")


def test_an_xlsx_date_only_cell_as_text(center_db, tmp_path):
    path = _xlsx(tmp_path / "day.xlsx", HEADER, [["2026-10-01"] + GOOD[1:]])
    _rejected(center_db, path, "呼入时间")


# ---------------------------------------------------------------- size


def test_a_cell_a_megabyte_long_in_csv(center_db, tmp_path):
    row = GOOD[:5] + ["张" * (1 << 20)]
    _refused(center_db, _write(tmp_path / "huge.csv", HEADER, [GOOD, row]), "huge.csv", "第 3 行")


def test_a_cell_a_megabyte_long_in_the_header_rows(center_db, tmp_path):
    path = tmp_path / "title.csv"
    path.write_text("话务记录" + "x" * (1 << 20) + "\n" + ",".join(HEADER) + "\n" + ",".join(GOOD) + "\n",
                    encoding="utf-8")
    _refused(center_db, path, "title.csv", "第 1 行")


@pytest.mark.parametrize("column", [0, 1, 3])
def test_a_cell_a_megabyte_long_in_xlsx(center_db, tmp_path, column):
    row = list(GOOD)
    row[column] = "1" * (1 << 20)
    _rejected(center_db, _xlsx(tmp_path / "huge.xlsx", HEADER, [GOOD, row]))


def test_ten_thousand_rejected_rows_are_counted_whole_and_shown_in_part(center_db, tmp_path):
    rows = [GOOD] + [["2026-13-01 08:00:00"] + GOOD[1:]] * 10_000
    report = _rejected(center_db, _write(tmp_path / "bad.csv", HEADER, rows), "呼入时间", count=10_000)
    assert report.rows == 10_001 and len(report.rejected) == log_import.SHOWN_REJECTIONS
    assert report.rejected[0].line == 3 and "10000 行" in report.summary()


# ---------------------------------------------------------------- duplicates and cancel


def test_the_same_calls_with_columns_reordered_and_written_otherwise_are_duplicates(center_db, tmp_path):
    rows = [["2026-10-01 08:00:00", "13800000000", "接通", "3", "120", "8001"],
            ["2026-10-01 09:30:00", "025-84561234", "未接通", "40", "0", ""]]
    first = import_calls(center_db, _write(tmp_path / "a.csv", HEADER, rows))
    assert first.ok and first.added == 2
    order = [5, 4, 3, 2, 1, 0]
    again = [["8001", "00:02:00", "3秒", "已接通", "+86 138-0000-0000", "2026/10/1 8:00:00"],
             ["", "0", "40", "未接", "(025)84561234", "2026年10月1日 9时30分"]]
    second = import_calls(center_db, _write(tmp_path / "b.csv", [HEADER[i] for i in order], again, encoding="gb18030"))
    assert second.ok and second.rows == 2 and second.duplicates == 2 and second.added == 0, second.as_dict()
    assert _count("call_record") == 2


def test_the_same_calls_from_xlsx_after_csv_are_duplicates(center_db, tmp_path):
    import_calls(center_db, _write(tmp_path / "a.csv", HEADER, [GOOD]))
    book = _xlsx(tmp_path / "b.xlsx", HEADER[::-1], [[8001, 120, 3, "接通", 13800000000, dt.datetime(2026, 10, 1, 8)]])
    report = import_calls(center_db, book)
    assert report.ok and report.duplicates == 1 and report.added == 0


def _many(n: int) -> list[list[object]]:
    start = dt.datetime(2026, 10, 1)
    return [[(start + dt.timedelta(seconds=7 * i)).strftime("%Y-%m-%d %H:%M:%S"), f"138{i:08d}", "接通", 3, 60, "8001"]
            for i in range(n)]


def test_cancel_writes_nothing(center_db, tmp_path):
    path = _write(tmp_path / "many.csv", HEADER, _many(log_import.CHUNK * 2 + 10))
    with pytest.raises(Cancelled) as caught:
        import_calls(center_db, path, cancelled=lambda: True)
    assert "没有写入" in caught.value.message and _nothing_written()
    assert import_calls(center_db, path).added == log_import.CHUNK * 2 + 10  # not taken as imported


def test_cancel_is_heard_when_every_row_is_rejected(center_db, tmp_path):
    rows = [["2026-13-01 08:00:00"] + GOOD[1:]] * (log_import.CHUNK + 10)
    with pytest.raises(Cancelled):
        import_calls(center_db, _write(tmp_path / "bad.csv", HEADER, rows), cancelled=lambda: True)
    assert _nothing_written()
