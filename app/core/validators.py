"""Shared validators for what residents give at every door: identity numbers, mobile and landline numbers.

Identity numbers (GB 11643): 17 digits and a check character (ISO 7064 MOD 11-2). The first six digits are
the area where the number was first issued. Areas are created, renamed and retired over time (Futian 440304 and
Nanshan 440305 date from 1990), so an area code newer than the birth year, retired, or missing from the table is
normal for older residents: it is information, never a reason to refuse. python-stdnum computes the check
character and knows the area table; its own `validate` also ties each area to years, which refuses exactly
those residents, so it is not used.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import phonenumbers
from stdnum import numdb
from stdnum.cn import ric

from app.core.errors import AppError
from app.core.security import normalise_mobile

OLDEST_YEARS = 130  # a birth date further back than this is a typo, not a resident


@dataclass(frozen=True)
class IdNumber:
    number: str  # 18 characters, upper-case X
    birth_date: date
    sex: str  # male | female (the 17th digit: odd is male)
    area_code: str
    area_name: str | None  # None: the code is not in the table (a newer or a local code); still accepted
    converted_from_15: bool = False


class IdNumberError(ValueError):
    """Why a number is not an identity number: a stable reason code, for the field error."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _clean(raw: str) -> str:
    # Full-width digits and letters (１１０１…Ｘ) fold to ASCII; spaces and hyphens people type are dropped.
    text = unicodedata.normalize("NFKC", raw or "")
    return re.sub(r"[\s\-]", "", text).upper()


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for 17 digits (stdnum reads a whole number and ignores its last)."""
    return str(ric.calc_check_digit(first17 + "0"))


def _county(code: str) -> tuple[str | None, str | None]:
    """(province, county) as the table names them; the county's latest name when it had several."""
    parts = {k: v for _, props in numdb.get("cn/loc").info(code) for k, v in props.items()}
    names = [c.split("]")[-1] for c in parts.get("county", "").split(",") if c]  # "[1990-]福田区" -> 福田区
    return parts.get("province"), names[-1] if names else None


@lru_cache(maxsize=4096)
def area_name(code: str) -> str | None:
    """The area's name in the table, whatever years it was in use; None when the table does not have it."""
    province, county = _county(code)
    if county is None:
        return None
    city = _county(code[:4] + "00")[1] if code[4:] != "00" else None
    return "".join(x for x in (province, city if city not in (county, "市辖区") else None, county) if x)


def parse_id_number(raw: str, today: date) -> IdNumber:
    """The number as its holder's facts; raises IdNumberError with a reason code."""
    text = _clean(raw)
    converted = False
    if len(text) == 15:
        # First generation (issued until 1999): 6-digit area, 6-digit birth date (yymmdd, all 19xx), 3-digit
        # sequence, no check character. GB 11643-1999 upgrades it by inserting the century and computing the check.
        if not text.isdigit():
            raise IdNumberError("id_number_format")
        text = text[:6] + "19" + text[6:]
        text += check_character(text)
        converted = True
    if len(text) != 18:
        raise IdNumberError("id_number_length")
    if not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        raise IdNumberError("id_number_format")
    if text[17] != check_character(text[:17]):
        raise IdNumberError("id_number_checksum")
    try:
        birth = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError as exc:
        raise IdNumberError("id_number_birth_invalid") from exc
    if birth > today:
        raise IdNumberError("id_number_birth_future")
    if today.year - birth.year > OLDEST_YEARS:
        raise IdNumberError("id_number_birth_too_old")
    return IdNumber(number=text, birth_date=birth, sex="male" if int(text[16]) % 2 else "female",
                    area_code=text[:6], area_name=area_name(text[:6]), converted_from_15=converted)


def checked_id_number(raw: str, field: str, today: date) -> IdNumber:
    """The number, or a 422 naming the field and the reason (a future birth keeps its own top-level code)."""
    try:
        return parse_id_number(raw, today)
    except IdNumberError as exc:
        code = exc.reason if exc.reason == "id_number_birth_future" else "id_number_invalid"
        raise AppError(code, 422, reason=exc.reason,
                       field_errors=[{"field": field, "code": exc.reason}]) from exc


def parse_or_none(raw: str | None, today: date) -> str | None:
    """The normalised number, or None (for look-ups, where a bad number simply finds nothing)."""
    try:
        return parse_id_number(raw or "", today).number
    except IdNumberError:
        return None


def phone_or_422(raw: str | None, field: str = "phone") -> str | None:
    """A mainland mobile number (11 digits), None when none was given, or a 422 naming the field."""
    if raw is None or raw == "":
        return None
    mobile = normalise_mobile(raw)
    if mobile is None:
        raise AppError("phone_invalid", 422, field_errors=[{"field": field, "code": "phone_invalid"}])
    return mobile


def caller_phone_of(raw: str | None, field: str = "caller_phone") -> str | None:
    """A caller's number: a mainland mobile, or a landline with its area code checked against the numbering plan."""
    if raw is None or raw == "":
        return None
    mobile = normalise_mobile(raw)
    if mobile:
        return mobile
    digits = re.sub(r"[\s-]", "", raw)
    if re.fullmatch(r"0\d{9,11}", digits):
        try:
            number = phonenumbers.parse(digits, "CN")
        except phonenumbers.NumberParseException:
            number = None
        if number is not None and phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in (
                phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
            return digits
    raise AppError("caller_phone_invalid", 422, field_errors=[{"field": field, "code": "caller_phone_invalid"}])
