"""People's mediation's section of a deadline profile (人民调解, DOMAIN.md §5)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.calendar.deadlines import StepLimits

STEPS = ("conclude", "confirmation_window", "confirmation_reminder_before")


@dataclass(frozen=True)
class MediationLimits(StepLimits):
    """conclude (one month), confirmation_window (30 days, Art 33), confirmation_reminder_before."""

    @classmethod
    def parse(cls, spec: Mapping[str, Any]) -> "MediationLimits":
        return cls(cls.parse_steps(spec, STEPS))
