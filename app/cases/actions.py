"""What each lifecycle action changes. The lifecycle decided it may happen; these apply it."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from app.calendar.deadlines import due_after, extend_due
from app.calendar.service import current_calendar, deployment_profile
from app.cases import clock, search
from app.cases import schemas as s
from app.cases.access import lead_assignment, my_assignment
from app.cases.accountability import EFFECTS as CLOSING_EFFECTS
from app.cases.accountability import set_callback_due, tell_merged
from app.cases.dispatching import clear_oversight, hand_to, new_assignment, route_and_dispatch, usable_unit
from app.cases.lifecycle import Actor, CaseView, LifecycleError, extension_fits
from app.cases.links import EFFECTS as LINK_EFFECTS
from app.core.context import Ctx
from app.core.db import id_of
from app.core.errors import AppError
from app.files import service as files
from app.knowledge.service import usable_article
from app.models import Assignment, Case
from app.routing import service as routing
from app.routing.rules import category_chain

Effect = Callable[[Ctx, Case, Actor, Any, CaseView], Awaitable[dict[str, Any]]]


async def _dispatch(ctx: Ctx, case: Case, actor: Actor, body: s.DispatchBody, view: CaseView) -> dict:
    return await route_and_dispatch(ctx, case, unit_id=body.unit_id)


async def _callback_due(ctx: Ctx, case: Case) -> datetime:
    due = await set_callback_due(ctx, case)
    case.callback_reminded_at = None
    return due


# The lifecycle table and guards decide who may act before an effect runs; these read what they guarantee.

def _mine(ctx: Ctx, case: Case) -> Assignment:
    mine = my_assignment(case, ctx.principal)
    assert mine is not None, "only a unit with an active assignment acts as the lead or a co-handler"
    return mine


def _lead(case: Case) -> Assignment:
    lead = lead_assignment(case)
    assert lead is not None, "the action is allowed only in a status where the case has a lead unit"
    return lead


def _return_request(case: Case) -> dict[str, Any]:
    assert case.return_request is not None, "return_review: the lead's return request is pending"
    return case.return_request


def _extension_request(case: Case) -> dict[str, Any]:
    assert case.extension_request is not None, "the guard allows it only while an extension request is pending"
    return case.extension_request


async def _direct_answer(ctx: Ctx, case: Case, actor: Actor, body: s.DirectAnswerBody, view: CaseView) -> dict:
    article = await usable_article(ctx.state, ctx.session, body.article_code, ctx.now)
    profile = await deployment_profile(ctx.state, ctx.session, case.profile_code)
    if case.work_order_type not in profile.direct_answer_types:
        raise AppError("direct_answer_type_not_allowed", 422, type=case.work_order_type,
                       allowed="、".join(sorted(profile.direct_answer_types)),
                       field_errors=[{"field": "work_order_type", "code": "direct_answer_type_not_allowed"}])
    snap = await routing.snapshot(ctx.state, ctx.session)
    if article.category_code not in {c.code for c in category_chain(snap, case.category_code)}:
        raise AppError("direct_answer_article_mismatch", 422, article=article.code, category=case.category_code,
                       field_errors=[{"field": "article_code", "code": "direct_answer_article_mismatch"}])
    text = body.answer or article.answer
    basis = body.basis or " ".join(x for x in (article.policy_title, article.document_number) if x) or None
    cited = {"code": article.code, "question": article.question, "version": article.version,
             "category": article.category_code, "policy_title": article.policy_title,
             "document_number": article.document_number}
    case.reply = {"text": text, "basis": basis, "signer": ctx.principal.name, "article": cited,
                  "by_user_id": ctx.principal.user_id, "direct": True, "at": ctx.now.isoformat()}
    case.direct_answer = True
    case.replied_at = ctx.now
    search.refresh(case)
    callback_due = await _callback_due(ctx, case)
    merged = await tell_merged(ctx, case)
    return {"callback_due": callback_due.isoformat(), "article": cited, "merged_told": merged}


async def _sign(ctx: Ctx, case: Case, actor: Actor, body: s.NoteBody, view: CaseView) -> dict:
    mine = _mine(ctx, case)
    mine.status, mine.signed_at, mine.signed_by = "signed", ctx.now, ctx.principal.user_id
    if actor == Actor.lead:
        case.signed_at = ctx.now
    late = mine.sign_due is not None and ctx.now > mine.sign_due
    return {"assignment_id": mine.id, "role": mine.role, "signed_late": late}


async def _start(ctx: Ctx, case: Case, actor: Actor, body: s.NoteBody, view: CaseView) -> dict:
    return {}


async def _return(ctx: Ctx, case: Case, actor: Actor, body: s.ReturnBody, view: CaseView) -> dict:
    if body.suggested_unit_id == case.lead_unit_id:
        raise AppError("return_same_unit", 422, field_errors=[{"field": "suggested_unit_id",
                                                               "code": "return_same_unit"}])
    await usable_unit(ctx, body.suggested_unit_id, "suggested_unit_id")
    lead = _lead(case)
    case.return_request = {"reason": body.reason, "legal_basis": body.legal_basis,
                           "suggested_unit_id": body.suggested_unit_id, "from_status": case.status,
                           "assignment_status": lead.status, "by_unit_id": lead.unit_id,
                           "by_user_id": ctx.principal.user_id, "at": ctx.now.isoformat()}
    lead.status = "returned"
    return {"suggested_unit_id": body.suggested_unit_id, "legal_basis": body.legal_basis}


async def _accept_return(ctx: Ctx, case: Case, actor: Actor, body: s.AcceptReturnBody, view: CaseView) -> dict:
    target = body.unit_id or _return_request(case)["suggested_unit_id"]
    if target == case.lead_unit_id:
        raise AppError("redispatch_same_unit", 422, field_errors=[{"field": "unit_id",
                                                                   "code": "redispatch_same_unit"}])
    returned = dict(_return_request(case))
    data = await hand_to(ctx, case, target, retired_status="returned")
    data["return_request"] = returned
    return data


async def _reject_return(ctx: Ctx, case: Case, actor: Actor, body: s.ReasonBody, view: CaseView) -> dict:
    lead = _lead(case)
    lead.status = _return_request(case).get("assignment_status", "dispatched")
    returned = dict(_return_request(case))
    case.return_request = None
    return {"return_request": returned}


async def _request_extension(ctx: Ctx, case: Case, actor: Actor, body: s.ExtensionBody, view: CaseView) -> dict:
    error = extension_fits(view, body.days)
    if error is not None:
        raise AppError(error.code, error.http_status, **error.params)
    case.extension_request = {"days": body.days, "reason": body.reason, "basis": body.basis,
                              "by_unit_id": ctx.principal.unit_id, "by_user_id": ctx.principal.user_id,
                              "at": ctx.now.isoformat()}
    # The request does not stop the clock: the approver is reminded after the profile's limit, and the request
    # lapses at the handling due if nobody decided it.
    profile = await deployment_profile(ctx.state, ctx.session, case.profile_code)
    calendar = await current_calendar(ctx.state, ctx.session)
    remind = due_after(ctx.now, profile.extension_decision, calendar, ctx.zone).at
    case.extension_watch_at = min(remind, case.handle_due) if case.handle_due is not None else remind
    return {"days": body.days, "basis": body.basis, "approver_reminded_at": case.extension_watch_at.isoformat()}


async def _approve_extension(ctx: Ctx, case: Case, actor: Actor, body: s.NoteBody, view: CaseView) -> dict:
    asked = dict(_extension_request(case))
    error = extension_fits(view, asked["days"])
    if error is not None:
        raise AppError(error.code, error.http_status, **error.params)
    calendar = await current_calendar(ctx.state, ctx.session)
    before = case.handle_due
    assert before is not None, "the guard refuses approve_extension while the clock is paused"
    due = extend_due(before, asked["days"], calendar, ZoneInfo(ctx.state.settings.timezone))
    case.handle_due = due.at
    clock.extended(case, asked["days"], before, due)
    if due.at > ctx.now:
        clear_oversight(case)
    case.extension_days_granted += asked["days"]
    case.extension_request = None
    case.extension_watch_at = None
    # The requester is told the new date: it is on their timeline, and delivery reads this event.
    return {"request": asked, "handle_due_before": before.isoformat(), "handle_due": due.at.isoformat(),
            "calendar_complete": due.calendar_complete, "notify_requester": True}


async def _deny_extension(ctx: Ctx, case: Case, actor: Actor, body: s.ReasonBody, view: CaseView) -> dict:
    asked = dict(_extension_request(case))
    case.extension_request = None
    case.extension_watch_at = None
    return {"request": asked}


async def _add_co_handler(ctx: Ctx, case: Case, actor: Actor, body: s.UnitBody, view: CaseView) -> dict:
    unit = await usable_unit(ctx, body.unit_id)
    if any(a.active and a.unit_id == unit.id for a in case.assignments):
        raise AppError("co_handler_duplicate", 409)
    # Joining after the signing deadline has passed, the co-handler has no signing deadline to miss.
    new_assignment(ctx, case, id_of(unit), "co", case.sign_due if ctx.now < (case.sign_due or ctx.now) else None)
    return {"unit_id": unit.id}


async def _contribute(ctx: Ctx, case: Case, actor: Actor, body: s.ContributeBody, view: CaseView) -> dict:
    mine = _mine(ctx, case)
    if mine.signed_at is None:
        mine.signed_at, mine.signed_by = ctx.now, ctx.principal.user_id
    mine.status, mine.contribution, mine.finished_at = "contributed", body.text, ctx.now
    return {"assignment_id": mine.id, "text": body.text}


async def _reply(ctx: Ctx, case: Case, actor: Actor, body: s.ReplyBody, view: CaseView) -> dict:
    lead = _lead(case)
    attached = await files.attach(ctx, id_of(case), files.refs(body.files, "files"), purpose="reply")
    case.reply = {"text": body.text, "signer": body.signer, "basis": body.basis, "by_unit_id": lead.unit_id,
                  "by_user_id": ctx.principal.user_id, "direct": False, "at": ctx.now.isoformat(),
                  **({"files": attached} if attached else {})}
    case.replied_at = ctx.now
    search.refresh(case)
    lead.status, lead.finished_at = "replied", ctx.now
    callback_due = await _callback_due(ctx, case)
    merged = await tell_merged(ctx, case)
    on_time = case.handle_due is None or ctx.now <= case.handle_due
    return {"signer": body.signer, "on_time": on_time, "callback_due": callback_due.isoformat(),
            "merged_told": merged, **({"files": attached} if attached else {})}


async def _close(ctx: Ctx, case: Case, actor: Actor, body: s.NoteBody, view: CaseView) -> dict:
    # Closing without a callback result is the centre's call; the rates do not count it as evaluated.
    case.closed_at, case.close_reason = ctx.now, "closed_by_centre"
    return {}


async def _withdraw(ctx: Ctx, case: Case, actor: Actor, body: s.ReasonBody, view: CaseView) -> dict:
    case.closed_at, case.close_reason = ctx.now, "withdrawn"
    case.extension_request = None
    case.extension_watch_at = None
    for a in case.assignments:
        if a.active and a.status not in ("replied", "contributed"):
            a.status, a.finished_at = "withdrawn", ctx.now
    return {"by": actor.value}


async def _redispatch(ctx: Ctx, case: Case, actor: Actor, body: s.RedispatchBody, view: CaseView) -> dict:
    if body.unit_id == case.lead_unit_id:
        raise AppError("redispatch_same_unit", 422, field_errors=[{"field": "unit_id",
                                                                   "code": "redispatch_same_unit"}])
    return await hand_to(ctx, case, body.unit_id, retired_status="replaced")


EFFECTS: dict[str, Effect] = {
    "dispatch": _dispatch, "direct_answer": _direct_answer, "sign": _sign, "start": _start,
    "return": _return, "accept_return": _accept_return, "reject_return": _reject_return,
    "request_extension": _request_extension, "approve_extension": _approve_extension,
    "deny_extension": _deny_extension, "add_co_handler": _add_co_handler, "contribute": _contribute,
    "reply": _reply, "close": _close, "withdraw": _withdraw, "redispatch": _redispatch,
    **CLOSING_EFFECTS, **LINK_EFFECTS,
}


def event_reason(body: BaseModel) -> str | None:
    return getattr(body, "reason", None) or getattr(body, "note", None)


__all__ = ["EFFECTS", "LifecycleError", "event_reason"]
