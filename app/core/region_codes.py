"""The 12-digit statistical division code (pure helpers)."""

import re

_CODE = re.compile(r"^\d{12}$")
PREFIX_LENGTH = {"province": 2, "city": 4, "district": 6, "subdistrict": 9, "community": 12}


def is_region_code(value: str) -> bool:
    return bool(_CODE.match(value or ""))


def prefix_for(code: str, level: str) -> str:
    """The significant digits: every code below this region starts with them."""
    return code[: PREFIX_LENGTH.get(level, 12)]


def district_of(code: str) -> str:
    return code[:6]


def jurisdiction_prefix(code: str) -> str:
    """The digits every region under this one shares, read from the code itself (trailing zero groups)."""
    if code[4:] == "00000000":
        return code[:4]
    if code[6:] == "000000":
        return code[:6]
    if code[9:] == "000":
        return code[:9]
    return code


def within(region_code: str, jurisdiction_code: str) -> bool:
    return region_code.startswith(jurisdiction_prefix(jurisdiction_code))
