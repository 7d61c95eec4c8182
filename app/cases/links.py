"""Related cases (关联): an agent links a likely duplicate without merging it; both timelines say so."""

from app.cases import repository
from app.cases import schemas as s
from app.cases.access import can_see
from app.cases.kinds import StageEffect
from app.cases.lifecycle import Actor, CaseView
from app.core.context import Ctx
from app.core.db import id_of
from app.core.errors import AppError
from app.models import Case, CaseLink


async def _other(ctx: Ctx, case: Case, other_id: int) -> Case:
    field = [{"field": "case_id", "code": "link_case_invalid"}]
    if other_id == case.id:
        raise AppError("link_to_self", 422, field_errors=field)
    other = await repository.get(ctx.session, other_id, with_children=False)
    if other is None or not can_see(other, ctx.principal):
        raise AppError("link_case_not_found", 422, case_id=other_id, field_errors=field)
    return other


async def _link(ctx: Ctx, case: Case, actor: Actor, body: s.LinkBody, view: CaseView) -> dict:
    other = await _other(ctx, case, body.case_id)
    low, high = sorted((id_of(case), id_of(other)))
    if await repository.link_between(ctx.session, low, high) is not None:
        raise AppError("link_exists", 409, number=other.number)
    ctx.session.add(CaseLink(case_id=low, related_id=high, note=body.note, by_user_id=ctx.principal.user_id,
                             at=ctx.now))
    # The other case's timeline records it too, without a version bump: its own state has not changed.
    ctx.event(other, "linked", reason=body.note, data={"related_id": case.id, "related_number": case.number})
    return {"related_id": other.id, "related_number": other.number}


async def _unlink(ctx: Ctx, case: Case, actor: Actor, body: s.UnlinkBody, view: CaseView) -> dict:
    other = await _other(ctx, case, body.case_id)
    link = await repository.link_between(ctx.session, *sorted((id_of(case), id_of(other))))
    if link is None:
        raise AppError("link_not_found", 409, number=other.number)
    await ctx.session.delete(link)
    ctx.event(other, "unlinked", reason=body.reason, data={"related_id": case.id, "related_number": case.number})
    return {"related_id": other.id, "related_number": other.number}


EFFECTS: dict[str, StageEffect] = {"link": _link, "unlink": _unlink}
