"""Check digits of the numbers a mediation letter carries: a resident identity card
number (GB 11643: its birth date code as well) and a unified social credit code
(GB 32100). A letter people sign must not carry a mistyped number."""
from __future__ import annotations

import datetime as dt
import re

from core import clock

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
EARLIEST_BIRTH_YEAR = 1900
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def resident_id_problem(number: str) -> str | None:
    """Why ``number`` is not a valid 18-digit resident ID number, or None."""
    n = number.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", n):
        return "身份证号码应为 18 位，前 17 位是数字，最后一位是数字或 X"
    if problem := _birth_date_problem(n[6:14]):
        return problem
    if _ID_CHECK[sum(int(d) * w for d, w in zip(n, _ID_WEIGHTS)) % 11] != n[-1]:
        return "身份证号码的校验位不对，请核对是否输错"
    return None


def _birth_date_problem(code: str) -> str | None:
    """Digits 7-14 are the holder's birth date, YYYYMMDD (GB 11643 出生日期码): a real day,
    not after today (China's date, core.clock) and not before 1900."""
    shown = f"{code[:4]}年{code[4:6]}月{code[6:]}日"
    try:
        born = dt.date(int(code[:4]), int(code[4:6]), int(code[6:]))
    except ValueError:
        return f"身份证号码中的出生日期“{shown}”不是有效的日期，请核对是否输错"
    if born > clock.today():
        return f"身份证号码中的出生日期“{shown}”晚于今天，请核对是否输错"
    if born.year < EARLIEST_BIRTH_YEAR:
        return f"身份证号码中的出生日期“{shown}”早于 {EARLIEST_BIRTH_YEAR} 年，请核对是否输错"
    return None


def person_id_problem(number: str) -> str | None:
    """A person's 证件号码: an 18-character resident ID is checked by its check digit; a
    passport, 港澳台 permit or foreigner's card (letters and digits, 5-20) is taken as typed."""
    n = number.strip().upper()
    if re.fullmatch(r"\d{17}[\dX]", n) or re.fullmatch(r"\d{15,19}", n):
        return resident_id_problem(n)
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9-]{4,19}", n):
        return "证件号码应为 18 位身份证号码，或护照、港澳台通行证等证件的 5–20 位字母和数字"
    return None


def credit_code_problem(code: str) -> str | None:
    """Why ``code`` is not a valid unified social credit code, or None."""
    c = code.strip().upper()
    if len(c) != 18 or any(ch not in _USCC_CHARS for ch in c):
        return "统一社会信用代码应为 18 位数字或大写字母（不含 I、O、Z、S、V）"
    total = sum(_USCC_CHARS.index(ch) * w for ch, w in zip(c, _USCC_WEIGHTS))
    if _USCC_CHARS[(31 - total % 31) % 31] != c[-1]:
        return "统一社会信用代码的校验位不对，请核对是否输错"
    return None
