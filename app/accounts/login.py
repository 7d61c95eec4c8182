"""Lockout after repeated failed logins (等保 2.0): a pure rule over the account's counters."""

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int
    window: timedelta
    lockout: timedelta


@dataclass(frozen=True)
class FailureState:
    failed_logins: int
    window_start: datetime | None
    locked_until: datetime | None


def is_locked(state: FailureState, now: datetime) -> bool:
    return state.locked_until is not None and now < state.locked_until


def after_failure(state: FailureState, policy: LockoutPolicy, now: datetime) -> FailureState:
    """Counts a failure; the failure that reaches the limit locks the account."""
    in_window = state.window_start is not None and now - state.window_start < policy.window
    count = state.failed_logins + 1 if in_window else 1
    start = state.window_start if in_window else now
    if count >= policy.max_failures:
        return FailureState(0, None, now + policy.lockout)
    return FailureState(count, start, state.locked_until)


def after_success() -> FailureState:
    return FailureState(0, None, None)
