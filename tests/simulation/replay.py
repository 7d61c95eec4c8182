"""Replaying a case's timeline: who should hold it and in what status, from the events alone."""

from dataclasses import dataclass, field
from typing import Any

from app.models import CaseEvent

NEW_LEAD_BY_NAME = ("accept_return", "redispatch", "transfer")  # a person named the new lead


@dataclass
class Replayed:
    status: str | None = None
    lead: int | None = None  # the unit holding the active lead assignment, if any
    lead_field: int | None = None  # what cases.lead_unit_id should say (kept after the case is finished)
    co: set[int] = field(default_factory=set)
    lead_by_router: bool = False  # the router chose the lead (not a person naming a unit)
    status_breaks: list[str] = field(default_factory=list)
    leads_at: list[int | None] = field(default_factory=list)  # lead_unit_id after each event


def _set_lead(r: Replayed, unit: int, *, by_router: bool) -> None:
    r.lead = r.lead_field = unit
    r.co.discard(unit)
    r.lead_by_router = by_router


def replay(events: list[CaseEvent]) -> Replayed:
    r = Replayed()
    for e in events:
        d: dict[str, Any] = e.data or {}
        if e.to_status is not None:
            if e.from_status is not None and r.status is not None and e.from_status != r.status:
                r.status_breaks.append(f"event {e.id} {e.type} from {e.from_status} but the case was {r.status}")
            r.status = e.to_status
        if e.type == "dispatch" and d.get("lead_unit_id") is not None:
            r.co |= set(d.get("co_unit_ids", []))
            _set_lead(r, d["lead_unit_id"], by_router=not d.get("manual_lead"))
        elif e.type in NEW_LEAD_BY_NAME and d.get("lead_unit_id") is not None:
            _set_lead(r, d["lead_unit_id"], by_router=False)
        elif e.type == "reroute" and d.get("lead_unit_id") is not None:
            r.co = set(d.get("co_unit_ids", []))
            _set_lead(r, d["lead_unit_id"], by_router=True)
        elif e.type in ("callback", "rate") and d.get("result") == "redo" and d.get("lead_unit_id") is not None:
            r.co -= set(d.get("dropped_unit_ids", []))  # co-handlers retired since the reply leave
            # A lead retired or moved away since the reply: the router named the unit that serves the place now.
            by_router = r.lead_by_router or "retired_lead_unit_id" in d or "moved_lead_unit_id" in d
            _set_lead(r, d["lead_unit_id"], by_router=by_router)
        elif e.type == "add_co_handler" and d.get("unit_id") is not None:
            r.co.add(int(d["unit_id"]))
        elif e.type == "merge":
            r.lead, r.co = None, set()
        r.leads_at.append(r.lead_field)
    return r
