"""Invariants read through the API, as the actors see the system: queues, who may see what, and the figures."""

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.models import Assignment, Case, CaseCallback
from tests.factories import all_pages
from tests.simulation.invariants import no_unmasked_numbers_in
from tests.simulation.world import DISTRICT, Violation, World


async def queue_is_active_assignments(w: World, unit_id: int, since: datetime | None = None) -> None:
    """A unit's work list (GET /cases as its staff) is exactly the set of cases on which it holds an active
    assignment, each once.

    With `since` (after a step): the list's exact total equals the number of cases the unit holds, and every page
    of the cases changed since `since` (`updated_from`: the cases the step touched) is exactly those it holds among
    them: the cost is what the step touched, not the queue's length. Without it (the full sweep): every page."""
    staff = await w.staff_of(unit_id)
    async with w.app.state.sessionmaker() as session:  # ix_assignments_unit_active
        held_q = select(Assignment.case_id).where(Assignment.unit_id == unit_id, Assignment.active.is_(True))
        if since is not None:
            total = (await session.execute(select(func.count(func.distinct(Assignment.case_id))).where(
                Assignment.unit_id == unit_id, Assignment.active.is_(True)))).scalar_one()
            held_q = held_q.join(Case, Case.id == Assignment.case_id).where(Case.updated_at >= since)
        held = set((await session.execute(held_q)).scalars())
    if since is not None:
        page = (await w.client.get("/cases", params={"limit": 1, "count": "true"}, headers=staff)).json()
        if page["total"] != {"value": total, "exact": True}:
            raise Violation("queue_is_active_assignments", f"unit {unit_id} lists {page['total']} cases, holds {total}")
    # A hundred: the most a page holds.
    params = {"limit": 100} if since is None else {"limit": 100, "updated_from": since.isoformat()}
    listed = [c["id"] for c in await all_pages(w.client, "/cases", params, staff)]
    if len(listed) != len(set(listed)) or set(listed) != held:
        raise Violation("queue_is_active_assignments", f"unit {unit_id} lists {sorted(set(listed) - held)[:5]} "
                                                       f"it does not hold, misses {sorted(held - set(listed))[:5]}, "
                                                       f"{len(listed) - len(set(listed))} twice"
                                                       f"{'' if since is None else f' (changed since {since})'}")
    w.stats.count(w.stats.checks, "queue_is_active_assignments")


async def units_that_left_cannot_see(w: World, case_id: int, rows: list[Any] | None = None) -> None:
    """A unit whose assignment ended (returned, re-dispatched, re-routed away, merged) and holds no other active
    one cannot read the case or act on it: 404, as for a case that does not exist. `rows`: the case's
    assignments (unit_id, active), read already."""
    if rows is None:
        async with w.app.state.sessionmaker() as session:
            rows = list((await session.execute(select(Assignment.unit_id, Assignment.active).where(
                Assignment.case_id == case_id))).all())
    active = {u for u, a in rows if a}
    for unit in {u for u, a in rows if not a} - active:
        r = await w.client.get(f"/cases/{case_id}", headers=await w.staff_of(unit))
        if r.status_code != 404:
            raise Violation("units_that_left_cannot_see", f"unit {unit} left case {case_id} but reads it "
                                                          f"({r.status_code})")
    w.stats.count(w.stats.checks, "units_that_left_cannot_see")


async def residents_see_only_their_own(w: World, index: int | None = None, *, everything: bool = False) -> None:
    """A resident's list holds exactly their own cases; another resident's case answers 404; nothing they are
    shown carries another person's phone or ID number in clear.

    Every 10 steps (one resident at random): the list's exact total is the number they own and its first page
    (newest first) is their newest cases; with `everything` (the full sweep): every page."""
    index = w.rnd.randrange(len(w.residents)) if index is None else index
    user_id, headers = w.residents[index]
    async with w.app.state.sessionmaker() as session:  # ix_cases_requester
        own_q = select(Case.id).where(Case.requester_user_id == user_id).order_by(Case.id.desc())
        own = list((await session.execute(own_q if everything else own_q.limit(50))).scalars())
        total = len(own) if everything else (await session.execute(select(func.count()).where(
            Case.requester_user_id == user_id))).scalar_one()
    if everything:
        listed = [c["id"] for c in await all_pages(w.client, "/cases", {"limit": 50}, headers)]
        counted = len(listed)
    else:
        page = (await w.client.get("/cases", params={"limit": 50, "sort": "created", "count": "true"},
                                   headers=headers)).json()
        listed, counted = [c["id"] for c in page["items"]], page["total"]["value"]
    if set(listed) != set(own) or len(listed) != len(set(listed)) or counted != total:
        raise Violation("residents_see_only_their_own", f"resident {index} lists {listed[:5]} ({counted}), "
                                                        f"owns {own[:5]} ({total})")
    others = [c for c, r in w.requester_of.items() if r != index]
    if others:
        other = w.rnd.choice(others)
        r = await w.client.get(f"/cases/{other}", headers=headers)
        if r.status_code != 404:
            raise Violation("residents_see_only_their_own", f"resident {index} reads case {other}: {r.status_code}")
    if own:
        r = await w.client.get(f"/cases/{w.rnd.choice(own)}", headers=headers)
        no_unmasked_numbers_in("residents_see_only_their_own", r.text, {f"1370000{1000 + index}"})
    w.stats.count(w.stats.checks, "residents_see_only_their_own")


def _rate(body: dict[str, Any], name: str) -> tuple[int, int]:
    r = body["rates"][name]
    return r["numerator"], r["denominator"]


async def figures_equal_a_recount(w: World) -> None:
    """The district's figures for the last 30 whole local days: resolution and satisfaction equal a recount of the
    counted callbacks (the last valid evaluation of each reply) from the raw rows, merged duplicates left out, and
    every rate's numerator is at most its denominator. The other rates' definitions (deadlines on days already
    over, the credit of a moved case) are checked against hand-computed data in
    tests/api/test_metrics_definitions.py."""
    zone = ZoneInfo("Asia/Shanghai")
    today = w.clock.now().astimezone(zone).date()
    first, last = today - timedelta(days=30), today - timedelta(days=1)
    start = datetime.combine(first, time(), zone)
    end = datetime.combine(today, time(), zone)
    params = {"region": f"{DISTRICT}000000", "from": first.isoformat(), "to": last.isoformat()}
    response = await w.call("GET", "/metrics/overview", w.dispatchers[0], params=params)
    if response.status_code != 200:
        raise Violation("figures_equal_a_recount", f"the overview was refused: {response.text[:300]}")
    body = response.json()
    async with w.app.state.sessionmaker() as session:
        merged = set((await session.execute(select(Case.id).where(Case.close_reason == "merged"))).scalars())
        calls = (await session.execute(select(CaseCallback).where(
            CaseCallback.counted.is_(True), CaseCallback.at >= start, CaseCallback.at < end,
            CaseCallback.district_code == DISTRICT))).scalars().all()
    calls = [c for c in calls if c.case_id not in merged]
    recount = {
        "resolution": (sum(1 for c in calls if c.solved), len(calls)),
        "satisfaction": (sum(1 for c in calls if c.satisfaction in ("satisfied", "basically_satisfied")),
                         len(calls)),
    }
    for name, want in recount.items():
        if _rate(body, name) != want:
            raise Violation("figures_equal_a_recount", f"{name}: the API says {_rate(body, name)}, a recount {want}")
    for name in body["rates"]:
        n, d = _rate(body, name)
        if not 0 <= n <= d:
            raise Violation("figures_equal_a_recount", f"{name}: numerator {n} over denominator {d}")
    w.stats.count(w.stats.checks, "figures_equal_a_recount")
