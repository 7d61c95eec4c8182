"""Residence registration for rental housing in the simulated district: tenancies filed at the counter and through
Open311, verified or rejected by the community that holds them, extended or ended early, lapsing as the clock
passes their end; and what the kind guarantees, checked after every step on the tenancies a step or a sweep touched.

Tenancies are short here (they end within days to a few months), so that a run of a few hundred steps sees them
verified, reminded and lapsed.
"""

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.calendar.deadlines import Basis, Limit
from app.calendar.service import current_calendar
from app.housing.residence import lapses_at
from app.models import Case, CaseEvent
from app.models.housing import HousingRegistration, HousingResident
from tests.idnumbers import make_id
from tests.simulation.kinds import Timeline, of_kind, stage_chain
from tests.simulation.world import DISTRICT, Violation, World

NAMES = ("王秀兰", "李建华", "陈小红", "张伟", "刘洋", "黄敏", "赵磊", "周婷")
STATION_ACTIONS = {"verify": 6, "reject": 1, "extend": 2, "end_early": 1, "callback": 2}


def _person_id(w: World) -> str:
    birth = date(w.rnd.randint(1950, 2004), w.rnd.randint(1, 12), w.rnd.randint(1, 28))
    return make_id(DISTRICT, birth, seq=w.rnd.randint(1, 400), male=w.rnd.random() < 0.5)


def _tenancy(w: World) -> dict[str, Any]:
    today = w.today()
    numbers: list[str] = []
    while len(numbers) < 1 + w.rnd.randint(1, 3):
        number = _person_id(w)
        if number not in numbers:
            numbers.append(number)
    start = today - timedelta(days=w.rnd.choice([0, 3, 20, 60]))
    end = today + timedelta(days=w.rnd.choice([0, 1, 3, 6, 10, 45, 120]))
    return {"filed_by": w.rnd.choice(["landlord", "tenant"]), "region_code": w.rnd.choice(w.communities),
            "address": f"某小区 {w.rnd.randint(1, 30)} 栋 {w.rnd.randint(101, 2804)}",
            "landlord": {"name": w.rnd.choice(NAMES), "id_number": numbers[0], "phone": w.new_phone()},
            "tenants": [{"name": w.rnd.choice(NAMES), "id_number": n} for n in numbers[1:]],
            "start_date": start.isoformat(), "end_date": end.isoformat()}


def _open311_form(body: dict[str, Any], key: str) -> dict[str, str]:
    form = {"api_key": key, "service_code": "housing.rental_registration", "address_id": body["region_code"],
            "address_string": body["address"], "attribute[filed_by]": body["filed_by"],
            "attribute[landlord_name]": body["landlord"]["name"],
            "attribute[landlord_id_number]": body["landlord"]["id_number"],
            "attribute[start_date]": body["start_date"], "attribute[end_date]": body["end_date"]}
    for n, tenant in enumerate(body["tenants"], 1):
        form |= {f"attribute[tenant_{n}_name]": tenant["name"], f"attribute[tenant_{n}_id_number]": tenant["id_number"]}
    return form


async def _registrations(w: World) -> int:
    async with w.app.state.sessionmaker() as session:
        return (await session.execute(select(func.count()).select_from(HousingRegistration))).scalar_one()


async def _open311_key(w: World) -> str:
    if w.housing_key is None:
        r = await w.call("POST", "/admin/api-keys", w.admin, json={"name": "出租屋管理平台", "kind": "open311"})
        w.housing_key = r.json()["key"]
    return w.housing_key


async def housing_filing(w: World) -> None:
    """A landlord or tenant files a tenancy: at the counter (an agent), or through a partner app (Open311); now and
    then with an identity number that fails its check, which must be refused and write nothing."""
    body = _tenancy(w)
    bad = w.rnd.random() < 0.1
    if bad:
        number = body["tenants"][0]["id_number"]
        body["tenants"][0]["id_number"] = number[:-1] + ("0" if number[-1] != "0" else "1")
    via = "open311" if w.rnd.random() < 0.3 else "counter"
    w.note(f"housing filing ({via}{', bad number' if bad else ''}): {body['start_date']} to {body['end_date']} "
           f"at {body['region_code']}, {len(body['tenants'])} tenants")
    before = await _registrations(w)
    if via == "counter":
        r = await w.call("POST", "/housing/registrations", w.rnd.choice(w.agents), json=body)
        case_id = r.json()["id"] if r.status_code == 201 else None
    else:
        r = await w.call("POST", "/open311/v2/requests.json", {}, data=_open311_form(body, await _open311_key(w)))
        case_id = None
        if r.status_code == 201:
            number = r.json()[0]["service_request_id"]
            async with w.app.state.sessionmaker() as session:
                case_id = (await session.execute(select(Case.id).where(Case.number == number))).scalar_one()
    if r.status_code >= 400 and await _registrations(w) != before:
        raise Violation("refusals_write_nothing", f"a refused filing ({r.status_code}) wrote a registration")
    if bad and r.status_code < 400:
        raise Violation("housing_numbers_checked", f"a bad identity number was taken: {r.text[:300]}")
    if case_id is not None:
        w.housing.append(case_id)
        w.touched.add(case_id)


def _station_body(w: World, case: dict[str, Any], action: str) -> dict[str, Any]:
    today = w.today()
    end = date.fromisoformat(case["payload"]["end_date"])
    start = date.fromisoformat(case["payload"]["start_date"])
    if action == "verify":
        return {"checked_on": today.isoformat(), "method": w.rnd.choice(["on_site", "documents", "online"])}
    if action == "reject":
        return {"reasons": "租赁合同与申报信息不一致，请核对后重新申报"}
    if action == "extend":
        return {"end_date": (end + timedelta(days=w.rnd.choice([1, 5, 30]))).isoformat(), "note": "续租"}
    if action == "end_early":
        return {"ended_on": max(start, min(today, end)).isoformat(), "reason": "承租人搬离"}
    satisfaction = w.rnd.choice(["satisfied", "basically_satisfied", "dissatisfied"])
    return {"reached": True, "solved": satisfaction != "dissatisfied", "satisfaction": satisfaction}


async def housing_station(w: World) -> None:
    """The community that holds a tenancy verifies or rejects it, or records an extension (续租) or a move-out
    (退租); the centre calls the filer back once it is answered."""
    if not w.housing:
        return
    case = await w.read(w.rnd.choice(w.housing[-30:]))
    if case is None:
        return
    lead = case["lead_unit"]["id"] if case["lead_unit"] else None
    offered: list[tuple[str, dict[str, str]]] = []
    if lead is not None:
        staff = await w.staff_of(lead)
        seen = await w.read(case["id"], staff)
        if seen is not None:
            offered += [(a, staff) for a in seen["allowed_actions"] if a in STATION_ACTIONS and a != "callback"]
    agent = w.rnd.choice(w.agents)
    if "callback" in case["allowed_actions"]:
        offered.append(("callback", agent))
    if not offered:
        return
    action, headers = w.rnd.choices(offered, [STATION_ACTIONS[a] for a, _ in offered])[0]
    await w.act(headers, case, action, _station_body(w, case, action))


# --- invariants -------------------------------------------------------------------------------------------------

def _fail(name: str, case: Case, detail: str) -> None:
    raise Violation(name, f"housing case {case.id} ({case.stage}): {detail}")


def verify_due_on_working_days(case: Case, events: list[CaseEvent], calendar: Any, zone: ZoneInfo) -> None:
    """The community's verification is due the profile's working days after the dispatch (extensions added), at
    the close of a working day of the current calendar, while the tenancy waits for it."""
    if case.stage not in ("filed", "rejected") or case.status not in ("dispatched", "signed", "in_progress") \
            or case.dispatched_at is None or case.handle_due is None:
        return
    if any(e.type in ("replan", "urgency_raised") for e in events):
        return
    limit = Limit.parse(case.payload["verify_limit"])
    fresh = Basis(case.dispatched_at, limit, case.extension_days_granted).compute(calendar, zone).at
    if fresh != case.handle_due:
        _fail("housing_verify_due_on_working_days", case, f"handle_due {case.handle_due}, fresh {fresh} ({limit})")
    if limit.unit == "working_days" and not calendar.is_working_day(case.handle_due.astimezone(zone).date()) \
            and "handle_due" not in (case.provisional or {}):
        _fail("housing_verify_due_on_working_days", case, f"handle_due {case.handle_due} is a rest day")


def lapses_when_the_tenancy_ends(case: Case, reg: HousingRegistration, events: list[CaseEvent], zone: ZoneInfo,
                                 swept: Any) -> None:
    """A registered tenancy lapses when the day after its last day begins: until then its stage deadline is that
    instant, and a sweep (`swept`, the worker's last pass) after it was registered left neither the lapse nor the
    reminder due and undone; once lapsed, it ended on its last day, by rule, and has no deadline left."""
    p = case.payload
    end = date.fromisoformat(p["end_date"])
    if case.stage == "registered":
        want = lapses_at(end, zone)
        if case.stage_due != want or datetime.fromisoformat(p["lapses_at"].replace("Z", "+00:00")) != want:
            _fail("housing_lapses_when_the_tenancy_ends", case, f"stage_due {case.stage_due}, lapses at {want}")
        if swept is None or reg.registered_at is None or reg.registered_at >= swept:
            return
        if case.stage_due is not None and case.stage_due <= swept:
            _fail("housing_lapses_when_the_tenancy_ends", case, f"still registered after {case.stage_due}")
        # The reminder's time moves with the end date: only a sweep after the latest extension owed it.
        set_at = max([reg.registered_at, *(e.at for e in events if e.type == "extend")])
        if reg.remind_at is not None and reg.remind_at <= swept and set_at < swept and reg.reminded_at is None:
            _fail("housing_lapses_when_the_tenancy_ends", case, f"not reminded, due at {reg.remind_at}")
    elif case.stage == "lapsed":
        ending = p.get("ending") or {}
        lapsed = [e for e in events if e.type == "registration_lapsed"]
        if case.stage_due is not None or not ending.get("by_rule") or ending.get("ended_on") != p["end_date"] \
                or reg.ended_on != end or len(lapsed) != 1 or lapsed[0].at < lapses_at(end, zone):
            _fail("housing_lapses_when_the_tenancy_ends", case,
                  f"ending {ending}, register ended {reg.ended_on}, lapse events {[e.at for e in lapsed]}")
    elif case.stage in ("ended", "rejected") and case.stage_due is not None:
        _fail("housing_lapses_when_the_tenancy_ends", case, f"a finished registration keeps {case.stage_due}")


def register_matches_the_case(case: Case, reg: HousingRegistration, residents: list[HousingResident]) -> None:
    """The register's rows say what the case says: the tenancy's end, the certificate (the case's number, once
    verified), the move-out, and the tenants in order with their masked numbers."""
    p = case.payload
    verified = p.get("verification") is not None
    want_certificate = f"JZDJ-{case.number}" if verified else None
    problems = []
    if reg.end_date.isoformat() != p["end_date"]:
        problems.append(f"end {reg.end_date} vs {p['end_date']}")
    if reg.certificate_no != want_certificate or p.get("certificate_no") != want_certificate:
        problems.append(f"certificate {reg.certificate_no} / {p.get('certificate_no')}, want {want_certificate}")
    if case.stage in ("registered", "ended", "lapsed") and not verified:
        problems.append("registered without a verification")
    ending = p.get("ending")
    if (reg.ended_on.isoformat() if reg.ended_on else None) != (ending or {}).get("ended_on"):
        problems.append(f"ended {reg.ended_on} vs {ending}")
    if [r.id_masked for r in residents] != [t["id_number"] for t in p["tenants"]]:
        problems.append("tenants differ")
    if problems:
        _fail("housing_register_matches_the_case", case, "; ".join(problems))


HOUSING_INVARIANTS = ("housing_verify_due_on_working_days", "housing_lapses_when_the_tenancy_ends",
                      "housing_register_matches_the_case", "housing_stage_replays_the_timeline")


async def check_housing(w: World, loaded: Timeline) -> None:
    """The kind's invariants on the housing cases among these (read once by `check_cases`)."""
    cases = of_kind(loaded, "housing")
    if not cases:
        return
    async with w.app.state.sessionmaker() as session:
        regs = {r.case_id: r for r in (await session.execute(select(HousingRegistration).where(
            HousingRegistration.case_id.in_([c.id for c, _ in cases])))).scalars()}
        residents = (await session.execute(select(HousingResident).where(HousingResident.registration_id.in_(
            [r.id for r in regs.values()])).order_by(HousingResident.seq))).scalars().all()
        calendar = await current_calendar(w.app.state, session)
    zone = ZoneInfo(w.app.state.settings.timezone)
    for case, mine in cases:
        reg = regs.get(case.id)
        if reg is None:
            raise Violation("housing_register_matches_the_case", f"housing case {case.id} has no register row")
        verify_due_on_working_days(case, mine, calendar, zone)
        lapses_when_the_tenancy_ends(case, reg, mine, zone, w.swept_at)
        register_matches_the_case(case, reg, [r for r in residents if r.registration_id == reg.id])
        stage_chain("housing_stage_replays_the_timeline", case, mine, "filed")
        for name in HOUSING_INVARIANTS:
            w.stats.count(w.stats.checks, name)
