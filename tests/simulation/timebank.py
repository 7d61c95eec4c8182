"""Volunteers and the time bank in the simulated district: volunteers register and are approved by their
community's workstation, which publishes tasks; volunteers sign up, check in and out (the organiser records
attendance after the fact, now and then with a check-in before the task opens, which must be refused), the
organiser completes the task (certified hours) and banks them; volunteers give hours to an elderly parent or
donate them to the community's pool (now and then more than they hold: refused, nothing written). What the time
bank guarantees is checked after every step on every account and every certified record.
"""

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from app.care_policy.service import current_policy
from app.eldercare.service import window_end
from app.models import (
    CareVisit,
    ServiceHours,
    TaskSignup,
    TimebankAccount,
    TimebankEntry,
    Unit,
    Volunteer,
    VolunteerTask,
)
from app.volunteers.rules import certified_minutes
from tests import factories as f
from tests.idnumbers import make_id
from tests.simulation.world import DISTRICT, Violation, World

NAMES = ("张敏", "陈刚", "王姨", "李建国", "刘芳", "赵小梅", "孙志强", "周丽")
SKILLS = ["companionship", "meal_delivery"]
TITLES = ("社区长者生日会", "敬老院陪伴探访", "社区助餐送餐", "垃圾分类宣传", "社区义诊协助")
WEEKDAYS = [{"weekday": d, "start": "08:00", "end": "20:00"} for d in range(1, 8)]


def iso(at: Any) -> str:
    return at.isoformat()


async def _workstations(w: World) -> dict[str, int]:
    """Communities of the district with a community workstation (the organisers), found once."""
    if w.workstations is None:
        async with w.app.state.sessionmaker() as session:
            rows = (await session.execute(select(Unit.id, Unit.region_code).where(
                Unit.kind == "community_workstation", Unit.active.is_(True),
                Unit.region_code.like(f"{DISTRICT}%")).order_by(Unit.id))).all()
        w.workstations = {r.region_code: r.id for r in rows}
    return w.workstations


async def join(w: World) -> dict[str, Any] | None:
    """A resident registers as a volunteer in their community; its workstation approves (now and then rejects).
    Half of them have an elderly parent in the register, linked as household, who may receive their hours."""
    stations = await _workstations(w)
    if not stations:
        return None
    region = w.rnd.choice(sorted(stations))
    staff = await w.staff_of(stations[region])
    phone = w.new_phone()
    uid = await f.user(w.app, "volunteer", username=phone, name=w.rnd.choice(NAMES))
    headers = f.bearer(w.app, uid, "volunteer")
    birth = date(w.rnd.randint(1970, 2004), w.rnd.randint(1, 12), w.rnd.randint(1, 28))
    body = {"name": w.rnd.choice(NAMES), "id_number": make_id(DISTRICT, birth, seq=w.rnd.randint(1, 400),
                                                                  male=w.rnd.random() < 0.5),
            "phone": phone, "skills": ["companionship", *(["meal_delivery"] if w.rnd.random() < 0.5 else [])],
            "availability": WEEKDAYS,
            "region_code": region,
            "emergency_contact": {"name": "紧急联系人", "phone": w.new_phone(), "relationship": "spouse"}}
    w.note(f"volunteer registers in {region}")
    r = await w.call("POST", "/volunteers", headers, json=body)
    if r.status_code != 201:
        return None
    created = r.json()
    decision = "approve" if w.rnd.random() < 0.9 else "reject"
    r = await w.call("POST", f"/volunteers/{created['id']}/{decision}", staff, json={})
    if decision == "reject" or r.status_code != 200:
        return None
    volunteer = {"id": created["id"], "person_id": created["person_id"], "headers": headers, "region": region,
                 "parent": None}
    if w.rnd.random() < 0.5:
        born = date(w.rnd.randint(1935, 1962), w.rnd.randint(1, 12), w.rnd.randint(1, 28))
        person = {"name": w.rnd.choice(NAMES), "id_number": make_id(DISTRICT, born, seq=w.rnd.randint(1, 400),
                                                                     male=w.rnd.random() < 0.5),
                  "phone": None, "region_code": region, "address": "某小区某栋", "flags": []}
        r = await w.call("POST", "/people", staff, json=person)
        if r.status_code == 201:
            parent = r.json()["id"]
            r = await w.call("POST", f"/people/{created['person_id']}/household", staff,
                             json={"relative_id": parent, "relation": "parent"})
            if r.status_code == 201:
                volunteer["parent"] = parent
    w.volunteers.append(volunteer)
    return volunteer


async def publish(w: World) -> int | None:
    """A workstation publishes a task: hours to two days ahead, one to four hours long, mostly for the time bank."""
    stations = await _workstations(w)
    if not stations:
        return None
    region = w.rnd.choice(sorted({v["region"] for v in w.volunteers} or stations))
    start = w.clock.now() + timedelta(minutes=w.rnd.choice([60, 240, 600, 1440, 2880]))
    body = {"title": w.rnd.choice(TITLES), "region_code": region, "place": "社区党群服务中心",
            "starts_at": iso(start), "ends_at": iso(start + timedelta(minutes=w.rnd.choice([60, 120, 180, 240]))),
            "skills": w.rnd.sample(SKILLS, w.rnd.randint(1, 2)), "capacity": w.rnd.randint(2, 5),
            "timebank": w.rnd.random() < 0.8}
    w.note(f"task published in {region} from {start:%m-%d %H:%M}")
    r = await w.call("POST", "/volunteer-tasks", await w.staff_of(stations[region]), json=body)
    if r.status_code != 201:
        return None
    w.tasks.append(r.json()["id"])
    return r.json()["id"]


async def _task_rows(w: World, task_id: int) -> tuple[VolunteerTask, list[TaskSignup]]:
    async with w.app.state.sessionmaker() as session:
        task = await session.get(VolunteerTask, task_id)
        rows = (await session.execute(select(TaskSignup).where(TaskSignup.task_id == task_id))).scalars().all()
    assert task is not None
    return task, list(rows)


async def attend(w: World, task_id: int) -> None:
    """One thing happens on a task: a volunteer of its community signs up (or withdraws), or, once it has begun,
    the organiser records a check-in (now and then before it opens: refused) or a check-out (now and then long
    after it ended: only the window counts), completes it and banks its hours."""
    task, rows = await _task_rows(w, task_id)
    w.touched_tasks.add(task_id)
    now = w.clock.now()
    staff = await w.staff_of(task.unit_id)
    by_volunteer = {v["id"]: v for v in w.volunteers}
    if task.status == "completed":
        if task.timebank and task.deposited_at is None:
            w.note(f"task {task_id}: the organiser banks its hours")
            await w.call("POST", "/timebank/deposits", staff, json={"task_id": task_id})
        return
    if task.status != "open":
        return
    if now < task.starts_at:
        signed = {r.volunteer_id for r in rows if r.status == "signed_up"}
        if signed and w.rnd.random() < 0.15:
            volunteer = by_volunteer.get(w.rnd.choice(sorted(signed)))
            if volunteer is not None:
                w.note(f"task {task_id}: volunteer {volunteer['id']} withdraws")
                await w.call("DELETE", f"/volunteer-tasks/{task_id}/signups/me", volunteer["headers"])
            return
        local = [v for v in w.volunteers if v["region"] == task.region_code and v["id"] not in signed]
        if local:
            volunteer = w.rnd.choice(local)
            w.note(f"task {task_id}: volunteer {volunteer['id']} signs up")
            await w.call("POST", f"/volunteer-tasks/{task_id}/signups", volunteer["headers"])
        return
    early = (await _policy(w)).volunteers.early_check_in_minutes
    waiting = [r for r in rows if r.status == "signed_up"]
    inside = [r for r in rows if r.status == "checked_in"]
    if waiting and (not inside or w.rnd.random() < 0.5):
        row = w.rnd.choice(waiting)
        latest = min(now, task.ends_at)
        at = task.starts_at + (latest - task.starts_at) * w.rnd.random() * 0.5
        if w.rnd.random() < 0.15:
            at = task.starts_at - timedelta(minutes=early + w.rnd.choice([1, 30, 120]))  # before it opens: refused
        elif w.rnd.random() < 0.3:
            at = task.starts_at - timedelta(minutes=w.rnd.randint(0, early))  # early, allowed; counts from the start
        w.note(f"task {task_id}: check-in of volunteer {row.volunteer_id} at {at:%m-%d %H:%M}")
        await w.call("POST", f"/volunteer-tasks/{task_id}/check-in", staff,
                     json={"at": iso(at), "volunteer_id": row.volunteer_id})
    elif inside:
        row = w.rnd.choice(inside)
        assert row.check_in_at is not None
        at = row.check_in_at + (now - row.check_in_at) * w.rnd.random()
        w.note(f"task {task_id}: check-out of volunteer {row.volunteer_id} at {at:%m-%d %H:%M}")
        await w.call("POST", f"/volunteer-tasks/{task_id}/check-out", staff,
                     json={"at": iso(at), "volunteer_id": row.volunteer_id})
    elif now >= task.ends_at:
        w.note(f"task {task_id}: the organiser completes it")
        await w.call("POST", f"/volunteer-tasks/{task_id}/complete", staff)


async def _policy(w: World) -> Any:
    async with w.app.state.sessionmaker() as session:
        return await current_policy(w.app.state, session)


async def _balance(w: World, person_id: int) -> int:
    async with w.app.state.sessionmaker() as session:
        return (await session.execute(select(TimebankAccount.minutes).where(
            TimebankAccount.person_id == person_id))).scalar() or 0


async def _entries(w: World) -> int:
    async with w.app.state.sessionmaker() as session:
        return (await session.execute(select(func.count()).select_from(TimebankEntry))).scalar_one()


async def move(w: World, volunteer: dict[str, Any]) -> None:
    """A volunteer gives hours to their elderly parent or donates them to the community's pool; now and then more
    than they hold, which must be refused and write nothing."""
    held = await _balance(w, volunteer["person_id"])
    w.touched_people |= {volunteer["person_id"], *([volunteer["parent"]] if volunteer["parent"] else [])}
    quarters = held // 15
    if quarters == 0 and w.rnd.random() < 0.8:
        return  # nothing to give, mostly nothing tried
    too_much = w.rnd.random() < 0.15 or quarters == 0
    hours = (quarters + w.rnd.randint(1, 8)) / 4 if too_much else w.rnd.randint(1, quarters) / 4
    before = await _entries(w)
    if volunteer["parent"] is not None and w.rnd.random() < 0.7:
        w.note(f"volunteer {volunteer['id']} gives {hours} h (of {held / 60:.2f}) to their parent")
        r = await w.call("POST", "/timebank/transfers", volunteer["headers"],
                         json={"to_person_id": volunteer["parent"], "hours": hours, "note": "给父母"})
    else:
        w.note(f"volunteer {volunteer['id']} donates {hours} h (of {held / 60:.2f}) to the pool")
        r = await w.call("POST", "/timebank/donations", volunteer["headers"], json={"hours": hours, "bucket": "own"})
    if r.status_code >= 400 and await _entries(w) != before:
        raise Violation("refusals_write_nothing", f"a refused time-bank move ({r.status_code}) wrote entries")
    if too_much and r.status_code < 400:
        raise Violation("timebank_balance_is_its_ledger", f"{hours} h moved from a balance of {held} minutes")


async def volunteering(w: World) -> None:
    """Step: a volunteer joins, a task is published, or something happens on a recent task."""
    recent = w.tasks[-8:]
    if len(w.volunteers) < 4 or w.rnd.random() < 0.05:
        await join(w)
    elif not recent or w.rnd.random() < 0.1:
        await publish(w)
    else:
        await attend(w, w.rnd.choice(recent))


async def timebank_move(w: World) -> None:
    """Step: a volunteer moves hours."""
    if w.volunteers:
        await move(w, w.rnd.choice(w.volunteers))


# --- invariants -------------------------------------------------------------------------------------------------

async def balance_is_its_ledger(w: World, account_ids: set[int] | None = None) -> None:
    """Every account's balance, own and team, equals the sum of its entries and the last entry's balance after
    it; it is never negative; a person's whole balance is never over the policy's cap (seed/care_policies.yaml).
    `account_ids`: only these accounts (what a step touched); None: every account (the full sweep)."""
    cap = (await _policy(w)).timebank.cap_hours * 60
    async with w.app.state.sessionmaker() as session:
        accounts_q, entries_q = select(TimebankAccount), select(TimebankEntry).order_by(TimebankEntry.id)
        if account_ids is not None:
            accounts_q = accounts_q.where(TimebankAccount.id.in_(account_ids))
            entries_q = entries_q.where(TimebankEntry.account_id.in_(account_ids))  # ix_timebank_entries_account
        accounts = (await session.execute(accounts_q)).scalars().all()
        entries = (await session.execute(entries_q)).scalars().all()
    sums: dict[tuple[int, str], int] = {}
    for e in entries:
        key = (e.account_id, e.bucket)
        sums[key] = sums.get(key, 0) + e.minutes
        if e.balance_after != sums[key] or e.balance_after < 0:
            raise Violation("timebank_balance_is_its_ledger",
                            f"entry {e.id} of account {e.account_id}: balance after {e.balance_after}, "
                            f"the entries so far sum to {sums[key]}")
    for a in accounts:
        own, team = sums.get((a.id, "own"), 0), sums.get((a.id, "team"), 0)  # type: ignore[arg-type]
        if (a.minutes, a.team_minutes) != (own, team):
            raise Violation("timebank_balance_is_its_ledger",
                            f"account {a.id}: balance {a.minutes}+{a.team_minutes}, ledger {own}+{team}")
        if a.minutes < 0 or a.team_minutes < 0:
            raise Violation("timebank_balance_is_its_ledger", f"account {a.id} is negative")
        if a.person_id is not None and a.minutes + a.team_minutes > cap:
            raise Violation("timebank_balance_is_its_ledger",
                            f"account {a.id}: {a.minutes + a.team_minutes} minutes over the cap {cap}")
    w.stats.count(w.stats.checks, "timebank_balance_is_its_ledger")


async def hours_inside_their_window(w: World, volunteer_ids: set[int] | None = None) -> None:
    """Certified hours count only the time inside their task's window, or their visit's booked window as staff
    extended it with a reason (the confirmation); they are the attendance the organiser recorded, deposited at
    most once, and a volunteer's total is the sum of their certified hours. `volunteer_ids`: only these
    volunteers' hours and totals (what a step touched); None: everyone's (the full sweep)."""
    async with w.app.state.sessionmaker() as session:
        hours_q, totals_q = select(ServiceHours), select(Volunteer.id, Volunteer.minutes_total)
        if volunteer_ids is not None:
            hours_q = hours_q.where(ServiceHours.volunteer_id.in_(volunteer_ids))  # ix_service_hours_volunteer
            totals_q = totals_q.where(Volunteer.id.in_(volunteer_ids))
        hours = (await session.execute(hours_q)).scalars().all()
        tasks = {t.id: t for t in (await session.execute(select(VolunteerTask).where(VolunteerTask.id.in_(
            {h.task_id for h in hours if h.task_id})))).scalars()}
        visits = {v.id: v for v in (await session.execute(select(CareVisit).where(CareVisit.id.in_(
            {h.visit_id for h in hours if h.visit_id})))).scalars()}
        signups = {(s.task_id, s.volunteer_id): s for s in (await session.execute(select(TaskSignup).where(
            TaskSignup.task_id.in_(list(tasks))))).scalars()}
        totals = dict((await session.execute(totals_q)).all())
        deposited_q = select(TimebankEntry.service_hours_id, func.count()).where(
            TimebankEntry.service_hours_id.is_not(None)).group_by(TimebankEntry.service_hours_id)
        if volunteer_ids is not None:
            deposited_q = deposited_q.where(TimebankEntry.service_hours_id.in_([h.id for h in hours]))
        deposited = (await session.execute(deposited_q)).all()
    summed: dict[int, int] = {}
    for h in hours:
        summed[h.volunteer_id] = summed.get(h.volunteer_id, 0) + h.minutes
        if h.task_id is not None:
            t = tasks[h.task_id]
            want = certified_minutes(h.started_at, h.ended_at, t.starts_at, t.ends_at)
            row = signups.get((h.task_id, h.volunteer_id))
            if h.minutes != want or row is None or row.minutes != h.minutes or row.check_in_at != h.started_at:
                raise Violation("certified_hours_inside_their_window",
                                f"hours {h.id} of task {t.id}: {h.minutes} minutes certified from {h.started_at} to "
                                f"{h.ended_at}; the window {t.starts_at}–{t.ends_at} allows {want}")
        elif h.visit_id is not None:
            v = visits[h.visit_id]
            confirmed = v.window_ends_at is None or bool(v.window_reason)
            want = certified_minutes(h.started_at, h.ended_at, v.scheduled_at, window_end(v))
            if h.minutes > want or not confirmed:
                raise Violation("certified_hours_inside_their_window",
                                f"hours {h.id} of visit {v.id}: {h.minutes} minutes, the window allows {want}"
                                f"{'' if confirmed else ', extended without a reason'}")
    for volunteer_id, total in totals.items():
        if total != summed.get(volunteer_id, 0):
            raise Violation("certified_hours_inside_their_window",
                            f"volunteer {volunteer_id}: total {total} minutes, certified {summed.get(volunteer_id, 0)}")
    for hours_id, count in deposited:
        if count != 1:
            raise Violation("certified_hours_inside_their_window", f"hours {hours_id} deposited {count} times")
    w.stats.count(w.stats.checks, "certified_hours_inside_their_window")


async def touched_by_the_step(w: World) -> tuple[set[int], set[int]]:
    """The accounts and volunteers a step touched: every account with a new entry, every new account, the
    accounts of the people the step moved hours for; the volunteers signed up to the tasks the step acted on,
    and those with new certified hours. New rows are found by id (primary keys), so nothing written is missed."""
    marks = w.timebank_marks
    async with w.app.state.sessionmaker() as session:
        # One round trip on the primary keys: did the step write anything?
        newest = (await session.execute(select(*(select(func.max(t.id)).scalar_subquery() for t in (
            TimebankEntry, TimebankAccount, ServiceHours))))).one()
        wrote = any((n or 0) > marks[k] for n, k in zip(newest, ("entry", "account", "hours"), strict=True))
        entries = (await session.execute(select(TimebankEntry.id, TimebankEntry.account_id).where(
            TimebankEntry.id > marks["entry"]))).all() if wrote else []
        accounts = set((await session.execute(select(TimebankAccount.id).where(
            TimebankAccount.id > marks["account"]))).scalars()) if wrote else set()
        hours = (await session.execute(select(ServiceHours.id, ServiceHours.volunteer_id).where(
            ServiceHours.id > marks["hours"]))).all() if wrote else []
        if w.touched_people:
            accounts |= set((await session.execute(select(TimebankAccount.id).where(
                TimebankAccount.person_id.in_(w.touched_people)))).scalars())
        volunteers = {h.volunteer_id for h in hours}
        if w.touched_tasks:  # uq_signups_task_volunteer leads with task_id
            volunteers |= set((await session.execute(select(TaskSignup.volunteer_id).where(
                TaskSignup.task_id.in_(w.touched_tasks)))).scalars())
    accounts |= {e.account_id for e in entries}
    marks["entry"] = max([marks["entry"], *(e.id for e in entries)])
    marks["account"] = max([marks["account"], *accounts])
    marks["hours"] = max([marks["hours"], *(h.id for h in hours)])
    w.touched_people, w.touched_tasks = set(), set()
    return accounts, volunteers


async def check_timebank(w: World, *, everything: bool = False) -> None:
    """On what the step touched, or with `everything` on every account, certified record and volunteer."""
    if not w.volunteers:
        return
    if everything:
        await balance_is_its_ledger(w)
        await hours_inside_their_window(w)
        return
    accounts, volunteers = await touched_by_the_step(w)
    if accounts:
        await balance_is_its_ledger(w, accounts)
    if volunteers:
        await hours_inside_their_window(w, volunteers)
