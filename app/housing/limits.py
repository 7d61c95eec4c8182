"""Residence registration's section of a deadline profile (出租屋居住登记): its limit and thresholds, as data.

seed/deadline_profiles.yaml gives every profile a `housing` block with the source of each number:
- verify: how long the community has to verify a filed tenancy and issue the certificate (the handling limit);
- reminder_before: how many calendar days before a tenancy ends its tenants are reminded;
- residence_permit_months: continuous months of registration after which a resident counts toward the residence
  permit (居住证) requirement, and residence_permit_basis, the rule that sets it (shown with every answer);
- continuity_gap_days: days without registration between two tenancies that still leave them continuous;
- max_term_years: the longest tenancy the law allows.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.calendar.deadlines import Limit


@dataclass(frozen=True)
class HousingLimits:
    verify: Limit
    reminder_before: Limit
    residence_permit_months: int
    residence_permit_basis: str
    continuity_gap_days: int
    max_term_years: int

    @classmethod
    def parse(cls, spec: Mapping[str, Any]) -> "HousingLimits":
        reminder = Limit.parse(spec["reminder_before"])
        if reminder.unit != "days":
            raise ValueError(f"housing.reminder_before counts calendar days before the end, not {reminder.unit}")
        limits = cls(verify=Limit.parse(spec["verify"]), reminder_before=reminder,
                     residence_permit_months=int(spec["residence_permit_months"]),
                     residence_permit_basis=str(spec["residence_permit_basis"]),
                     continuity_gap_days=int(spec["continuity_gap_days"]),
                     max_term_years=int(spec["max_term_years"]))
        if min(limits.residence_permit_months, limits.max_term_years, limits.verify.amount) < 1 \
                or limits.continuity_gap_days < 0 or reminder.amount < 0:
            raise ValueError(f"housing limits out of range: {dict(spec)!r}")
        return limits
