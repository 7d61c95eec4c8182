"""The deadline sweep: find what is due, ask the pure rules, write marks and timeline events. Commits per batch.

This is background work, not a request: each batch is its own unit of work.
"""

import logging
from collections import Counter
from zoneinfo import ZoneInfo

from app.calendar.service import current_calendar, deployment_profile
from app.cases import clock
from app.cases.kinds import get_kind
from app.core.batches import in_batches
from app.core.context import Ctx
from app.core.db import id_of
from app.core.state import AppState
from app.models import Case, CaseEvent
from app.supervision import repository
from app.supervision.rules import Policy, SweepFacts, marks_due

log = logging.getLogger("app.supervision")
BATCH = 200


def facts_of(case: Case) -> SweepFacts:
    return SweepFacts(
        status=case.status, sign_due=case.sign_due, signed_at=case.signed_at, handle_due=case.handle_due,
        extension_pending=case.extension_request is not None, callback_due=case.callback_due,
        extension_watch_at=case.extension_watch_at,
        extension_reminded=bool((case.extension_request or {}).get("reminded_at")),
        sign_overdue_at=case.sign_overdue_at, handle_overdue_at=case.handle_overdue_at, chase_due=case.chase_due,
        chased_at=case.chased_at, supervise_due=case.supervise_due, supervised_at=case.supervised_at,
        callback_reminded_at=case.callback_reminded_at, merged=case.merged_into_id is not None,
    )


async def sweep(state: AppState) -> dict[str, int]:
    """One pass over every case with something due at the injected clock's now."""
    now = state.clock.now()
    zone = ZoneInfo(state.settings.timezone)
    written: Counter[str] = Counter()
    after_id = 0
    while True:
        async with state.sessionmaker() as session:
            cases = await repository.lock_batch(session, now, after_id, BATCH)
            if not cases:
                break
            calendar = await current_calendar(state, session)
            policies: dict[str, Policy] = {}
            for case in cases:
                if case.profile_code not in policies:
                    profile = await deployment_profile(state, session, case.profile_code)
                    policies[case.profile_code] = Policy(profile.chase_after_overdue, profile.supervise_after_chase)
                marks = marks_due(facts_of(case), now, policies[case.profile_code], calendar, zone)
                for mark in marks:
                    for column, value in mark.changes.items():
                        if column == "extension_reminded_at":  # kept with the request it is about
                            case.extension_request = {**(case.extension_request or {}),
                                                      "reminded_at": value.isoformat()}
                        else:
                            setattr(case, column, value)
                    for column, basis in mark.bases.items():
                        clock.remember(case, column, basis, basis.compute(calendar, zone))
                    data = {"lead_unit_id": case.lead_unit_id, **mark.data}
                    session.add(CaseEvent(case_id=case.id, at=now, type=mark.type, actor_role="system",
                                          actor_unit_id=None, from_status=case.status, to_status=case.status,
                                          data=data))
                    for listener in state.plugins.event_listeners:  # the unit hears of its chase and supervision
                        listener(Ctx.for_system(state, session, now), case, mark.type, data)
                    written[mark.type] += 1
                if marks:
                    case.version += 1
                    case.updated_at = now
            after_id = cases[-1].id
            await session.commit()
        if len(cases) < BATCH:
            break
    bell = getattr(state, "feed_bell", None)
    if written and bell is not None:
        bell.ring()
    return dict(written)


async def expire_stages(state: AppState) -> int:
    """Hands every case whose stage deadline has passed to its kind (an affair terminates). Commits per batch."""

    async def hand_over(ctx: Ctx, case: Case) -> int:
        hook = get_kind(case.kind).on_stage_due
        if hook is None:
            return 0
        version = case.version
        await hook(ctx, case)
        return int(case.version != version)

    done = await in_batches(state, repository.lock_stage_due, id_of, hand_over, batch=BATCH)
    bell = getattr(state, "feed_bell", None)
    if done and bell is not None:
        bell.ring()
    return done


async def sweep_marks(state: AppState) -> dict[str, int]:
    """The worker's pass: oversight marks, by mark."""
    return {f"marked_{mark}": count for mark, count in (await sweep(state)).items()}


async def sweep_stages(state: AppState) -> dict[str, int]:
    """The worker's pass: stage deadlines handed to their kinds."""
    return {"stages_expired": await expire_stages(state)}
