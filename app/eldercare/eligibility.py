"""Who gets subsidised care, and why: a pure function of the policy, the person's register facts and the day.

The bands are read in order and the first one the person meets decides the
level; the answer lists the facts that met it (with where each flag came
from), or, when none did, what was checked, so a counter worker can explain
it to the family.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.care_policy.policy import Band, CarePolicy, Condition, FlagFact, PersonFacts
from app.core.clock import age_on

FLAG_NAMES = {
    "dibao": ("低保对象", "on the minimum living guarantee (低保)"),
    "tekun": ("特困供养人员", "in extreme poverty support (特困)"),
    "living_alone": ("独居", "living alone"),
    "disability_grade": ("残疾等级", "disability grade"),
    "care_level": ("能力评估等级", "assessed care level"),
}


@dataclass(frozen=True)
class Reason:
    code: str
    text: str
    text_en: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "text": self.text, "text_en": self.text_en}


@dataclass(frozen=True)
class Eligibility:
    subsidised: bool
    level: str | None
    level_name: str | None
    percent: int
    age: int
    reasons: tuple[Reason, ...]


def _int_flag(facts: PersonFacts, flag: str) -> int | None:
    fact = facts.flags.get(flag)
    if fact is None or fact.value is None:
        return None
    try:
        return int(fact.value)
    except ValueError:
        return None


def _flag_reason(flag: str, fact: FlagFact) -> Reason:
    zh, en = FLAG_NAMES[flag]
    value = f" {fact.value}" if fact.value is not None else ""
    return Reason(f"flag:{flag}", f"{zh}{value}（{fact.source}，{fact.since.isoformat()} 起）",
                  f"{en}{value} ({fact.source}, since {fact.since.isoformat()})")


def _meets(cond: Condition, facts: PersonFacts, age: int, service_type: str) -> tuple[Reason, ...] | None:
    """The reasons a condition holds, or None when it does not."""
    if cond.services and service_type not in cond.services:
        return None
    reasons: list[Reason] = []
    for flag in cond.flags:
        if flag not in facts.flags:
            return None
        reasons.append(_flag_reason(flag, facts.flags[flag]))
    if cond.min_age is not None:
        if age < cond.min_age:
            return None
        reasons.append(Reason("age", f"年满 {cond.min_age} 周岁（{age} 岁）", f"aged {cond.min_age} or over ({age})"))
    if cond.min_care_level is not None:
        level = _int_flag(facts, "care_level")
        if level is None or level < cond.min_care_level:
            return None
        reasons.append(Reason("care_level", f"能力评估等级 {level} 级（不低于 {cond.min_care_level} 级）",
                              f"assessed care level {level} (at least {cond.min_care_level})"))
    if cond.max_disability_grade is not None:
        grade = _int_flag(facts, "disability_grade")
        if grade is None or grade > cond.max_disability_grade:
            return None
        reasons.append(Reason("disability_grade", f"残疾等级 {grade} 级（{cond.max_disability_grade} 级及以上）",
                              f"disability grade {grade} (grade {cond.max_disability_grade} or more severe)"))
    return tuple(reasons)


def _band_match(band: Band, facts: PersonFacts, age: int, service_type: str) -> tuple[Reason, ...] | None:
    for cond in band.any_of:
        reasons = _meets(cond, facts, age, service_type)
        if reasons is not None:
            return reasons
    return None


def decide(policy: CarePolicy, facts: PersonFacts, service_type: str, today: date) -> Eligibility:
    age = age_on(facts.birth_date, today)
    disabled = _int_flag(facts, "disability_grade") is not None or (_int_flag(facts, "care_level") or 0) > 0
    if age < policy.min_age and not disabled:
        return Eligibility(False, None, None, 0, age, (Reason(
            "under_age", f"未满 {policy.min_age} 周岁（{age} 岁），且无残疾或失能评估",
            f"under {policy.min_age} ({age}) with no disability or assessed loss of capability"),))
    for band in policy.subsidy_bands:
        reasons = _band_match(band, facts, age, service_type)
        if reasons is not None:
            head = Reason(f"band:{band.level}", f"{band.name}（补贴 {band.percent}%）",
                          f"{band.name_en} ({band.percent}% subsidised)")
            return Eligibility(True, band.level, band.name, band.percent, age, (head, *reasons))
    checked = "、".join(b.name for b in policy.subsidy_bands)
    known = [_flag_reason(k, v) for k, v in sorted(facts.flags.items())]
    return Eligibility(False, None, None, 0, age, (Reason(
        "no_band", f"{age} 岁，不符合以下任一补贴档次：{checked}；可自费购买服务",
        f"aged {age}; meets none of the subsidy bands ({', '.join(b.name_en for b in policy.subsidy_bands)}); "
        "the service can still be bought at full price"), *known))


def basis(latest: Mapping[str, Any]) -> dict[str, Any]:
    """What a subsidy decision is held to: the result's subsidised, level and percent (its reasons explain them)."""
    return {"subsidised": bool(latest["subsidised"]), "level": latest["level"], "percent": int(latest["percent"])}


def subsidy_departures(latest: Mapping[str, Any], level: str | None, percent: int) -> list[dict[str, Any]]:
    """How a subsidy of `level` and `percent` departs from the latest eligibility result (empty: it does not).

    A subsidy for someone the result finds not subsidised is `care_ineligible`; any other level or percent than the
    result's (more, or less: a subsidy withheld from someone entitled) is `subsidy_not_entitled`."""
    if level is not None and not latest["subsidised"]:
        return [{"code": "care_ineligible", "failed": [r["code"] for r in latest["reasons"]],
                 "level": level, "percent": percent}]
    if (level, percent) != (latest["level"], int(latest["percent"])):
        return [{"code": "subsidy_not_entitled", "entitled_level": latest["level"],
                 "entitled_percent": int(latest["percent"]), "level": level, "percent": percent}]
    return []
