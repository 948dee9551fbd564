"""CSV cells the program writes (core.tabular.write_csv) never run as formulas, and read back exact.

OWASP "CSV Injection": Excel and WPS run a cell starting with = + - @ (or a tab / carriage
return before one) as a formula; a leading single quote makes them show it as text.
"""
from __future__ import annotations

import csv
import io

import pytest

from core import tabular
from core.tabular import FORMULA_START, csv_cell, from_csv_cell

TRICKY = ["=HYPERLINK(\"http://example.com\",\"点我\")", "+86 25 8555 0101", "-5 ℃ 以下停止施工", "@SUM(A1)",
          "\t=1+1", "\r=1+1", "'", "'已引用", "''=x", "'=1+1", "普通文字", "", "1+1", " =1"]


@pytest.mark.parametrize("start", FORMULA_START)
def test_a_cell_starting_like_a_formula_is_written_as_text(start):
    assert csv_cell(f"{start}1+1") == f"'{start}1+1"


@pytest.mark.parametrize("value", TRICKY)
def test_every_value_reads_back_as_it_was(value):
    written = io.StringIO(newline="")
    tabular.write_csv(written, [[value, 7]])
    cells = next(csv.reader(io.StringIO(written.getvalue(), newline="")))
    assert not cells[0].startswith(FORMULA_START)
    assert (from_csv_cell(cells[0]), cells[1]) == (value, "7")


def test_numbers_and_plain_text_are_left_alone():
    assert [csv_cell(v) for v in (-5, 3.5, None, "投诉", "1+1")] == [-5, 3.5, None, "投诉", "1+1"]
    assert from_csv_cell("'普通") == "'普通"  # a quote before ordinary text is the person's own


def test_read_csv_takes_the_quote_off(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("标题,正文\n'=1+1,'+86\n", encoding="utf-8-sig")
    sheet = tabular.read_csv(path, {"title": ("标题",), "body": ("正文",)}, "body")
    assert [cells for _, cells in sheet.rows] == [["=1+1", "+86"]]
