"""Home-based elderly care (居家养老) in the simulated district: a volunteer's parent in the register is the elder;
the community workstation (or a hotline agent) orders a service for them. The workstation books visits, by a
volunteer the ranking offers or by itself as the provider, hours to two days ahead (now and then in the past:
refused); at the time, the volunteer (or the provider's staff, or the lead unit for them) checks in at the home
(now and then before the order existed: refused) and out; staff extend the window over the minutes stayed past
it; the family or an agent rates the visit; the register changes (a status recorded or ended), which moves the
eligibility, and a subsidy decided against it needs a leader's override; the workstation cancels a booked visit or
completes the order once a visit is done. What the kind guarantees is checked after every step on the orders a step
or a sweep touched.
"""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.care_policy.service import current_policy
from app.eldercare import eligibility
from app.eldercare.rules import stage_after_visits
from app.models import CareVisit
from tests.care import HOME
from tests.simulation.aid import leader_of
from tests.simulation.kinds import Timeline, as_lead_sees_it, leader_ids, of_kind, signed_off, stage_chain
from tests.simulation.timebank import _workstations
from tests.simulation.world import Violation, World

SERVICES = {"meal": 4, "visit": 4, "cleaning": 2, "bathing": 1, "medical": 1, "emergency": 0.3}
LEAD = {"schedule": 4, "cancel_visit": 0.5, "decide_subsidy": 0.8, "reassess": 0.3, "complete": 2}
VISIT = {"check_in": 8, "check_out": 8, "extend": 2, "rate": 3, "register": 0.6}
FLAGS = ("living_alone", "dibao", "tekun")
INVARIANTS = ("care_stage_replays_the_timeline", "care_stage_follows_its_visits", "care_visits_add_up",
              "care_subsidy_holds_to_the_check")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _family(w: World, person_id: int) -> dict[str, Any] | None:
    return next((v for v in w.volunteers if v["parent"] == person_id), None)


async def order(w: World) -> int | None:
    """The workstation of the elder's community, or an agent on the hotline, orders a service."""
    elders = [(v["parent"], v["region"]) for v in w.volunteers if v["parent"] is not None]
    stations = await _workstations(w)
    if not elders or not stations:
        return None
    person, region = w.rnd.choice(elders)
    agent = w.rnd.random() < 0.3 or region not in stations
    headers = w.rnd.choice(w.agents) if agent else await w.staff_of(stations[region])
    service = w.rnd.choices(list(SERVICES), list(SERVICES.values()))[0]
    body: dict[str, Any] = {"person_id": person, "service_type": service, "notes": "老人行动不便，请提前电话联系"}
    if w.rnd.random() < 0.5:
        body["scheduled_at"] = (w.clock.now() + timedelta(minutes=w.rnd.choice([120, 1440, 2880]))).isoformat()
    w.note(f"eldercare order ({service}) for person {person} by {'an agent' if agent else 'the workstation'}")
    r = await w.call("POST", "/eldercare/orders", headers, json=body)
    if r.status_code != 201:
        return None
    w.care.append(r.json()["id"])
    w.touched.add(r.json()["id"])
    return r.json()["id"]


async def _bands(w: World) -> dict[str, int]:
    async with w.app.state.sessionmaker() as session:
        policy = await current_policy(w.app.state, session)
    return {b.level: b.percent for b in policy.subsidy_bands}


async def schedule(w: World, case: dict[str, Any], staff: dict[str, str]) -> None:
    """A visit booked: the ranking's volunteer (one of the first three) or the workstation itself; when the subsidy
    decided earlier no longer matches the eligibility, the leader books it with an override."""
    at = w.clock.now() + timedelta(minutes=w.rnd.choice([30, 120, 600, 1440, 2880]))
    if w.rnd.random() < 0.05:
        at = w.clock.now() - timedelta(hours=3)  # in the past: refused
    body: dict[str, Any] = {"scheduled_at": at.isoformat(), "planned_minutes": w.rnd.choice([30, 60, 90, 120])}
    r = await w.call("GET", f"/eldercare/orders/{case['id']}/candidates", staff, params={"at": at.isoformat()})
    ranked = [c["volunteer_id"] for c in r.json()["candidates"]] if r.status_code == 200 else []
    if ranked and w.rnd.random() < 0.7:
        body["volunteer_id"] = w.rnd.choice(ranked[:3])
    else:
        body["provider_unit_id"] = case["lead_unit"]["id"]
    r = await w.act(staff, case, "schedule", body)
    if r.status_code == 409 and r.json().get("code") == "decision_contradicts_check":
        seen = await w.read(case["id"], staff)
        if seen is not None:
            body["override"] = {"reason": "家属已知悉，按原补贴档次继续服务"}
            await w.act(await leader_of(w, case["lead_unit"]["id"]), seen, "schedule", body)


async def decide_subsidy(w: World, case: dict[str, Any], staff: dict[str, str]) -> None:
    """The subsidy as the latest eligibility gives it, or now and then another band, which only a leader's override
    with a reason gets through."""
    latest = case["payload"]["eligibility"]
    bands = await _bands(w)
    level, percent = latest["level"], int(latest["percent"])
    against = w.rnd.random() < 0.4
    if against:
        level = w.rnd.choice([b for b in sorted(bands) if b != level] or [level])
        percent = bands.get(level, percent)
    body: dict[str, Any] = {"level": level, "percent": percent, "note": "按评估结果确定补贴档次"}
    headers = staff
    how = "plain"
    if against:
        how = w.rnd.choices(["plain", "leader", "no_reason", "not_leader"], [3, 3, 1, 1])[0]
        if how in ("leader", "no_reason"):
            headers = await leader_of(w, case["lead_unit"]["id"])
        if how != "plain":
            body["override"] = {"reason": "特" if how == "no_reason" else "老人子女均在外地，经评议提高补贴档次"}
    w.note(f"eldercare {case['id']}: subsidy {level} {percent}% ({how}) against {latest['level']} {latest['percent']}%")
    r = await w.act(headers, case, "decide_subsidy", body)
    if r.status_code >= 400 or how == "leader":
        return
    # Held to the eligibility as the action worked it out again (the register may have changed since the read).
    after = await w.read(case["id"])
    held_to = (after or case)["payload"]["eligibility"]
    if eligibility.subsidy_departures(held_to, level, percent):
        raise Violation("care_subsidy_holds_to_the_check", f"case {case['id']}: subsidy {level} {percent}% against "
                                                           f"{eligibility.basis(held_to)} ({how}): {r.text[:300]}")


async def _visitor(w: World, visit: dict[str, Any], staff: dict[str, str]) -> tuple[dict[str, str], bool]:
    """Who records a visit's attendance: its volunteer, or the provider's staff; now and then the lead unit for them.
    (headers, whether it is the volunteer's own phone)."""
    mine = next((v for v in w.volunteers if v["id"] == visit["volunteer_id"]), None)
    if w.rnd.random() < 0.2 or (mine is None and visit["provider_unit_id"] is None):
        return staff, False
    if mine is not None:
        return mine["headers"], True
    return await w.staff_of(visit["provider_unit_id"]), False


async def attend(w: World, case: dict[str, Any], staff: dict[str, str], visit: dict[str, Any], what: str) -> None:
    now = w.clock.now()
    vid = visit["id"]
    if what == "check_in":
        headers, own = await _visitor(w, visit, staff)
        at = min(now, _at(visit["scheduled_at"]) + timedelta(minutes=w.rnd.randint(-30, 20)))
        if w.rnd.random() < 0.05:
            at = _at(case["created_at"]) - timedelta(hours=1)  # before the order existed: refused
        body = {"at": at.isoformat(), **(HOME if own or w.rnd.random() < 0.5 else {})}
        w.note(f"visit {vid} of case {case['id']}: check in at {at:%m-%d %H:%M}")
        await w.call("POST", f"/eldercare/visits/{vid}/check-in", headers, case_id=case["id"], json=body)
    elif what == "check_out":
        headers, own = await _visitor(w, visit, staff)
        stayed = visit["planned_minutes"] + w.rnd.choice([-15, 0, 0, 15, 45])
        at = min(now, _at(visit["check_in_at"]) + timedelta(minutes=max(stayed, 5)))
        w.note(f"visit {vid} of case {case['id']}: check out at {at:%m-%d %H:%M}")
        await w.call("POST", f"/eldercare/visits/{vid}/check-out", headers, case_id=case["id"],
                     json={"at": at.isoformat(), **(HOME if own else {})})
    elif what == "extend":
        booked_end = _at(visit["window_ends_at"] or visit["scheduled_at"]) + timedelta(
            minutes=0 if visit["window_ends_at"] else visit["planned_minutes"])
        ends = max(_at(visit["check_out_at"]), booked_end + timedelta(minutes=10)) + timedelta(
            minutes=w.rnd.choice([0, 0, 10]))
        w.note(f"visit {vid} of case {case['id']}: window extended to {ends:%m-%d %H:%M}")
        await w.call("POST", f"/eldercare/visits/{vid}/window", staff, case_id=case["id"],
                     json={"ends_at": ends.isoformat(), "reason": "饭后陪老人散步"})
    elif what == "rate":
        family = _family(w, case["payload"]["person_id"])
        headers = family["headers"] if family is not None and w.rnd.random() < 0.5 else w.rnd.choice(w.agents)
        w.note(f"visit {vid} of case {case['id']}: rated")
        await w.call("POST", f"/eldercare/visits/{vid}/rating", headers, case_id=case["id"],
                     json={"stars": w.rnd.randint(2, 5), "comment": "服务周到"})


async def register_changes(w: World, case: dict[str, Any], staff: dict[str, str]) -> None:
    """The register changes for the elder: a status recorded (living alone, 低保, 特困) or an active one ended. The
    order's eligibility follows when the unit next acts."""
    person = case["payload"]["person_id"]
    r = await w.call("GET", f"/people/{person}", staff)
    if r.status_code != 200:
        return
    active = [f for f in r.json().get("flags", []) if f["active"]]
    if active and w.rnd.random() < 0.4:
        flag = w.rnd.choice(active)
        w.note(f"person {person}: {flag['flag']} ended")
        await w.call("POST", f"/people/{person}/flags/{flag['id']}/end", staff, json={})
    else:
        flag_name = w.rnd.choice(FLAGS)
        w.note(f"person {person}: {flag_name} recorded")
        await w.call("POST", f"/people/{person}/flags", staff, json={
            "flag": flag_name, "source": "社区入户核实", "since": (w.today() - timedelta(days=30)).isoformat()})


async def workstation(w: World) -> None:
    """The lead unit of a recent order does one thing it may: an action it is offered, or a visit's next step."""
    found = await as_lead_sees_it(w, w.care)
    if found is None:
        return
    _, staff, seen = found
    r = await w.call("GET", f"/eldercare/orders/{seen['id']}/visits", staff)
    visits = r.json() if r.status_code == 200 else []
    now = w.clock.now()
    options: list[tuple[str, Any]] = [(a, None) for a in seen["allowed_actions"] if a in LEAD]
    for v in visits:
        if v["status"] == "checked_in":
            options.append(("check_out", v))
        elif v["status"] == "scheduled" and _at(v["scheduled_at"]) - timedelta(minutes=60) <= now:
            options.append(("check_in", v))
        elif v["status"] == "done" and v["pending_minutes"] > 0 and w.rnd.random() < 0.7:
            options.append(("extend", v))
        elif v["status"] == "done" and v["rating"] is None:
            options.append(("rate", v))
    options.append(("register", None))
    booked = sum(1 for v in visits if v["status"] in ("scheduled", "checked_in"))
    weights = [(LEAD[a] / (1 + 2 * booked) if a == "schedule" else LEAD.get(a) or VISIT[a]) for a, _ in options]
    what, visit = w.rnd.choices(options, weights)[0]
    if what == "schedule":
        await schedule(w, seen, staff)
    elif what == "decide_subsidy":
        await decide_subsidy(w, seen, staff)
    elif what == "cancel_visit":
        booked = [v for v in visits if v["status"] == "scheduled"] or visits[:1]
        if booked:
            await w.act(staff, seen, "cancel_visit", {"visit_id": w.rnd.choice(booked)["id"],
                                                      "reason": "老人临时住院，取消本次服务"})
    elif what == "reassess":
        await w.act(staff, seen, "reassess", {"note": "收到新的评估结果"})
    elif what == "complete":
        await w.act(staff, seen, "complete", {})
    elif what == "register":
        await register_changes(w, seen, staff)
    else:
        await attend(w, seen, staff, visit, what)


async def care_step(w: World) -> None:
    """Step: an order (one time in five, or when there is none), or the workstation acts on a recent one."""
    if not w.care or w.rnd.random() < 0.2:
        await order(w)
    else:
        await workstation(w)


# --- invariants -------------------------------------------------------------------------------------------------

def stage_follows_its_visits(case: Any, visits: list[CareVisit]) -> None:
    """The order's counts are its visits' statuses, and its stage is where those visits put it: served only once
    the unit completed it, with a visit done and none booked or under way."""
    counts: dict[str, int] = {}
    for v in visits:
        counts[v.status] = counts.get(v.status, 0) + 1
    if dict(case.payload.get("visits") or {}) != counts:
        raise Violation("care_stage_follows_its_visits", f"case {case.id}: payload counts "
                                                         f"{case.payload.get('visits')}, visits {counts}")
    if case.stage == "served":
        if counts.get("scheduled") or counts.get("checked_in") or not counts.get("done"):
            raise Violation("care_stage_follows_its_visits", f"case {case.id}: served with visits {counts}")
    elif case.stage != stage_after_visits(counts, "requested"):
        raise Violation("care_stage_follows_its_visits", f"case {case.id}: stage {case.stage} with visits {counts}")


def visits_add_up(case: Any, visits: list[CareVisit]) -> None:
    """A visit's times follow its status; its minutes are the time between check-in and check-out, of which the
    certified and the pending add up to no more; nobody checked in before the order existed."""
    for v in visits:
        shape = (v.check_in_at is not None, v.check_out_at is not None)
        want = {"scheduled": (False, False), "cancelled": (False, False), "checked_in": (True, False),
                "done": (True, True)}.get(v.status)
        problem = None
        if shape != want:
            problem = f"status {v.status} with check-in {v.check_in_at}, check-out {v.check_out_at}"
        elif v.check_in_at is not None and v.check_in_at < case.created_at:
            problem = f"checked in at {v.check_in_at}, before the order ({case.created_at})"
        elif v.status == "done":
            assert v.check_in_at is not None and v.check_out_at is not None
            span = v.check_out_at - v.check_in_at
            certified = v.certified_minutes or 0
            if span < timedelta(0) or v.minutes is None or abs(v.minutes - span.total_seconds() / 60) >= 1:
                problem = f"{v.minutes} minutes from {v.check_in_at} to {v.check_out_at}"
            elif certified + v.pending_minutes > v.minutes or certified < 0:
                problem = f"{certified} certified and {v.pending_minutes} pending of {v.minutes} minutes"
        if problem is not None:
            raise Violation("care_visits_add_up", f"case {case.id}, visit {v.id}: {problem}")


def subsidy_holds_to_the_check(case: Any, leaders: set[int]) -> None:
    """The subsidy the order runs under is the eligibility it was decided against (its basis), or departs from it
    with a leader's override carrying a reason."""
    subsidy = case.payload.get("subsidy")
    if not subsidy:
        return
    basis = subsidy["basis"]
    departs = eligibility.subsidy_departures({**basis, "reasons": []}, subsidy["level"], int(subsidy["percent"]))
    if subsidy.get("by_rule") and departs:
        raise Violation("care_subsidy_holds_to_the_check", f"case {case.id}: by rule, yet {subsidy} departs")
    if departs and not signed_off(subsidy.get("override"), leaders):
        raise Violation("care_subsidy_holds_to_the_check", f"case {case.id}: subsidy {subsidy['level']} "
                                                           f"{subsidy['percent']}% against {basis}, override "
                                                           f"{subsidy.get('override')}")


async def _visits_of(w: World, case_ids: list[int]) -> dict[int, list[CareVisit]]:
    async with w.app.state.sessionmaker() as session:
        rows = (await session.execute(select(CareVisit).where(CareVisit.case_id.in_(case_ids))
                                      .order_by(CareVisit.id))).scalars().all()
    visits: dict[int, list[CareVisit]] = {case_id: [] for case_id in case_ids}
    for v in rows:
        visits[v.case_id].append(v)
    return visits


async def check_eldercare(w: World, loaded: Timeline) -> None:
    """The kind's invariants on the orders among these (read once by `check_cases`), with their visits."""
    cases = of_kind(loaded, "eldercare")
    visits = await _visits_of(w, [case.id for case, _ in cases]) if cases else {}
    leaders = await leader_ids(w) if cases else set()
    for case, mine in cases:
        stage_chain("care_stage_replays_the_timeline", case, mine, "requested")
        stage_follows_its_visits(case, visits[case.id])
        visits_add_up(case, visits[case.id])
        subsidy_holds_to_the_check(case, leaders)
        for name in INVARIANTS:
            w.stats.count(w.stats.checks, name)
