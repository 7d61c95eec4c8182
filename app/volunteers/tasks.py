"""Community tasks volunteers sign up for: capacity, fit (skills, age, team), attendance and certified hours.

Never commits. The organiser is the unit whose staff created the task; it
certifies the hours when it completes the task, counting actual service
between check-in and check-out, never travel.
"""

from datetime import datetime, timedelta

from app.care_policy.policy import CarePolicy
from app.care_policy.service import current_policy
from app.core import audit
from app.core.clock import age_on
from app.core.context import Ctx
from app.core.errors import AppError, NotFound
from app.core.roles import Role
from app.models import ServiceHours, TaskSignup, Volunteer, VolunteerTask
from app.people import repository as people_repo
from app.volunteers import repository, rules
from app.volunteers import schemas as s
from app.volunteers.service import check_organiser, mine


def present(task: VolunteerTask) -> s.TaskRead:
    return s.TaskRead.model_validate(task, from_attributes=True)


def present_signup(row: TaskSignup) -> s.SignupRead:
    return s.SignupRead.model_validate(row, from_attributes=True)


async def create(ctx: Ctx, body: s.TaskCreate) -> VolunteerTask:
    await check_organiser(ctx, body.region_code, body.skills)
    if body.starts_at < ctx.now:
        raise AppError("task_in_past", 422, field_errors=[{"field": "starts_at", "code": "task_in_past"}])
    if body.team_id is not None:
        team = await repository.team(ctx.session, body.team_id)
        if team is None:
            raise AppError("team_not_found", 422, field_errors=[{"field": "team_id", "code": "team_not_found"}])
    task = VolunteerTask(**body.model_dump(), unit_id=ctx.principal.unit_id, status="open", created_at=ctx.now,
                         created_by=ctx.principal.user_id)
    ctx.session.add(task)
    await ctx.session.flush()
    audit.record(ctx.session, at=ctx.now, action="volunteer_task.create", actor_user_id=ctx.principal.user_id,
                 target_type="volunteer_task", target_id=task.id)
    return task


async def get(ctx: Ctx, task_id: int, *, lock: bool = False) -> VolunteerTask:
    task = await repository.task(ctx.session, task_id, lock=lock)
    if task is None:
        raise NotFound("task_not_found")
    return task


def organiser(ctx: Ctx, task: VolunteerTask) -> bool:
    return ctx.principal.role == Role.admin or (ctx.principal.role == Role.unit_staff
                                                and ctx.principal.unit_id == task.unit_id)


async def sign_up(ctx: Ctx, task_id: int) -> TaskSignup:
    volunteer = await mine(ctx)
    task = await get(ctx, task_id)
    if volunteer.status != "approved":
        raise AppError("volunteer_not_approved", 409)
    if task.status != "open" or task.starts_at <= ctx.now:
        raise AppError("task_closed", 409)
    person = await people_repo.get(ctx.session, volunteer.person_id)
    assert person is not None
    if task.adults_only and age_on(person.birth_date, ctx.today) < 18:
        raise AppError("task_adults_only", 409)
    if task.skills and not set(task.skills) & set(volunteer.skills):
        raise AppError("skill_mismatch", 409, skills="、".join(task.skills))
    if task.team_id is not None and not await repository.is_member(ctx.session, task.team_id, volunteer.id):  # type: ignore[arg-type]
        raise AppError("not_team_member", 409)
    busy = (await repository.busy_windows(ctx.session, [volunteer.id], task.starts_at, task.ends_at))[volunteer.id]  # type: ignore[index,list-item]
    existing = await repository.signup(ctx.session, task.id, volunteer.id)  # type: ignore[arg-type]
    if existing is not None and existing.status != "withdrawn":
        raise AppError("already_signed_up", 409)
    if busy:
        raise AppError("schedule_clash", 409)
    if not await repository.take_place(ctx.session, task.id):  # type: ignore[arg-type]
        raise AppError("task_full", 409, capacity=task.capacity)
    if existing is not None:
        existing.status, existing.signed_up_at, existing.withdrawn_at = "signed_up", ctx.now, None
        row = existing
    else:
        row = TaskSignup(task_id=task.id, volunteer_id=volunteer.id, status="signed_up", signed_up_at=ctx.now)  # type: ignore[arg-type]
        ctx.session.add(row)
    await ctx.session.flush()
    return row


async def withdraw(ctx: Ctx, task_id: int) -> TaskSignup:
    volunteer = await mine(ctx)
    task = await get(ctx, task_id)
    row = await repository.signup(ctx.session, task.id, volunteer.id)  # type: ignore[arg-type]
    if row is None or row.status == "withdrawn":
        raise NotFound("signup_not_found")
    if row.status != "signed_up":
        raise AppError("already_checked_in", 409)
    # One statement decides between two withdrawals at once, so the place is freed once.
    if not await repository.set_signup_status(ctx.session, row.id, "signed_up", "withdrawn", ctx.now):  # type: ignore[arg-type]
        raise NotFound("signup_not_found")
    await repository.give_place(ctx.session, task.id)  # type: ignore[arg-type]
    await ctx.session.refresh(row)
    return row


def attendance_time(ctx: Ctx, at: datetime | None, field: str = "at") -> datetime:
    when = at or ctx.now
    if when > ctx.now + timedelta(seconds=ctx.state.settings.device_clock_skew_seconds):
        raise AppError("time_in_future", 422, field_errors=[{"field": field, "code": "time_in_future"}])
    return when


async def check_in_opens(ctx: Ctx, at: datetime, starts_at: datetime) -> CarePolicy:
    """Checking in opens the policy's minutes before the start (a task's, a visit's); answers the policy."""
    policy = await current_policy(ctx.state, ctx.session)
    opens = starts_at - timedelta(minutes=policy.volunteers.early_check_in_minutes)
    if at < opens:
        raise AppError("check_in_too_early", 422, opens=opens.isoformat(),
                       field_errors=[{"field": "at", "code": "check_in_too_early"}])
    return policy


def check_out_time(ctx: Ctx, status: str, check_in_at: datetime | None, at: datetime | None) -> datetime:
    """When a checked-in attendee (of a task, of a visit) leaves: not in the future, not before they came."""
    if status != "checked_in" or check_in_at is None:
        raise AppError("not_checked_in", 409)
    when = attendance_time(ctx, at)
    if when < check_in_at:
        raise AppError("check_out_before_check_in", 422, check_in=check_in_at.isoformat(),
                       field_errors=[{"field": "at", "code": "check_out_before_check_in"}])
    return when


async def _attendee(ctx: Ctx, task: VolunteerTask, body: s.AttendanceBody) -> tuple[Volunteer, TaskSignup]:
    if body.volunteer_id is not None:
        if not organiser(ctx, task):
            raise AppError("forbidden", 403)
        volunteer = await repository.get(ctx.session, body.volunteer_id)
        if volunteer is None:
            raise NotFound("volunteer_not_found")
    else:
        volunteer = await mine(ctx)
    row = await repository.signup(ctx.session, task.id, volunteer.id)  # type: ignore[arg-type]
    if row is None or row.status == "withdrawn":
        raise NotFound("signup_not_found")
    return volunteer, row


async def check_in(ctx: Ctx, task_id: int, body: s.AttendanceBody) -> TaskSignup:
    task = await get(ctx, task_id)
    if task.status != "open":
        raise AppError("task_closed", 409)
    _, row = await _attendee(ctx, task, body)
    if row.status != "signed_up":
        raise AppError("already_checked_in", 409)
    at = attendance_time(ctx, body.at)
    await check_in_opens(ctx, at, task.starts_at)
    row.check_in_at = at
    row.status = "checked_in"
    await ctx.session.flush()
    return row


async def check_out(ctx: Ctx, task_id: int, body: s.AttendanceBody) -> TaskSignup:
    task = await get(ctx, task_id)
    _, row = await _attendee(ctx, task, body)
    at = check_out_time(ctx, row.status, row.check_in_at, body.at)
    row.check_out_at, row.status = at, "checked_out"
    # Only the task's own window counts: arriving early to set up or staying late is not service time.
    row.minutes = rules.certified_minutes(row.check_in_at, at, task.starts_at, task.ends_at)
    await ctx.session.flush()
    return row


async def complete(ctx: Ctx, task_id: int) -> tuple[VolunteerTask, list[ServiceHours]]:
    """The organiser closes the task: checked-out attendance becomes certified hours; no-shows are marked."""
    task = await get(ctx, task_id, lock=True)
    if not organiser(ctx, task):
        raise AppError("forbidden", 403)
    if task.status != "open":
        raise AppError("task_closed", 409)
    rows = await repository.signups(ctx.session, task.id)  # type: ignore[arg-type]
    if any(r.status == "checked_in" for r in rows):
        raise AppError("attendance_open", 409)
    certified: list[ServiceHours] = []
    for row in rows:
        if row.status == "signed_up":
            row.status = "no_show"
        elif row.status == "checked_out" and row.minutes:
            hours = ServiceHours(volunteer_id=row.volunteer_id, task_id=task.id, team_id=task.team_id,
                                 unit_id=task.unit_id, title=task.title, started_at=row.check_in_at,  # type: ignore[arg-type]
                                 ended_at=row.check_out_at, minutes=row.minutes, certified_at=ctx.now,  # type: ignore[arg-type]
                                 certified_by=ctx.principal.user_id)
            ctx.session.add(hours)
            certified.append(hours)
            volunteer = await repository.get(ctx.session, row.volunteer_id)
            assert volunteer is not None
            volunteer.minutes_total += row.minutes
    task.status, task.completed_at = "completed", ctx.now
    task.version += 1
    await ctx.session.flush()
    audit.record(ctx.session, at=ctx.now, action="volunteer_task.complete", actor_user_id=ctx.principal.user_id,
                 target_type="volunteer_task", target_id=task.id,
                 detail={"certified": len(certified), "minutes": sum(h.minutes for h in certified)})
    return task, certified
