"""Volunteer rules as pure functions: guardian consent by age, stars by hours, service time, the certificate.

志愿服务条例 (2017): real identity, skills and time at registration; tasks fit
age and skills; hours count actual service, not travel; stars at the hours
the policy lists. PIPL Art 31: under-14s' data needs a guardian's consent;
the policy decides whether 14–18 need it too.
"""

from collections.abc import Sequence
from datetime import date, datetime

from app.care_policy.policy import VolunteerRules
from app.core.clock import age_on


def consent_needed(rules: VolunteerRules, birth: date, today: date) -> str | None:
    """Why a guardian's consent is needed ('under_14' or 'minor'), or None for an adult."""
    age = age_on(birth, today)
    if age < rules.guardian_consent_under:
        return "under_14"
    if age < 18 and rules.guardian_consent_14_to_18:
        return "minor"
    return None


def stars(rules: VolunteerRules, minutes: int) -> int:
    hours = minutes / 60
    return sum(1 for threshold in rules.star_hours if hours >= threshold)


def next_star(rules: VolunteerRules, minutes: int) -> int | None:
    """Hours at which the next star comes, or None at five stars."""
    hours = minutes / 60
    return next((t for t in rules.star_hours if hours < t), None)


def service_minutes(check_in: datetime, check_out: datetime) -> int:
    """Actual service time in whole minutes (rounded down); the caller has checked the order of the two."""
    return int((check_out - check_in).total_seconds() // 60)


def certified_minutes(check_in: datetime, check_out: datetime, opens: datetime, closes: datetime) -> int:
    """Service time inside the window the task or visit allows: a back-dated check-in or a forgotten
    check-out does not bank hours that were not planned."""
    start, end = max(check_in, opens), min(check_out, closes)
    return service_minutes(start, end) if end > start else 0


def certificate_no(rules: VolunteerRules, district: str, volunteer_id: int, approved: date) -> str:
    """A stable number printed on the volunteer's certificate: prefix, district, year of approval, id."""
    return f"{rules.certificate_prefix}-{district}-{approved.year}-{volunteer_id:07d}"


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def hours_text(minutes: int) -> str:
    return f"{minutes / 60:.2f}"


def valid_slots(slots: Sequence[tuple[int, str, str]]) -> bool:
    return all(1 <= d <= 7 and s < e for d, s, e in slots)
