"""People's mediation's section of a deadline profile (人民调解, DOMAIN.md §5)."""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from app.calendar.deadlines import Limit

STEPS = ("conclude", "confirmation_window", "confirmation_reminder_before")


@dataclass(frozen=True)
class MediationLimits(Mapping[str, Limit]):
    """conclude (one month), confirmation_window (30 days, Art 33), confirmation_reminder_before."""

    limits: Mapping[str, Limit]

    @classmethod
    def parse(cls, spec: Mapping[str, Any]) -> "MediationLimits":
        return cls({step: Limit.parse(spec[step]) for step in STEPS})

    def __getitem__(self, step: str) -> Limit:
        return self.limits[step]

    def __iter__(self) -> Iterator[str]:
        return iter(self.limits)

    def __len__(self) -> int:
        return len(self.limits)
