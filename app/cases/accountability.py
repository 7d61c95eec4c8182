"""Closing the loop: callbacks and ratings, redo, merging duplicates, major cases. Never commits."""

from datetime import datetime
from typing import Any

from app.calendar.deadlines import Basis
from app.calendar.service import current_calendar, deployment_profile
from app.cases import clock, repository, search
from app.cases import schemas as s
from app.cases.access import can_see, lead_assignment
from app.cases.dispatching import decide_lead, hand_to
from app.cases.kinds import StageEffect
from app.cases.lead_choice import co_by_router, lead_by_router
from app.cases.lifecycle import Actor, CaseView, Outcome, Status, after_callback
from app.core.context import Ctx
from app.core.db import id_of
from app.core.errors import AppError
from app.core.region_codes import within
from app.models import Case, CaseCallback, Unit
from app.routing.rules import Decision

FINISHED = (Status.closed, Status.withdrawn)


async def set_callback_due(ctx: Ctx, case: Case) -> datetime:
    """The callback falls due the profile's limit after now (a reply, an unreached attempt)."""
    profile = await deployment_profile(ctx.state, ctx.session, case.profile_code)
    calendar = await current_calendar(ctx.state, ctx.session)
    basis = Basis(ctx.now, profile.callback)
    return clock.set_due(case, "callback_due", basis, basis.compute(calendar, ctx.zone))


async def record_reply(ctx: Ctx, case: Case, text: str, **extra: Any) -> dict[str, Any]:
    """The lead unit's answer as a kind's stage decides it (an affair's decision, a finished care order)."""
    lead = lead_assignment(case)
    case.reply = {"text": text, "signer": ctx.principal.name, "by_unit_id": lead.unit_id if lead else None,
                  "by_user_id": ctx.principal.user_id, "direct": False, "at": ctx.now.isoformat(), **extra}
    case.replied_at = ctx.now
    search.refresh(case)
    if lead is not None:
        lead.status, lead.finished_at = "replied", ctx.now
    callback_due = await set_callback_due(ctx, case)
    case.callback_reminded_at = None
    merged = await tell_merged(ctx, case)
    on_time = case.handle_due is None or ctx.now <= case.handle_due
    return {"on_time": on_time, "callback_due": callback_due.isoformat(), "merged_told": merged}


async def record_evaluation(ctx: Ctx, case: Case, actor: Actor, outcome: Outcome, view: CaseView, *,
                            channel: str, note: str | None) -> dict[str, Any]:
    """Stores the attempt, then applies what the pure rule decided."""
    result = after_callback(outcome, view, by_requester=actor == Actor.requester)
    attempt = case.callback_attempts + 1 if channel == "phone" else case.callback_attempts
    if channel == "phone":
        case.callback_attempts = attempt  # every call counts, reached or not; a resident's rating is not a call
    if result.counted:
        # 一事一评: only the last valid evaluation of a reply counts.
        await repository.uncount_callbacks(ctx.session, id_of(case), case.redo_count)
    ctx.session.add(CaseCallback(
        case_id=id_of(case), unit_id=case.lead_unit_id, **repository.place_copy(case), at=ctx.now,
        by_user_id=ctx.principal.user_id,
        channel=channel, round=case.redo_count, attempt=attempt, reached=outcome.reached,
        solved=outcome.solved, satisfaction=outcome.satisfaction, unit_at_fault=outcome.unit_at_fault,
        outcome=result.result, counted=result.counted, note=note,
    ))
    data: dict[str, Any] = {"result": result.result, "reached": outcome.reached, "solved": outcome.solved,
                            "satisfaction": outcome.satisfaction, "unit_at_fault": outcome.unit_at_fault,
                            "channel": channel, "round": case.redo_count, "attempt": attempt}
    if result.result == "retry":
        next_due = await set_callback_due(ctx, case)
        case.callback_reminded_at = None
        data["next_callback_due"] = next_due.isoformat()
    elif result.result in ("closed", "unreached"):
        case.closed_at, case.close_reason = ctx.now, result.close_reason
    elif result.result == "awaiting_review":
        case.reply = {**(case.reply or {}), "rated_by_requester": True}
    elif result.result == "redo":
        data.update(await _redo(ctx, case))
    return data


async def _redo(ctx: Ctx, case: Case) -> dict[str, Any]:
    """重办: back to the same lead unit with a new clock, or to the centre when it was answered directly."""
    previous_reply = case.reply
    case.redo_count += 1
    case.callback_attempts = 0
    case.reply, case.replied_at, case.callback_due, case.callback_reminded_at = None, None, None, None
    data: dict[str, Any] = {"previous_reply": previous_reply, "redo_count": case.redo_count}
    if case.lead_unit_id is not None:
        lead_id = case.lead_unit_id
        co = [a for a in case.assignments if a.active and a.role == "co"]
        changed = await _changed_since(ctx, case, [lead_id, *(a.unit_id for a in co)])
        if lead_id in changed.retired:  # retired since it replied (机构改革): the unit the router names
            lead_id = id_of((await changed.decision()).lead)
            data["retired_lead_unit_id"] = case.lead_unit_id
        elif lead_id in await changed.moved_from_router(lead=True):  # moved since: likewise
            lead_id, data["moved_lead_unit_id"] = id_of((await changed.decision()).lead), case.lead_unit_id
        moved = await changed.moved_from_router(lead=False)
        dropped = [a for a in co if a.unit_id in changed.retired or a.unit_id in moved]
        for a in dropped:  # a co-handler retired or moved away since: no one names a successor; it simply leaves
            a.active, a.status, a.finished_at = False, "rerouted", ctx.now
        if dropped:
            data["dropped_unit_ids"] = [a.unit_id for a in dropped]
        if moved:
            data["moved_co_unit_ids"] = sorted(moved)
        data.update(await hand_to(ctx, case, lead_id, retired_status="redo"))
    return data


class _Changed:
    """The case's units that changed since they replied: retired ones, and those that no longer serve the case's
    place (an import gave them another jurisdiction). A unit that moved leaves a redo only when the router chose
    it for the place and no longer names it (a unit a person named is not held to the place; one the router
    still names, the nearest of its kind, has not moved for this case). The router and the events are read at
    most once, and only when a unit moved."""

    def __init__(self, ctx: Ctx, case: Case, units: list[Unit]) -> None:
        self.ctx, self.case = ctx, case
        self.retired = {id_of(u) for u in units if not u.active}
        self.away = {id_of(u) for u in units if u.active and not within(case.region_code, u.region_code)}
        self._decision: Decision | None = None
        self._events: list[tuple[str, dict[str, Any]]] | None = None

    async def decision(self) -> Decision:
        if self._decision is None:
            self._decision = await decide_lead(self.ctx, self.case)
        return self._decision

    async def moved_from_router(self, *, lead: bool) -> set[int]:
        """The lead (`lead`) or the co-handlers that moved away from the router's choice, by unit id."""
        if not self.away:
            return set()
        if self._events is None:
            self._events = await repository.choice_events(self.ctx.session, id_of(self.case))
        lead_id = self.case.lead_unit_id
        routed: set[int] = set()
        if not lead:
            routed = co_by_router(self._events) - {lead_id}
        elif lead_id is not None and lead_by_router(self._events):
            routed = {lead_id}
        moved = routed & self.away
        if not moved:
            return set()
        try:
            decision = await self.decision()
        except AppError:
            if lead:
                raise
            return set()  # the router names no one for the place now: a co-handler is not taken from the redo
        return moved - {u.id for u in (decision.lead, *decision.co_handlers)}


async def _changed_since(ctx: Ctx, case: Case, unit_ids: list[int]) -> _Changed:
    units = [await ctx.session.get(Unit, u) for u in set(unit_ids)]
    return _Changed(ctx, case, [u for u in units if u is not None])


async def _callback(ctx: Ctx, case: Case, actor: Actor, body: s.CallbackBody, view: CaseView) -> dict:
    if case.merged_into_id is not None:
        return await _merged_evaluation(ctx, case, body.outcome(), view, channel="phone", note=body.note)
    return await record_evaluation(ctx, case, actor, body.outcome(), view, channel="phone", note=body.note)


async def _rate(ctx: Ctx, case: Case, actor: Actor, body: s.RateBody, view: CaseView) -> dict:
    if case.merged_into_id is not None:
        return await _merged_evaluation(ctx, case, body.outcome(), view, channel="app", note=body.comment)
    return await record_evaluation(ctx, case, actor, body.outcome(), view, channel="app", note=body.comment)


async def tell_merged(ctx: Ctx, master: Case) -> list[int]:
    """The master was answered: each merged duplicate's requester is owed the same answer and a callback of
    their own (一事一评 for the caller, while the matter counts once in the figures, on the master)."""
    told = []
    for dup in await repository.merged_into(ctx.session, id_of(master)):
        dup.reply = {**(master.reply or {}), "from_master": {"id": master.id, "number": master.number}}
        dup.replied_at, dup.callback_attempts, dup.callback_reminded_at = ctx.now, 0, None
        search.refresh(dup)
        due = await set_callback_due(ctx, dup)
        dup.version += 1
        dup.updated_at = ctx.now
        ctx.event(dup, "master_replied", from_status=dup.status, to_status=dup.status,
                  data={"master_case_id": master.id, "master_number": master.number,
                        "callback_due": due.isoformat(), "notify_requester": True})
        told.append(id_of(dup))
    return told


async def _merged_evaluation(ctx: Ctx, case: Case, outcome: Outcome, view: CaseView, *, channel: str,
                             note: str | None) -> dict[str, Any]:
    """A merged duplicate's requester called back (or rating in the app) on the master's reply. Recorded, never
    counted in the rates (the master's evaluation counts the matter once); unreached calls are retried up to the
    profile's tries."""
    attempt = case.callback_attempts + 1 if channel == "phone" else case.callback_attempts
    case.callback_attempts = attempt
    ctx.session.add(CaseCallback(
        case_id=id_of(case), unit_id=case.lead_unit_id, **repository.place_copy(case), at=ctx.now,
        by_user_id=ctx.principal.user_id, channel=channel, round=case.redo_count, attempt=attempt,
        reached=outcome.reached, solved=outcome.solved, satisfaction=outcome.satisfaction,
        unit_at_fault=outcome.unit_at_fault, outcome="merged", counted=False, note=note))
    data: dict[str, Any] = {"result": "evaluated" if outcome.reached else "retry", "reached": outcome.reached,
                            "solved": outcome.solved, "satisfaction": outcome.satisfaction, "channel": channel,
                            "attempt": attempt, "master_case_id": case.merged_into_id, "counted": False}
    if not outcome.reached and attempt < view.callback_max_tries:
        data["next_callback_due"] = (await set_callback_due(ctx, case)).isoformat()
        case.callback_reminded_at = None
    else:
        if not outcome.reached:
            data["result"] = "unreached"
        case.callback_due = None
        clock.forget(case, "callback_due")
    return data


async def _merge(ctx: Ctx, case: Case, actor: Actor, body: s.MergeBody, view: CaseView) -> dict:
    field = [{"field": "master_case_id", "code": "merge_master_invalid"}]
    if body.master_case_id == case.id:
        raise AppError("merge_into_self", 422, field_errors=field)
    master = await repository.get(ctx.session, body.master_case_id, with_children=False)
    if master is None or not can_see(master, ctx.principal):
        raise AppError("merge_master_not_found", 422, case_id=body.master_case_id, field_errors=field)
    if master.status in FINISHED:
        raise AppError("merge_master_closed", 409, number=master.number, status=master.status)
    if master.category_code != case.category_code:
        raise AppError("merge_category_mismatch", 409, master=master.category_code, duplicate=case.category_code)
    if not await repository.claim_version(ctx.session, id_of(master), master.version):
        raise AppError("version_stale", 412, current="?")
    master.version += 1
    master.updated_at = ctx.now
    case.merged_into_id, case.closed_at, case.close_reason = master.id, ctx.now, "merged"
    case.extension_request = case.return_request = None
    case.extension_watch_at = None
    for a in case.assignments:
        if a.active:
            a.active, a.status, a.finished_at = False, "merged", ctx.now
    # Earlier duplicates of this case follow it to the new master, so every chain ends at an open case.
    followers = await repository.repoint_duplicates(ctx.session, id_of(case), id_of(master))
    ctx.event(master, "merged_in", reason=body.reason,
              data={"duplicate_id": case.id, "duplicate_number": case.number, "followers": followers})
    return {"master_case_id": master.id, "master_number": master.number, "followers": followers}


async def _mark_major(ctx: Ctx, case: Case, actor: Actor, body: s.MajorBody, view: CaseView) -> dict:
    before = case.major
    case.major = {"leader": body.leader, "leader_title": body.leader_title, "team": body.team, "plan": body.plan,
                  "resolve_by": body.resolve_by.isoformat(), "note": body.note,
                  "marked_by_user_id": ctx.principal.user_id, "at": ctx.now.isoformat()}
    return {"major": case.major, "before": before}


EFFECTS: dict[str, StageEffect] = {"callback": _callback, "rate": _rate, "merge": _merge, "mark_major": _mark_major}
