"""The resident ID's birth date (core.mediation.idnumbers, GB 11643 出生日期码), besides its check digit.

Each number here is made in the test the way GB 11643 makes one: a region code, the birth
date YYYYMMDD, a sequence number, and the check digit computed from the 17 digits before it.
"""
from __future__ import annotations

import datetime as dt

import pytest

from core import clock
from core.mediation.idnumbers import person_id_problem, resident_id_problem


@pytest.fixture(autouse=True)
def _on_a_named_day(frozen_clock):
    """These tests name their dates (2026-11-24 07:30 in Nanjing), whatever HOTLINE_DESK_TEST_NOW says."""
    frozen_clock.set(dt.datetime(2026, 11, 24, 7, 30, tzinfo=clock.LOCAL_TZ))


def with_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2, as GB 11643 gives it: weights 2^(17-i) mod 11, check (12 - sum mod 11) mod 11."""
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    check = (12 - total % 11) % 11
    return first17 + ("X" if check == 10 else str(check))


def resident(birth: str, region: str = "320102", sequence: str = "123") -> str:
    return with_check_digit(region + birth + sequence)


def test_the_helper_makes_the_standards_example():
    assert with_check_digit("11010519491231002") == "11010519491231002X"


@pytest.mark.parametrize("birth", ["19900101", "20000229", "19000101", "20261123", "20261124"])
def test_real_birth_dates_pass(frozen_clock, birth):
    assert frozen_clock.today == dt.date(2026, 11, 24)
    assert resident_id_problem(resident(birth)) is None
    assert person_id_problem(resident(birth)) is None


@pytest.mark.parametrize("birth, shown, why", [
    ("19901301", "1990年13月01日", "不是有效的日期"),
    ("19900132", "1990年01月32日", "不是有效的日期"),
    ("20000230", "2000年02月30日", "不是有效的日期"),
    ("19010229", "1901年02月29日", "不是有效的日期"),  # not a leap year
    ("19900001", "1990年00月01日", "不是有效的日期"),
    ("20261125", "2026年11月25日", "晚于今天"),
    ("20300101", "2030年01月01日", "晚于今天"),
    ("18991231", "1899年12月31日", "早于 1900 年"),
])
def test_an_impossible_birth_date_is_refused_naming_it(birth, shown, why):
    number = resident(birth)  # the check digit is right: only the date is wrong
    for check in (resident_id_problem, person_id_problem):
        assert check(number) == f"身份证号码中的出生日期“{shown}”{why}，请核对是否输错"


def test_tomorrow_is_judged_by_chinas_date_on_the_injected_clock(frozen_clock):
    number = resident("20261125")
    assert "晚于今天" in resident_id_problem(number)
    frozen_clock.set(dt.datetime(2026, 11, 25, 0, 5, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    assert resident_id_problem(number) is None


def test_a_wrong_check_digit_is_still_refused():
    good = resident("19900101")
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert resident_id_problem(wrong) == "身份证号码的校验位不对，请核对是否输错"
