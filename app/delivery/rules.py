"""Who hears about a case event, how it is signed, and when a failed delivery is tried again: pure functions.

A unit hears what asks something of it or changes its work: a dispatch to
it (lead or co-handler), a return decided, an extension decided, a callback's
result, a chase or supervision, a withdrawal or merge that ends its work, and
a re-dispatch or re-routing that takes the case from it (the lead, or a
co-handler the new decision no longer names; a redo that hands the case to another lead or leaves a co-handler
out, because the unit retired or no longer serves the place), and deadlines re-planned when a
year's official calendar arrives (every active unit: the lead and co-handlers).
"""

import hashlib
import hmac
import random
from collections.abc import Mapping
from typing import Any

TO_LEAD = frozenset({"sign_overdue", "handle_overdue", "chase", "supervise", "approve_extension", "deny_extension",
                     "reject_return", "callback", "rate", "withdraw", "merge", "close", "terminate",
                     "extension_lapsed"})
NEW_LEAD = frozenset({"dispatch", "accept_return", "redispatch", "reroute", "transfer"})
REDONE = frozenset({"callback", "rate"})  # with result "redo": units a redo left out hear of it too
TO_ACTIVE = frozenset({"replan"})  # the lead and every active co-handler, when the event says units must hear
SIGNATURE_HEADER, TIMESTAMP_HEADER, EVENT_HEADER = "X-CSC-Signature", "X-CSC-Timestamp", "X-CSC-Event-Id"


def recipients(event_type: str, data: Mapping[str, Any], lead_unit_id: int | None) -> list[tuple[int, str]]:
    """(unit id, why it hears) for each unit told of the event; a unit is told once."""
    found: list[tuple[int, str]] = []
    if event_type in NEW_LEAD and lead_unit_id is not None:
        found.append((lead_unit_id, "lead"))
        found += [(u, "co") for u in data.get("co_unit_ids", [])]
        previous = data.get("previous_lead_unit_id")
        if previous is not None and previous != lead_unit_id:
            found.append((previous, "previous_lead"))
        found += [(u, "dropped") for u in data.get("dropped_unit_ids", [])]
    elif event_type == "add_co_handler" and data.get("unit_id") is not None:
        found.append((int(data["unit_id"]), "co"))
    elif event_type in TO_LEAD and lead_unit_id is not None:
        found.append((lead_unit_id, "lead"))
        if event_type in REDONE and data.get("result") == "redo":
            previous = data.get("previous_lead_unit_id")
            if previous is not None and previous != lead_unit_id:
                found.append((previous, "previous_lead"))
            found += [(u, "dropped") for u in data.get("dropped_unit_ids", [])]
    elif event_type in TO_ACTIVE and data.get("notify_units"):
        found += [(lead_unit_id, "lead")] if lead_unit_id is not None else []
        found += [(u, "co") for u in data.get("co_unit_ids", [])]
    seen: set[int] = set()
    told: list[tuple[int, str]] = []
    for u, why in found:
        if u not in seen:
            seen.add(u)
            told.append((u, why))
    return told


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>", as the receiver recomputes it; the timestamp defeats replays."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


def verify(secret: str, timestamp: int, body: bytes, signature: str, now: int, tolerance: int = 300) -> bool:
    return abs(now - timestamp) <= tolerance and hmac.compare_digest(sign(secret, timestamp, body), signature)


def backoff_seconds(attempts: int, *, base: float, cap: float, rand: random.Random | None = None) -> float:
    """Exponential with full jitter: a random wait up to base × 2^(attempts − 1), never more than the cap."""
    ceiling = min(cap, base * 2 ** max(attempts - 1, 0))
    return (rand or random).uniform(ceiling / 2, ceiling)
