"""The holidays the law fixes, computable for any year (pure).

《全国年节及纪念日放假办法》, as amended with effect from 1 January 2025, gives
13 days: 元旦 1 January; 春节 4 days from 除夕 (the last day of the 12th lunar
month, the 29th or the 30th) to 初三; 清明 1 day, the solar term; 劳动节 1–2
May; 端午 the 5th of the 5th lunar month; 中秋 the 15th of the 8th lunar month;
国庆 1–3 October. The State Council's yearly notice adds the 调休 swaps (weekend
days made working days, bridging days made rest days), which no rule computes;
a year known only from this module is therefore never complete.

Lunar dates and the solar term come from lunar-python, a maintained lunar
calendar library, not from a hand-written table.
"""

from datetime import date, timedelta
from functools import lru_cache

from lunar_python import Lunar, LunarMonth

LAW_IN_FORCE_FROM = 2025  # the amended 办法; earlier years had 11 days and other rules


def _solar(lunar: Lunar) -> date:
    solar = lunar.getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


@lru_cache(maxsize=256)
def statutory_days(year: int) -> dict[date, str]:
    """The statutory rest days of a year (date -> name); empty before the law in force from 2025."""
    if year < LAW_IN_FORCE_FROM:
        return {}
    # 除夕 of this Gregorian year ends the previous lunar year: the last day of its 12th month (29 or 30 days).
    eve = _solar(Lunar.fromYmd(year - 1, 12, LunarMonth.fromYm(year - 1, 12).getDayCount()))
    qingming_solar = Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"]
    qingming = date(qingming_solar.getYear(), qingming_solar.getMonth(), qingming_solar.getDay())
    days = {date(year, 1, 1): "元旦"}
    days.update({eve + timedelta(days=i): "春节" for i in range(4)})
    days[qingming] = "清明节"
    days.update({date(year, 5, 1): "劳动节", date(year, 5, 2): "劳动节"})
    days[_solar(Lunar.fromYmd(year, 5, 5))] = "端午节"
    days[_solar(Lunar.fromYmd(year, 8, 15))] = "中秋节"
    days.update({date(year, 10, i): "国庆节" for i in (1, 2, 3)})
    # 除夕 can fall in the previous Gregorian year's last days only in theory (never between 1900 and 2100), but
    # the days are kept to the year asked for so that a year's schedule is checked against its own days.
    return {day: name for day, name in sorted(days.items()) if day.year == year}


def schedule_problems(year: int, holidays: list[date], workdays: list[date]) -> list[dict[str, str]]:
    """What is wrong with a year's official schedule, each naming the list entry and the date (empty: none).

    A schedule is the whole year: every statutory day of the law is a rest day in it (a 调休 never makes one a
    working day), no date is outside the year or listed twice, and a weekend day listed as a working day is a
    real 调休 (a weekday needs no listing)."""
    problems: list[dict[str, str]] = []
    seen: dict[date, str] = {}
    for field, days in (("holidays", holidays), ("workdays", workdays)):
        for i, day in enumerate(days):
            where = f"{field}.{i}.date"
            if day.year != year:
                problems.append({"field": where, "code": "date_outside_year", "date": day.isoformat()})
            elif day in seen:
                problems.append({"field": where, "code": "date_listed_twice", "date": day.isoformat(),
                                 "other": seen[day]})
            seen.setdefault(day, where)
    rest = set(holidays)
    for i, day in enumerate(workdays):
        if day in statutory_days(year):
            problems.append({"field": f"workdays.{i}.date", "code": "statutory_day_as_workday",
                             "date": day.isoformat()})
    for day, name in statutory_days(year).items():
        if day not in rest:
            problems.append({"field": "holidays", "code": "statutory_day_missing", "date": day.isoformat(),
                             "name": name})
    return problems
