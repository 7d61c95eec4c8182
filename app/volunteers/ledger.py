"""The time bank's rules, pure: what a deposit keeps under the cap, who may receive a transfer.

Nanjing's scheme (DOMAIN.md §3): 1 hour of service = 1 unit; a balance is
capped (1,500 h) and the excess is donated to the community pool; hours a
team earns can only be donated; transfers go to the spouse, or to relatives
aged 60+; hours are redeemed for care services, never cash. Amounts are
whole minutes so sums are exact.
"""

from dataclasses import dataclass

# 直系亲属 and the spouse (Nanjing): what the recipient is to the volunteer.
RELATIVES = frozenset({"spouse", "parent", "child", "grandparent", "grandchild"})


@dataclass(frozen=True)
class DepositSplit:
    kept: int
    overflow: int  # to the community pool


def split_deposit(own: int, team: int, minutes: int, cap_minutes: int) -> DepositSplit:
    """The cap is on the whole balance (own + team); what does not fit goes to the pool."""
    room = max(cap_minutes - own - team, 0)
    kept = min(minutes, room)
    return DepositSplit(kept, minutes - kept)


def transfer_refusal(relation: str | None, recipient_age: int, relative_min_age: int) -> str | None:
    """An error code, or None when the recipient may receive hours from the volunteer."""
    if relation is None or relation not in RELATIVES:
        return "transfer_not_relative"
    if relation != "spouse" and recipient_age < relative_min_age:
        return "transfer_relative_too_young"
    return None


def hours_to_minutes(hours: float) -> int:
    return round(hours * 60)
