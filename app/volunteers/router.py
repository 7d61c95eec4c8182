"""HTTP for volunteers, teams and tasks."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from app.care_policy.service import skill_taxonomy
from app.core.auth import CurrentUser, SessionDep
from app.core.concurrency import IfMatch, etag
from app.core.context import Ctx, CtxDep
from app.core.db import UnitOfWorkRoute
from app.core.errors import AppError
from app.core.pagination import MAX_LIMIT, Page, decode_id_cursor, encode_cursor
from app.volunteers import repository, service, tasks
from app.volunteers import schemas as s

router = APIRouter(tags=["volunteers"], route_class=UnitOfWorkRoute)


async def _read(ctx: Ctx, volunteer_id: int, status: int = 200) -> JSONResponse:
    volunteer, person, own = await service.visible(ctx, volunteer_id)
    read = await service.present(ctx, volunteer, person, own=own)
    return JSONResponse(read.model_dump(mode="json"), status_code=status, headers={"ETag": etag(read.version)})


@router.get("/volunteer-skills", response_model=list[s.SkillRead], summary="The skill taxonomy (public)")
async def skills(request: Request, session: SessionDep) -> list[s.SkillRead]:
    taxonomy = await skill_taxonomy(request.app.state, session)
    return [s.SkillRead(code=k.code, name=k.name, name_en=k.name_en, service_types=k.service_types,
                        adults_only=k.adults_only) for k in taxonomy.values()]


@router.post("/volunteers", response_model=s.VolunteerRead, status_code=201,
             summary="Register as a volunteer (an account for itself), or staff register one",
             description="Real identity through the register; skills from /volunteer-skills; under 14 a guardian's "
                         "consent is required and recorded, and 14–18 too where the care policy says so. The "
                         "volunteer waits for approval by community staff.")
async def register(ctx: CtxDep, body: s.VolunteerCreate) -> JSONResponse:
    volunteer = await service.register(ctx, body)
    return await _read(ctx, volunteer.id, 201)


@router.get("/volunteers", response_model=Page[dict], summary="Volunteers in the caller's area (staff; masked)")
async def search(ctx: CtxDep, region: Annotated[str | None, Query(pattern=r"^\d{1,12}$")] = None,
                 status: Annotated[str | None, Query(pattern=r"^(pending|approved|rejected|suspended)$")] = None,
                 cursor: str | None = None,
                 limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50) -> Page[dict]:
    rows = await service.search(ctx, region=region, status=status, after_id=decode_id_cursor(cursor) or 0, limit=limit)
    return Page(items=[service.summary(v, p) for v, p in rows[:limit]],
                next_cursor=encode_cursor([rows[limit - 1][0].id]) if len(rows) > limit else None)


@router.get("/volunteers/me", response_model=s.VolunteerRead, summary="The caller's own volunteer record")
async def me(ctx: CtxDep) -> JSONResponse:
    return await _read(ctx, (await service.mine(ctx)).id)


@router.get("/volunteers/{volunteer_id}", response_model=s.VolunteerRead,
            summary="One volunteer (the volunteer, or staff in the area)")
async def read(ctx: CtxDep, volunteer_id: int) -> JSONResponse:
    return await _read(ctx, volunteer_id)


@router.patch("/volunteers/{volunteer_id}", response_model=s.VolunteerRead,
              summary="Change skills, time or area (the volunteer or approving staff; If-Match)")
async def update(ctx: CtxDep, volunteer_id: int, body: s.VolunteerUpdate, version: IfMatch) -> JSONResponse:
    await service.update(ctx, volunteer_id, body, version)
    return await _read(ctx, volunteer_id)


@router.post("/volunteers/{volunteer_id}/approve", response_model=s.VolunteerRead,
             summary="Approve a registration (community staff of the area, dispatchers, administrators)")
async def approve(ctx: CtxDep, volunteer_id: int, body: s.DecisionBody) -> JSONResponse:
    await service.decide(ctx, volunteer_id, True, body.note)
    return await _read(ctx, volunteer_id)


@router.post("/volunteers/{volunteer_id}/reject", response_model=s.VolunteerRead, summary="Reject a registration")
async def reject(ctx: CtxDep, volunteer_id: int, body: s.DecisionBody) -> JSONResponse:
    await service.decide(ctx, volunteer_id, False, body.note)
    return await _read(ctx, volunteer_id)


@router.get("/volunteers/{volunteer_id}/record", response_model=s.ServiceRecord,
            summary="The service record a certificate prints: hours, stars, tasks, issuing unit, number")
async def record(ctx: CtxDep, volunteer_id: int) -> s.ServiceRecord:
    return await service.record(ctx, volunteer_id)


@router.post("/volunteer-teams", response_model=s.TeamRead, status_code=201,
             summary="Form a team with a leader (unit staff); the team's hours may only be donated")
async def create_team(ctx: CtxDep, body: s.TeamCreate) -> s.TeamRead:
    return await service.present_team(ctx, await service.create_team(ctx, body))


@router.post("/volunteer-teams/{team_id}/members", response_model=s.TeamRead, status_code=201,
             summary="Add a member (the organising unit's staff or the team leader)")
async def add_member(ctx: CtxDep, team_id: int, body: s.TeamMemberAdd) -> s.TeamRead:
    return await service.present_team(ctx, await service.add_member(ctx, team_id, body.volunteer_id))


@router.get("/volunteer-teams/{team_id}", response_model=s.TeamRead, summary="A team and its members")
async def team(ctx: CtxDep, team_id: int) -> s.TeamRead:
    found = await repository.team(ctx.session, team_id)
    if found is None:
        raise AppError("team_not_found", 404)
    return await service.present_team(ctx, found)


@router.post("/volunteer-tasks", response_model=s.TaskRead, status_code=201,
             summary="Publish a community task (unit staff): time, place, skills, capacity")
async def create_task(ctx: CtxDep, body: s.TaskCreate) -> s.TaskRead:
    return tasks.present(await tasks.create(ctx, body))


@router.get("/volunteer-tasks", response_model=Page[s.TaskRead], summary="Tasks, by area and status")
async def list_tasks(session: SessionDep, principal: CurrentUser,
                     region: Annotated[str | None, Query(pattern=r"^\d{1,12}$")] = None,
                     status: Annotated[str | None, Query(pattern=r"^(open|completed|cancelled)$")] = None,
                     starts_after: datetime | None = None, cursor: str | None = None,
                     limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50) -> Page[s.TaskRead]:
    rows = await repository.tasks(session, region_prefix=region, status=status, starts_after=starts_after,
                                  after_id=decode_id_cursor(cursor) or 0, limit=limit + 1)
    return Page(items=[tasks.present(t) for t in rows[:limit]],
                next_cursor=encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None)


@router.get("/volunteer-tasks/{task_id}", response_model=s.TaskRead, summary="One task")
async def get_task(ctx: CtxDep, task_id: int) -> s.TaskRead:
    return tasks.present(await tasks.get(ctx, task_id))


@router.post("/volunteer-tasks/{task_id}/signups", response_model=s.SignupRead, status_code=201,
             summary="Sign up (an approved volunteer whose skills, age and team fit; while places last)")
async def sign_up(ctx: CtxDep, task_id: int) -> s.SignupRead:
    return tasks.present_signup(await tasks.sign_up(ctx, task_id))


@router.delete("/volunteer-tasks/{task_id}/signups/me", response_model=s.SignupRead,
               summary="Withdraw before checking in; the place is freed")
async def withdraw(ctx: CtxDep, task_id: int) -> s.SignupRead:
    return tasks.present_signup(await tasks.withdraw(ctx, task_id))


@router.post("/volunteer-tasks/{task_id}/check-in", response_model=s.SignupRead,
             summary="Check in (the volunteer, or the organiser for them with volunteer_id)")
async def task_check_in(ctx: CtxDep, task_id: int, body: s.AttendanceBody) -> s.SignupRead:
    return tasks.present_signup(await tasks.check_in(ctx, task_id, body))


@router.post("/volunteer-tasks/{task_id}/check-out", response_model=s.SignupRead,
             summary="Check out: actual service time is computed")
async def task_check_out(ctx: CtxDep, task_id: int, body: s.AttendanceBody) -> s.SignupRead:
    return tasks.present_signup(await tasks.check_out(ctx, task_id,
                                                      body))


@router.get("/volunteer-tasks/{task_id}/signups", response_model=list[s.SignupRead],
            summary="Who signed up (the organiser)")
async def signups(ctx: CtxDep, task_id: int) -> list[s.SignupRead]:
    task = await tasks.get(ctx, task_id)
    if not tasks.organiser(ctx, task):
        raise AppError("forbidden", 403)
    return [tasks.present_signup(r) for r in await repository.signups(ctx.session, task.id)]  # type: ignore[arg-type]


@router.post("/volunteer-tasks/{task_id}/complete", response_model=dict,
             summary="Complete the task (the organiser): attendance becomes certified hours")
async def complete(ctx: CtxDep, task_id: int) -> dict[str, Any]:
    task, certified = await tasks.complete(ctx, task_id)
    return {"task": tasks.present(task).model_dump(mode="json"),
            "certified": [{"volunteer_id": h.volunteer_id, "hours": round(h.minutes / 60, 2)} for h in certified]}
