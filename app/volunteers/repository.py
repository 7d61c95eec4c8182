"""Every query of volunteers, teams, tasks, service hours and the time bank."""

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import case as when_then
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models import (
    CareVisit,
    Person,
    ServiceHours,
    TaskSignup,
    TeamMember,
    TimebankAccount,
    TimebankEntry,
    Unit,
    Volunteer,
    VolunteerTask,
    VolunteerTeam,
)


async def get(session: AsyncSession, volunteer_id: int) -> Volunteer | None:
    return await session.get(Volunteer, volunteer_id)


async def with_person(session: AsyncSession, volunteer_id: int) -> tuple[Volunteer, Person] | None:
    row = (await session.execute(select(Volunteer, Person).join(Person, Person.id == Volunteer.person_id)
                                 .where(Volunteer.id == volunteer_id))).first()
    return (row[0], row[1]) if row else None


async def by_person(session: AsyncSession, person_id: int) -> Volunteer | None:
    q = select(Volunteer).where(Volunteer.person_id == person_id)
    return (await session.execute(q)).scalar_one_or_none()


async def by_user(session: AsyncSession, user_id: int) -> Volunteer | None:
    """The caller's volunteer record: registered by themself, or bound through their register entry."""
    q = select(Volunteer).join(Person, Person.id == Volunteer.person_id).where(
        (Volunteer.user_id == user_id) | (Person.user_id == user_id))
    return (await session.execute(q.limit(1))).scalar_one_or_none()


async def approved_in(session: AsyncSession, district: str) -> list[tuple[Volunteer, Person]]:
    q = (select(Volunteer, Person).join(Person, Person.id == Volunteer.person_id)
         .where(Volunteer.status == "approved", Volunteer.region_code.startswith(district))  # type: ignore[union-attr]
         .order_by(Volunteer.id))
    return [(v, p) for v, p in (await session.execute(q)).all()]


async def search(session: AsyncSession, *, region_prefixes: Iterable[str | None], status: str | None,
                 after_id: int, limit: int) -> list[tuple[Volunteer, Person]]:
    q = select(Volunteer, Person).join(Person, Person.id == Volunteer.person_id).where(Volunteer.id > after_id)  # type: ignore[operator]
    for prefix in region_prefixes:
        if prefix:
            q = q.where(Volunteer.region_code.startswith(prefix))  # type: ignore[union-attr]
    if status:
        q = q.where(Volunteer.status == status)
    return [(v, p) for v, p in (await session.execute(q.order_by(Volunteer.id).limit(limit))).all()]


async def team_ids(session: AsyncSession, volunteer_id: int) -> list[int]:
    q = select(TeamMember.team_id).where(TeamMember.volunteer_id == volunteer_id).order_by(TeamMember.team_id)
    return list((await session.execute(q)).scalars())


async def team(session: AsyncSession, team_id: int) -> VolunteerTeam | None:
    return await session.get(VolunteerTeam, team_id)


async def team_members(session: AsyncSession, team_id: int) -> list[int]:
    q = select(TeamMember.volunteer_id).where(TeamMember.team_id == team_id).order_by(TeamMember.volunteer_id)
    return list((await session.execute(q)).scalars())


async def is_member(session: AsyncSession, team_id: int, volunteer_id: int) -> bool:
    q = select(TeamMember.id).where(TeamMember.team_id == team_id, TeamMember.volunteer_id == volunteer_id)
    return (await session.execute(q)).first() is not None


async def task(session: AsyncSession, task_id: int, *, lock: bool = False) -> VolunteerTask | None:
    """The task; with `lock`, its row held for this transaction (completing and banking are decided once)."""
    if not lock:
        return await session.get(VolunteerTask, task_id)
    q = (select(VolunteerTask).where(VolunteerTask.id == task_id).with_for_update()
         .execution_options(populate_existing=True))
    return (await session.execute(q)).scalar_one_or_none()


async def set_signup_status(session: AsyncSession, signup_id: int, before: str, after: str, at: datetime) -> bool:
    result = await session.execute(update(TaskSignup).where(TaskSignup.id == signup_id, TaskSignup.status == before)
                                   .values(status=after, withdrawn_at=at).execution_options(synchronize_session=False))
    return result.rowcount == 1


async def lock_accounts(session: AsyncSession, ids: list[int]) -> None:
    """Both sides of a transfer locked in id order, so two opposite transfers cannot deadlock."""
    q = select(TimebankAccount.id).where(TimebankAccount.id.in_(sorted(ids))).order_by(TimebankAccount.id)  # type: ignore[union-attr]
    await session.execute(q.with_for_update())


async def tasks(session: AsyncSession, *, region_prefix: str | None, status: str | None, starts_after: datetime | None,
                after_id: int, limit: int) -> list[VolunteerTask]:
    q = select(VolunteerTask).where(VolunteerTask.id > after_id)  # type: ignore[operator]
    if region_prefix:
        q = q.where(VolunteerTask.region_code.startswith(region_prefix))  # type: ignore[union-attr]
    if status:
        q = q.where(VolunteerTask.status == status)
    if starts_after:
        q = q.where(VolunteerTask.starts_at >= starts_after)
    return list((await session.execute(q.order_by(VolunteerTask.id).limit(limit))).scalars())


async def take_place(session: AsyncSession, task_id: int) -> bool:
    """One more sign-up, only while there is room: the check and the count are one statement."""
    result = await session.execute(update(VolunteerTask).where(
        VolunteerTask.id == task_id, VolunteerTask.signed_up < VolunteerTask.capacity)
        .values(signed_up=VolunteerTask.signed_up + 1).execution_options(synchronize_session=False))
    return result.rowcount == 1


async def give_place(session: AsyncSession, task_id: int) -> None:
    await session.execute(update(VolunteerTask).where(VolunteerTask.id == task_id, VolunteerTask.signed_up > 0)
                          .values(signed_up=VolunteerTask.signed_up - 1).execution_options(synchronize_session=False))


async def signup(session: AsyncSession, task_id: int, volunteer_id: int) -> TaskSignup | None:
    q = select(TaskSignup).where(TaskSignup.task_id == task_id, TaskSignup.volunteer_id == volunteer_id)
    return (await session.execute(q)).scalar_one_or_none()


async def signups(session: AsyncSession, task_id: int) -> list[TaskSignup]:
    q = select(TaskSignup).where(TaskSignup.task_id == task_id).order_by(TaskSignup.id)
    return list((await session.execute(q)).scalars())


async def busy_windows(session: AsyncSession, volunteer_ids: list[int], start: datetime,
                       end: datetime) -> dict[int, list[tuple[datetime, datetime]]]:
    """Tasks signed up for and visits scheduled that fall between start and end, per volunteer."""
    out: dict[int, list[tuple[datetime, datetime]]] = {v: [] for v in volunteer_ids}
    if not volunteer_ids:
        return out
    q = (select(TaskSignup.volunteer_id, VolunteerTask.starts_at, VolunteerTask.ends_at)
         .join(VolunteerTask, VolunteerTask.id == TaskSignup.task_id)
         .where(TaskSignup.volunteer_id.in_(volunteer_ids),  # type: ignore[attr-defined]
                TaskSignup.status.in_(("signed_up", "checked_in")),  # type: ignore[attr-defined]
                VolunteerTask.starts_at < end, VolunteerTask.ends_at > start))
    for vid, s, e in (await session.execute(q)).all():
        out[vid].append((s, e))
    q2 = (select(CareVisit.volunteer_id, CareVisit.scheduled_at, CareVisit.planned_minutes)
          .where(CareVisit.volunteer_id.in_(volunteer_ids),  # type: ignore[union-attr]
                 CareVisit.status.in_(("scheduled", "checked_in")),  # type: ignore[attr-defined]
                 CareVisit.scheduled_at < end))
    for vid, s, minutes in (await session.execute(q2)).all():
        if s + timedelta(minutes=minutes) > start:
            out[vid].append((s, s + timedelta(minutes=minutes)))
    return out


async def order_service_minutes(session: AsyncSession, case_id: int) -> int:
    """The care an eldercare order has had or has booked: visits done count their counted minutes (inside the
    window), visits booked or under way their planned minutes; cancelled visits nothing."""
    done = func.coalesce(CareVisit.certified_minutes, CareVisit.minutes, 0)
    booked = CareVisit.status.in_(("scheduled", "checked_in"))  # type: ignore[attr-defined]
    minutes = when_then((CareVisit.status == "done", done), (booked, CareVisit.planned_minutes),  # type: ignore[arg-type]
                        else_=0)
    q = select(func.coalesce(func.sum(minutes), 0)).where(CareVisit.case_id == case_id)
    return int((await session.execute(q)).scalar_one())


async def service_hours(session: AsyncSession, volunteer_id: int) -> list[tuple[ServiceHours, str, str | None]]:
    q = (select(ServiceHours, Unit.name, VolunteerTeam.name).join(Unit, Unit.id == ServiceHours.unit_id)
         .outerjoin(VolunteerTeam, VolunteerTeam.id == ServiceHours.team_id)
         .where(ServiceHours.volunteer_id == volunteer_id).order_by(ServiceHours.started_at, ServiceHours.id))
    return [(h, u, t) for h, u, t in (await session.execute(q)).all()]


async def hours_of_task(session: AsyncSession, task_id: int) -> list[ServiceHours]:
    q = select(ServiceHours).where(ServiceHours.task_id == task_id).order_by(ServiceHours.id)
    return list((await session.execute(q)).scalars())


# --- time bank ----------------------------------------------------------------------------------------------

async def account_of(session: AsyncSession, person_id: int, *, lock: bool = False) -> TimebankAccount | None:
    q = select(TimebankAccount).where(TimebankAccount.person_id == person_id).execution_options(
        populate_existing=True)
    if lock:
        q = q.with_for_update()
    return (await session.execute(q)).scalar_one_or_none()


async def pool_of(session: AsyncSession, region_code: str) -> TimebankAccount | None:
    q = select(TimebankAccount).where(TimebankAccount.pool_region_code == region_code)
    return (await session.execute(q)).scalar_one_or_none()


async def open_account(session: AsyncSession, account: TimebankAccount,
                       find: Callable[[], Awaitable[TimebankAccount | None]]) -> TimebankAccount:
    """Insert, or take the row a concurrent request has just inserted (the unique key decides)."""
    try:
        async with session.begin_nested():
            session.add(account)
            await session.flush()
        return account
    except IntegrityError:
        found = await find()
        assert found is not None
        return found


async def move(session: AsyncSession, account_id: int, bucket: str, minutes: int, *,
               cap_total: int | None = None) -> int | None:
    """Add (or take, when negative) minutes in one statement; None when it would go below zero or over the cap."""
    column = TimebankAccount.minutes if bucket == "own" else TimebankAccount.team_minutes
    q = update(TimebankAccount).where(TimebankAccount.id == account_id, column + minutes >= 0)
    if cap_total is not None:
        q = q.where(TimebankAccount.minutes + TimebankAccount.team_minutes + minutes <= cap_total)
    result = await session.execute(q.values({column.key: column + minutes}).returning(column)
                                   .execution_options(synchronize_session=False))
    row = result.first()
    return None if row is None else int(row[0])


def add_entry(session: AsyncSession, entry: TimebankEntry) -> None:
    session.add(entry)


async def entries(session: AsyncSession, account_id: int, limit: int = 50) -> list[TimebankEntry]:
    q = (select(TimebankEntry).where(TimebankEntry.account_id == account_id)
         .order_by(TimebankEntry.id.desc()).limit(limit))  # type: ignore[union-attr]
    return list((await session.execute(q)).scalars())


async def entry_sums(session: AsyncSession, account_id: int) -> dict[str, int]:
    q = select(TimebankEntry.bucket, func.coalesce(func.sum(TimebankEntry.minutes), 0)).where(
        TimebankEntry.account_id == account_id).group_by(TimebankEntry.bucket)
    return {b: int(m) for b, m in (await session.execute(q)).all()}


async def hours_of_visit(session: AsyncSession, visit_id: int) -> ServiceHours | None:
    return (await session.execute(select(ServiceHours).where(col(ServiceHours.visit_id) == visit_id))
            ).scalar_one_or_none()
