"""Social aid's section of a deadline profile (社会救助, DOMAIN.md §4): the limits of each step of the process."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.calendar.deadlines import StepLimits

STEPS = ("materials_list", "notice", "decision", "rejection_notice", "whole")


@dataclass(frozen=True)
class AidLimits(StepLimits):
    """materials_list, notice, decision, rejection_notice, whole; and how far the whole may be extended."""

    whole_extended_working_days: int

    @classmethod
    def parse(cls, spec: Mapping[str, Any]) -> "AidLimits":
        return cls(cls.parse_steps(spec, STEPS), int(spec["whole_extended_working_days"]))
