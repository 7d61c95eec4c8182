"""Ranking volunteers for an eldercare visit: a pure score with its reasons.

Skill is a gate (nobody is sent to bathe an elder without the skill), so are
approval, age for home visits alone and a clash with another visit. Among
those left: nearness by the region tree (same community, then subdistrict,
then district), whether the visit falls in a slot they offered, and how past
visits were rated (smoothed, so one 5-star visit does not beat fifty
4.8-star ones).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Slot:
    weekday: int  # 1 = Monday … 7 = Sunday
    start: time
    end: time


@dataclass(frozen=True)
class VolunteerFacts:
    id: int
    name: str
    region_code: str
    skills: frozenset[str]
    slots: tuple[Slot, ...]
    age: int
    rating_sum: int
    rating_count: int
    busy: tuple[tuple[datetime, datetime], ...] = ()  # other visits and tasks already taken


@dataclass(frozen=True)
class Candidate:
    volunteer_id: int
    name: str
    score: float
    skills: tuple[str, ...]
    reasons: tuple[tuple[str, str], ...]  # (zh, en)


@dataclass(frozen=True)
class Excluded:
    volunteer_id: int
    code: str


PRIOR_MEAN, PRIOR_WEIGHT = 4.0, 3  # smoothing for ratings


def nearness(volunteer_region: str, elder_region: str) -> tuple[float, str, str]:
    if volunteer_region == elder_region:
        return 40.0, "同一社区", "same community"
    if volunteer_region[:9] == elder_region[:9]:
        return 25.0, "同一街道", "same subdistrict"
    if volunteer_region[:6] == elder_region[:6]:
        return 10.0, "同一区", "same district"
    return 0.0, "不同区", "another district"


def available(slots: Iterable[Slot], at: datetime, minutes: int, zone: ZoneInfo) -> bool:
    local = at.astimezone(zone)
    end = (local.hour * 60 + local.minute) + minutes
    for slot in slots:
        start_m, end_m = slot.start.hour * 60 + slot.start.minute, slot.end.hour * 60 + slot.end.minute
        if slot.weekday == local.isoweekday() and start_m <= local.hour * 60 + local.minute and end <= end_m:
            return True
    return False


def smoothed_rating(rating_sum: int, rating_count: int) -> float:
    return (rating_sum + PRIOR_MEAN * PRIOR_WEIGHT) / (rating_count + PRIOR_WEIGHT)


def rank(volunteers: Iterable[VolunteerFacts], *, needed_skills: frozenset[str], elder_region: str,
         at: datetime, minutes: int, min_age: int, zone: ZoneInfo, limit: int = 20,
         skill_names: Mapping[str, tuple[str, str]] | None = None) -> tuple[list[Candidate], list[Excluded]]:
    ranked: list[Candidate] = []
    excluded: list[Excluded] = []
    end = at.timestamp() + minutes * 60
    for v in volunteers:
        matching = tuple(sorted(v.skills & needed_skills))
        if not matching:
            excluded.append(Excluded(v.id, "no_matching_skill"))
            continue
        if v.age < min_age:
            excluded.append(Excluded(v.id, "under_age_for_home_visits"))
            continue
        if any(b[0].timestamp() < end and at.timestamp() < b[1].timestamp() for b in v.busy):
            excluded.append(Excluded(v.id, "busy_at_that_time"))
            continue
        near, near_zh, near_en = nearness(v.region_code, elder_region)
        names = skill_names or {}
        reasons: list[tuple[str, str]] = [
            (f"技能匹配：{'、'.join(names.get(c, (c, c))[0] for c in matching)}",
             f"skills: {', '.join(names.get(c, (c, c))[1] for c in matching)}"), (near_zh, near_en)]
        score = 30.0 + near
        if available(v.slots, at, minutes, zone):
            score += 20.0
            reasons.append(("该时段有空", "available at that time"))
        else:
            reasons.append(("该时段不在其登记的服务时间内", "outside the times offered"))
        rating = smoothed_rating(v.rating_sum, v.rating_count)
        score += rating * 2  # up to 10
        if v.rating_count:
            reasons.append((f"历史评价 {v.rating_sum / v.rating_count:.1f} 星（{v.rating_count} 次）",
                            f"rated {v.rating_sum / v.rating_count:.1f} stars over {v.rating_count} visits"))
        else:
            reasons.append(("尚无评价", "not rated yet"))
        ranked.append(Candidate(v.id, v.name, round(score, 2), matching, tuple(reasons)))
    ranked.sort(key=lambda c: (-c.score, c.volunteer_id))
    return ranked[:limit], excluded


def needed_skills(service_type: str, taxonomy: Sequence[tuple[str, Sequence[str]]]) -> frozenset[str]:
    """Skills whose taxonomy entry serves the service type."""
    return frozenset(code for code, services in taxonomy if service_type in services)
