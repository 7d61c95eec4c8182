"""The time bank's rules, pure: what a deposit keeps under the cap, who may receive a transfer.

Nanjing's scheme (DOMAIN.md §3): 1 hour of service = 1 unit; a balance is
capped (1,500 h) and the excess is donated to the community pool; hours a
team earns can only be donated; transfers go to the spouse, or to relatives
aged 60+; hours are redeemed for care services, never cash. Amounts are
whole minutes so sums are exact.

A redemption pays for the care an eldercare order has had or has booked, at
the elder's own share (what the order's subsidy leaves), less what hours
already paid: more than that is a departure from the rule result that a
leader may sign off with a reason. A balance below zero or over the cap is
never a departure: it is refused whatever the override.
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


def redeemable_minutes(service_minutes: int, subsidy_percent: int, paid_minutes: int) -> int:
    """What hours may still pay for on an order: the elder's share of its service (the subsidy pays the rest;
    rounded down to the minute), less what hours already paid."""
    share = service_minutes * (100 - subsidy_percent) // 100
    return max(share - paid_minutes, 0)


def redemption_departures(minutes: int, service_minutes: int, subsidy_percent: int,
                          paid_minutes: int) -> list[dict[str, int | str]]:
    """How a redemption of `minutes` departs from what the order leaves to pay (empty: it does not)."""
    left = redeemable_minutes(service_minutes, subsidy_percent, paid_minutes)
    if minutes <= left:
        return []
    return [{"code": "redemption_over_order", "minutes": minutes, "redeemable_minutes": left,
             "service_minutes": service_minutes, "subsidy_percent": subsidy_percent, "paid_minutes": paid_minutes}]
