"""Whose choice a case's lead is: the router's (by subject and place) or a person's (a dispatcher or an agent naming
the unit). Pure: read from the events that set the lead.

It matters when the lead's unit changes after its reply (机构改革): a redo (重办) goes back to the unit that
replied, unless that unit was the router's choice for the place and no longer serves it; a unit a person named
stays named wherever it serves.
"""

from collections.abc import Iterable, Mapping
from typing import Any

ROUTED = ("dispatch", "reroute")  # the router decided (a dispatch names a person's choice `manual_lead`)
NAMED = ("accept_return", "redispatch", "transfer")  # a person named the new lead
REDONE = ("callback", "rate")  # a redo hands the case back to its lead, or to the unit now serving the place
LEAD_EVENT_TYPES = (*ROUTED, *NAMED, *REDONE)
RETAKEN = ("retired_lead_unit_id", "moved_lead_unit_id")  # a redo the router gave another lead


def lead_by_router(events: Iterable[tuple[str, Mapping[str, Any]]]) -> bool:
    """Whether the case's current lead was chosen by the router, from its lead events (type, data) in order."""
    by_router = False
    for type_, data in events:
        if data.get("lead_unit_id") is None:
            continue
        if type_ == "dispatch":
            by_router = not data.get("manual_lead")
        elif type_ == "reroute":
            by_router = True
        elif type_ in NAMED:
            by_router = False
        elif type_ in REDONE and data.get("result") == "redo":
            by_router = by_router or any(key in data for key in RETAKEN)
    return by_router
