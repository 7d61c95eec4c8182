"""The case as its requester reads it: where it stands in plain words, what was promised, the answer, what to do.

Staff read the whole record (app/cases/views.py). A resident reads this curated view instead: no routing trace,
no staff or user ids, no returns argued between units, no fault findings, no oversight marks, no one else's
data. What a step says is a label in both languages, chosen by the client's Accept-Language.
"""

from datetime import datetime
from typing import Any

from app.cases import schemas as s
from app.cases.views import overdue
from app.models import Case
from app.routing.rules import UnitRef
from app.units.schemas import UnitBrief

# A status as the requester hears it. A return under review is still, for them, "dispatched": the argument
# between the centre and a unit about who handles it is not theirs to read.
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "received": ("已受理", "Received"),
    "dispatched": ("已派发", "Sent to the responsible unit"),
    "return_review": ("已派发", "Sent to the responsible unit"),
    "signed": ("已签收", "Accepted by the unit"),
    "in_progress": ("办理中", "Being handled"),
    "replied": ("已答复", "Answered"),
    "closed": ("已办结", "Closed"),
    "withdrawn": ("已撤回", "Withdrawn"),
}

# A step of the way, in order; `{unit}` is the lead unit's name.
STEPS: dict[str, tuple[str, str]] = {
    "received": ("已受理", "Received"),
    "dispatched": ("已派发至{unit}", "Sent to {unit}"),
    "signed": ("已签收", "Accepted by the unit"),
    "replied": ("已答复", "Answered"),
    "rate": ("待您评价", "Waiting for your rating"),
    "rated": ("已评价", "Rated"),
    "closed": ("已办结", "Closed"),
    "withdrawn": ("已撤回", "Withdrawn"),
}

# What the requester can do now, by the action that does it.
NEXT: dict[str, tuple[str, str]] = {
    "rate": ("评价答复", "Rate the answer"),
    "withdraw": ("撤回诉求", "Withdraw the request"),
    "supplement": ("补充材料", "Add the missing materials"),
    "object": ("提出异议", "Object to the decision"),
    "sign_agreement": ("签署调解协议", "Sign the mediation agreement"),
    "apply_confirmation": ("申请司法确认", "Apply for judicial confirmation"),
}


def _label(pair: tuple[str, str], english: bool, **params: str) -> str:
    return (pair[1] if english else pair[0]).format(**params)


def unit_name(lead: UnitRef | None, english: bool) -> str:
    if lead is None:
        return ""
    return (lead.name_en or lead.name) if english else lead.name


def steps(case: Case, lead: UnitRef | None, english: bool) -> list[s.ResidentStep]:
    unit = unit_name(lead, english)
    out = [s.ResidentStep(step="received", label=_label(STEPS["received"], english), at=case.created_at, done=True)]
    if case.status == "withdrawn":
        out.append(s.ResidentStep(step="withdrawn", label=_label(STEPS["withdrawn"], english),
                                  at=case.closed_at or case.updated_at, done=True))
        return out
    if lead is not None or case.direct_answer:
        if not case.direct_answer:
            out.append(s.ResidentStep(step="dispatched", label=_label(STEPS["dispatched"], english, unit=unit),
                                      at=case.dispatched_at, done=case.dispatched_at is not None))
            out.append(s.ResidentStep(step="signed", label=_label(STEPS["signed"], english), at=case.signed_at,
                                      done=case.signed_at is not None))
    out.append(s.ResidentStep(step="replied", label=_label(STEPS["replied"], english), at=case.replied_at,
                              done=case.replied_at is not None))
    rated = bool((case.reply or {}).get("rated_by_requester"))
    if case.replied_at is not None and case.status == "replied" and not rated:
        out.append(s.ResidentStep(step="rate", label=_label(STEPS["rate"], english), at=None, done=False))
    elif rated:
        out.append(s.ResidentStep(step="rated", label=_label(STEPS["rated"], english), at=None, done=True))
    out.append(s.ResidentStep(step="closed", label=_label(STEPS["closed"], english), at=case.closed_at,
                              done=case.status == "closed"))
    return out


def reply(case: Case, lead: UnitRef | None, english: bool) -> s.ResidentReply | None:
    """The answer as the requester receives it: the text, its basis and the unit; never who typed it in."""
    if not case.reply or not case.reply.get("text"):
        return None
    article = case.reply.get("article") or {}
    return s.ResidentReply(text=case.reply["text"], basis=case.reply.get("basis"), at=case.replied_at,
                           unit=unit_name(lead, english) if lead and not case.direct_answer else None,
                           policy_title=article.get("policy_title"), document_number=article.get("document_number"))


def view(case: Case, *, category_name: str, region_name: str | None, lead: UnitRef | None, payload: dict[str, Any],
         allowed: list[str], now: datetime, english: bool) -> s.ResidentCaseRead:
    return s.ResidentCaseRead(
        id=case.id, number=case.number, kind=case.kind, channel=case.channel, status=case.status,
        status_label=_label(STATUS_LABELS[case.status], english), stage=case.stage,
        category=s.CategoryBrief(code=case.category_code, name=category_name),
        work_order_type=case.work_order_type, title=case.title, description=case.description,
        location=s.ResidentLocation(region_code=case.region_code, region_name=region_name, address=case.address),
        lead_unit=UnitBrief.of(lead, english) if lead else None, promised_due=case.handle_due,
        stage_due=case.stage_due, overdue=overdue(case, now), steps=steps(case, lead, english),
        reply=reply(case, lead, english), payload=payload, allowed_actions=allowed,
        next_actions=[s.NextAction(action=a, label=_label(NEXT[a], english)) for a in allowed if a in NEXT],
        created_at=case.created_at, updated_at=case.updated_at, version=case.version,
    )
