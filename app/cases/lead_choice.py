"""Whose choice a case's lead and co-handlers are: the router's (by subject and place) or a person's (a dispatcher
or an agent naming the unit). Pure: read from the events that set them.

It matters when a unit changes after its reply (机构改革): a redo (重办) goes back to the units that replied,
unless a unit was the router's choice for the place and no longer serves it; a unit a person named stays named
wherever it serves.
"""

from collections.abc import Iterable, Mapping
from typing import Any

ROUTED = ("dispatch", "reroute")  # the router decided (a dispatch names a person's choice `manual_lead`)
NAMED = ("accept_return", "redispatch", "transfer")  # a person named the new lead
REDONE = ("callback", "rate")  # a redo hands the case back to its lead, or to the unit now serving the place
LEAD_EVENT_TYPES = (*ROUTED, *NAMED, *REDONE)
RETAKEN = ("retired_lead_unit_id", "moved_lead_unit_id")  # a redo the router gave another lead
CO_NAMED = ("add_co_handler",)  # a person added a co-handler
CHOICE_EVENT_TYPES = (*LEAD_EVENT_TYPES, *CO_NAMED)


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


def co_by_router(events: Iterable[tuple[str, Mapping[str, Any]]]) -> set[int]:
    """The co-handlers the router named and no person named since, from the case's choice events (type, data) in
    order: a dispatch adds the decision's co-handlers, a re-route replaces them; a unit a person adds, a unit that
    becomes the lead, and a unit a redo dropped are no longer the router's co-handlers."""
    co: set[int] = set()
    for type_, data in events:
        redo = type_ in REDONE and data.get("result") == "redo"
        if type_ in ROUTED and data.get("lead_unit_id") is not None:
            named = set(data.get("co_unit_ids", []))
            co = named if type_ == "reroute" else co | named
        elif type_ in CO_NAMED and data.get("unit_id") is not None:
            co.discard(int(data["unit_id"]))
        elif redo:
            co -= set(data.get("dropped_unit_ids", []))
        if data.get("lead_unit_id") is not None and (type_ in ROUTED or type_ in NAMED or redo):
            co.discard(data["lead_unit_id"])
    return co
