"""Address text as callers say it: short forms of division names and house numbers in words made digits."""

import re
import unicodedata

SUFFIXES = ("社区居委会", "居委会", "社区", "街道办事处", "街道办", "街道", "区", "市", "省")


def short_form(name: str) -> str | None:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


# --- numbers as callers say them ----------------------------------------------------------------------------------

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
           "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_CN_NUMBER = re.compile(r"([零〇一二两三四五六七八九十百千万]+)(?=多?号)")


def chinese_number(words: str) -> int | None:
    """两千零一 → 2001, 六千零一十七 → 6017, 七零零二 → 7002 (read digit by digit), 十二 → 12."""
    if not any(ch in _UNITS for ch in words):
        return int("".join(str(_DIGITS[ch]) for ch in words)) if all(ch in _DIGITS for ch in words) else None
    total, section, digit = 0, 0, None
    for ch in words:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch == "万":
            total = (total + section + (digit or 0)) * 10000
            section, digit = 0, None
        else:
            section += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
    return total + section + (digit or 0)


def normalise(text: str) -> str:
    """Full-width letters and digits folded (ＮＥＯ → NEO), spaces dropped, house numbers in words made digits."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))

    def digits(m: re.Match[str]) -> str:
        value = chinese_number(m.group(1))
        return str(value) if value is not None else m.group(1)

    return _CN_NUMBER.sub(digits, text)

