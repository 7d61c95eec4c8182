"""Case table rows into API models, with personal data masked by default."""

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any

from app.calendar.deadlines import Profile
from app.cases import schemas as s
from app.cases.access import actors_for, my_assignment
from app.cases.clock import provisional_names
from app.cases.kinds import KindPlugin, get_kind
from app.cases.lifecycle import OPEN, CaseView, Status, allowed_actions
from app.cases.stages import StageView
from app.core.context import Ctx
from app.core.security import mask_phone
from app.models import Case, CaseEvent
from app.routing.rules import UnitRef
from app.units.schemas import UnitBrief


def overdue(case: Case, now: datetime) -> bool:
    return case.status in OPEN and case.handle_due is not None and now > case.handle_due


def extension_cap(case: Case, profile: Profile) -> int:
    plugin = get_kind(case.kind)
    return plugin.extension_cap(case) if plugin.extension_cap is not None else profile.extension_cap_working_days


def case_view(case: Case, ctx: Ctx, profile: Profile) -> CaseView:
    mine = my_assignment(case, ctx.principal)
    before = (case.return_request or {}).get("from_status")
    return CaseView(
        status=Status(case.status), handle_due=case.handle_due, return_until=case.return_until,
        extension_pending=case.extension_request is not None,
        extension_days_granted=case.extension_days_granted, extension_cap=extension_cap(case, profile),
        status_before_return=Status(before) if before else None,
        my_assignment_status=mine.status if mine else None,
        has_lead_unit=case.lead_unit_id is not None, callback_attempts=case.callback_attempts,
        callback_max_tries=profile.callback_max_tries,
        rated_this_round=bool((case.reply or {}).get("rated_by_requester")),
        merged_callback_pending=case.merged_into_id is not None and case.callback_due is not None,
    )


def stage_view(case: Case, plugin: KindPlugin) -> StageView:
    return StageView(status=Status(case.status), stage=case.stage, facts=plugin.stage_facts(case))


def allowed_for(case: Case, ctx: Ctx, profile: Profile) -> list[str]:
    """The spine's actions the kind keeps, then the kind's stage actions."""
    plugin = get_kind(case.kind)
    actors = actors_for(case, ctx.principal)
    out = [a for a in allowed_actions(case_view(case, ctx, profile), actors, ctx.now)
           if a not in plugin.blocked_actions]
    if plugin.stages is not None:
        out += plugin.stages.allowed(stage_view(case, plugin), actors, ctx.now)
    return out


def summary(case: Case, category_name: str, now: datetime) -> s.CaseSummary:
    return s.CaseSummary(
        id=case.id, number=case.number, kind=case.kind, channel=case.channel, status=case.status,
        stage=case.stage, category=s.CategoryBrief(code=case.category_code, name=category_name),
        work_order_type=case.work_order_type, urgency=case.urgency, title=case.title,
        region_code=case.region_code, lead_unit_id=case.lead_unit_id,
        caller_phone=mask_phone(case.caller_phone), sign_due=case.sign_due, handle_due=case.handle_due,
        overdue=overdue(case, now), calendar_complete=not case.provisional, created_at=case.created_at,
        version=case.version,
    )


def _brief(unit: UnitRef | None, english: bool) -> UnitBrief | None:
    return _brief_of(unit, english) if unit else None


@lru_cache(maxsize=4096)
def _brief_of(unit: UnitRef, english: bool) -> UnitBrief:
    # A unit of the routing snapshot is immutable and named on most reads: its brief made once (never changed after).
    return UnitBrief.of(unit, english)


def _oversight(case: Case) -> s.Oversight:
    return s.Oversight(sign_overdue_at=case.sign_overdue_at, handle_overdue_at=case.handle_overdue_at,
                       chase_due=case.chase_due, chased_at=case.chased_at, supervise_due=case.supervise_due,
                       supervised_at=case.supervised_at, callback_reminded_at=case.callback_reminded_at)


def master_progress(master: Case | None) -> s.MasterProgress | None:
    if master is None:
        return None
    return s.MasterProgress(id=master.id, number=master.number, status=master.status,
                            handle_due=master.handle_due, replied_at=master.replied_at,
                            reply_text=(master.reply or {}).get("text"), closed_at=master.closed_at)


_EVENT_FIELDS = tuple(s.EventRead.model_fields)
_EVENT_VALUES = itemgetter(*_EVENT_FIELDS)


def _event(event: CaseEvent) -> dict[str, Any]:
    """An event's fields from the values its row loaded: validated with the case's answer in one pass, not read
    through the ORM's attribute for each field of each event (a timeline is most of a case's rows)."""
    try:
        return dict(zip(_EVENT_FIELDS, _EVENT_VALUES(event.__dict__), strict=True))
    except KeyError:  # a value not loaded (expired): the ORM's attribute reads it
        return {name: getattr(event, name) for name in _EVENT_FIELDS}


def detail(case: Case, ctx: Ctx, *, category_name: str, region_name: str | None, units: dict[int, UnitRef],
           profile: Profile, reveal_contact: bool, master: Case | None = None,
           duplicates: Sequence[tuple[int, str]] = (), related: Sequence[tuple[int, str]] = ()) -> s.CaseRead:
    hidden = case.anonymous
    phone = case.caller_phone if reveal_contact else mask_phone(case.caller_phone)
    return s.CaseRead(
        id=case.id, number=case.number, kind=case.kind, channel=case.channel, status=case.status,
        stage=case.stage, category=s.CategoryBrief(code=case.category_code, name=category_name),
        work_order_type=case.work_order_type, urgency=case.urgency, handling_class=case.handling_class,
        title=case.title, description=case.description,
        location=s.Location(region_code=case.region_code, region_name=region_name,
                            district_code=case.district_code, address=case.address,
                            latitude=case.latitude, longitude=case.longitude),
        requester=s.Requester(user_id=case.requester_user_id, name=None if hidden else case.caller_name,
                              phone=phone, phone_masked=not reveal_contact and bool(case.caller_phone),
                              anonymous=case.anonymous, hide_contact=case.hide_contact),
        lead_unit=_brief(units.get(case.lead_unit_id), ctx.english) if case.lead_unit_id else None,
        routing_fallback=case.routing_fallback, profile=case.profile_code,
        deadlines=s.Deadlines(sign_due=case.sign_due, handle_due=case.handle_due, return_until=case.return_until,
                              callback_due=case.callback_due, extension_days_granted=case.extension_days_granted,
                              extension_cap_working_days=extension_cap(case, profile),
                              overdue=overdue(case, ctx.now), calendar_complete=not case.provisional,
                              provisional=provisional_names(case)),
        extension_request=case.extension_request, return_request=case.return_request, reply=case.reply,
        direct_answer=case.direct_answer, close_reason=case.close_reason,
        payload=get_kind(case.kind).present_payload(case.payload, ctx.principal), stage_due=case.stage_due,
        merged_into=master_progress(master), merged_duplicates=[s.CaseRef(id=i, number=n) for i, n in duplicates],
        related=[s.CaseRef(id=i, number=n) for i, n in related],
        major=case.major, redo_count=case.redo_count, callback_attempts=case.callback_attempts,
        oversight=_oversight(case),
        created_at=case.created_at, updated_at=case.updated_at, version=case.version,
        assignments=[
            s.AssignmentRead(id=a.id, unit=_brief(units[a.unit_id], ctx.english), role=a.role, status=a.status,
                             active=a.active, dispatched_at=a.dispatched_at, sign_due=a.sign_due,
                             signed_at=a.signed_at, finished_at=a.finished_at, contribution=a.contribution)
            for a in case.assignments
        ],
        timeline=[_event(e) for e in case.events],  # validated into EventRead with the rest
        allowed_actions=allowed_for(case, ctx, profile),
    )
