"""The `housing` kind: how a residence registration for rental housing plugs into the case spine.

The category rule routes it to the community of the rented home; the community verifies it within the
profile's limit (the handling limit) and issues the registration certificate, which is its reply. The tenancy
is edited as the kind's model (`HousingPayload`, through the plug-in's `payload_of` and `store`), and the
register's rows (app.models.housing) change with it in the same transaction. The stage deadline is the
tenancy's end: when it passes, the registration lapses (`on_stage_due`). The reminder before the end is the
package's own sweep (service.remind_sweep).
"""

from typing import Any

from app.calendar.deadlines import Limit
from app.calendar.service import deployment_profile
from app.cases.access import sign_for
from app.cases.accountability import record_reply
from app.cases.kinds import KindPlugin, without_keys
from app.cases.lifecycle import Actor, CaseView
from app.core.context import Ctx
from app.core.db import id_of
from app.core.errors import AppError
from app.core.roles import Role
from app.housing import repository, residence
from app.housing import schemas as s
from app.housing.limits import HousingLimits
from app.housing.rules import Stage
from app.models import Case
from app.models.housing import HousingRegistration


def plugin() -> KindPlugin[s.HousingPayload]:
    """The installed plug-in, read when a hook runs (plugin.py imports this module to assemble it)."""
    from app.housing.plugin import PLUGIN

    return PLUGIN


def certificate_for(case: Case) -> str:
    """The registration certificate's number: the case number is unique per district, so it is too."""
    return f"JZDJ-{case.number}"


async def limits_of(ctx: Ctx, case: Case) -> HousingLimits:
    profile = await deployment_profile(ctx.state, ctx.session, case.profile_code)
    return profile.section("housing", HousingLimits)


def _by(ctx: Ctx) -> dict[str, Any]:
    return {"at": ctx.now, "by_user_id": ctx.principal.user_id}


def facts(case: Case) -> dict[str, Any]:
    p = plugin().payload_of(case)
    return {"lapses_at": p.lapses_at, "end_date": p.end_date.isoformat()}


def handling_limit(case: Case) -> Limit:
    return Limit.parse(plugin().payload_of(case).verify_limit)


async def verify(ctx: Ctx, case: Case, actor: Actor, body: s.VerifyBody, view: CaseView) -> dict:
    if body.checked_on > ctx.today:
        raise AppError("checked_on_in_future", 422,
                       field_errors=[{"field": "checked_on", "code": "checked_on_in_future"}])
    sign_for(ctx, case)
    kind = plugin()
    p = kind.payload_of(case)
    certificate = p.certificate_no or certificate_for(case)  # verified again after a redo: the same certificate
    p.certificate_no = certificate
    p.verification = s.Verification(**_by(ctx), checked_on=body.checked_on, method=body.method, note=body.note,
                                    certificate_no=certificate)
    p.rejection = None
    kind.store(case, p)
    reg = await repository.registration_of(ctx.session, id_of(case))
    reg.certificate_no = certificate
    reg.registered_at = reg.registered_at or ctx.now
    reg.remind_at = residence.remind_at(p.end_date, (await limits_of(ctx, case)).reminder_before.amount, ctx.zone)
    case.stage_due = p.lapses_at
    text = (f"您申报的出租屋居住登记已核验，登记凭证编号 {certificate}，登记有效至 {p.end_date.isoformat()}。"
            f"租期届满前将提醒您办理续租或退租登记。")
    replied = await record_reply(ctx, case, text, decision="registered", certificate_no=certificate)
    return {"certificate_no": certificate, "lapses_at": p.lapses_at.isoformat(), **replied, "notify_requester": True}


async def reject(ctx: Ctx, case: Case, actor: Actor, body: s.RejectBody, view: CaseView) -> dict:
    sign_for(ctx, case)
    kind = plugin()
    p = kind.payload_of(case)
    p.rejection = s.Rejection(**_by(ctx), reasons=body.reasons)
    kind.store(case, p)
    case.stage_due = None
    text = f"您申报的出租屋居住登记未通过核验。理由：{body.reasons}"
    return {**await record_reply(ctx, case, text, decision="rejected"), "notify_requester": True}


async def extend(ctx: Ctx, case: Case, actor: Actor, body: s.ExtendBody, view: CaseView) -> dict:
    kind = plugin()
    p = kind.payload_of(case)
    if body.end_date <= p.end_date:
        raise AppError("extension_not_later", 422, ends=p.end_date.isoformat(),
                       field_errors=[{"field": "end_date", "code": "extension_not_later"}])
    limits = await limits_of(ctx, case)
    if residence.renewal_too_long(ctx.today, body.end_date, limits.max_term_years):
        raise AppError("tenancy_term_too_long", 422, years=limits.max_term_years,
                       field_errors=[{"field": "end_date", "code": "tenancy_term_too_long"}])
    before = p.end_date
    p.extensions.append(s.Extension(**_by(ctx), end_before=before, end_after=body.end_date, note=body.note))
    p.end_date, p.lapses_at, p.reminded_at = body.end_date, residence.lapses_at(body.end_date, ctx.zone), None
    kind.store(case, p)
    reg = await repository.registration_of(ctx.session, id_of(case))
    reg.end_date = body.end_date
    reg.remind_at = residence.remind_at(body.end_date, limits.reminder_before.amount, ctx.zone)
    reg.reminded_at = None  # the new end is reminded of in its turn
    case.stage_due = p.lapses_at
    return {"end_before": before.isoformat(), "end_after": body.end_date.isoformat(),
            "lapses_at": p.lapses_at.isoformat(), "notify_requester": True}


async def end_early(ctx: Ctx, case: Case, actor: Actor, body: s.EndEarlyBody, view: CaseView) -> dict:
    kind = plugin()
    p = kind.payload_of(case)
    code = ("ended_on_in_future" if body.ended_on > ctx.today else "ended_on_before_start"
            if body.ended_on < p.start_date else "ended_on_after_end" if body.ended_on > p.end_date else None)
    if code is not None:
        raise AppError(code, 422, field_errors=[{"field": "ended_on", "code": code}])
    p.ending = s.Ending(**_by(ctx), ended_on=body.ended_on, reason=body.reason)
    kind.store(case, p)
    reg = await repository.registration_of(ctx.session, id_of(case))
    reg.ended_on = body.ended_on
    case.stage_due = None
    return {"ended_on": body.ended_on.isoformat(), "certificate_no": p.certificate_no, "notify_requester": True}


async def on_stage_due(ctx: Ctx, case: Case) -> None:
    """The tenancy's last day has passed: the registration lapses (a tenancy extended in time has a later due)."""
    due = case.stage_due
    if due is None or due > ctx.now:
        return
    case.stage_due = None
    if case.stage != Stage.registered:
        return
    kind = plugin()
    p = kind.payload_of(case)
    p.ending = s.Ending(at=ctx.now, by_user_id=None, ended_on=p.end_date, reason="租期届满", by_rule=True)
    kind.store(case, p)
    reg = await repository.registration_of(ctx.session, id_of(case))
    reg.ended_on = p.end_date
    case.stage = Stage.lapsed
    case.version += 1
    case.updated_at = ctx.now
    ctx.event(case, "registration_lapsed", from_status=case.status, to_status=case.status,
              reason="租期届满，居住登记失效 / the tenancy ended: the registration lapsed",
              data={"stage_from": Stage.registered, "stage_to": Stage.lapsed, "ended_on": p.end_date.isoformat(),
                    "certificate_no": p.certificate_no, "notify_requester": True})


def remind(ctx: Ctx, case: Case, registration: HousingRegistration) -> None:
    """The reminder before the tenancy ends (the package's sweep finds it due): on the timeline, for the filer."""
    kind = plugin()
    p = kind.payload_of(case)
    p.reminded_at = ctx.now
    kind.store(case, p)
    registration.reminded_at = ctx.now
    case.version += 1
    case.updated_at = ctx.now
    ctx.event(case, "tenancy_end_reminder", from_status=case.status, to_status=case.status,
              reason="租期即将届满，请及时办理续租或退租登记 / the tenancy ends soon: extend it or record the move-out",
              data={"end_date": p.end_date.isoformat(), "lapses_at": p.lapses_at.isoformat(),
                    "tenants": len(p.tenants), "notify_requester": True})


def present_payload(payload: dict[str, Any], principal: Any) -> dict[str, Any]:
    # Numbers are kept masked on the case; which staff member recorded what stays with the staff.
    return without_keys(payload, frozenset({"by_user_id"})) if principal.role == Role.resident else payload
