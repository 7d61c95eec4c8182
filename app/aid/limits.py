"""Social aid's section of a deadline profile (社会救助, DOMAIN.md §4): the limits of each step of the process."""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from app.calendar.deadlines import Limit

STEPS = ("materials_list", "notice", "decision", "rejection_notice", "whole")


@dataclass(frozen=True)
class AidLimits(Mapping[str, Limit]):
    """materials_list, notice, decision, rejection_notice, whole; and how far the whole may be extended."""

    limits: Mapping[str, Limit]
    whole_extended_working_days: int

    @classmethod
    def parse(cls, spec: Mapping[str, Any]) -> "AidLimits":
        return cls({step: Limit.parse(spec[step]) for step in STEPS}, int(spec["whole_extended_working_days"]))

    def __getitem__(self, step: str) -> Limit:
        return self.limits[step]

    def __iter__(self) -> Iterator[str]:
        return iter(self.limits)

    def __len__(self) -> int:
        return len(self.limits)
