"""One-stop affairs (一门式受理) in the simulated district: residents apply online for an item of the service guide,
or a hotline agent files at the counter for them (帮办, or 代办 by a relative where the item allows a proxy); the
acceptance centre the application is routed to accepts, accepts with materials to follow (容缺, with a supplement
date), returns it with the single list of what is missing (一次性告知), or approves on the spot; then approves or
rejects within the item's promised working days. The applicant supplies what is missing and tracks the
application; the sweep terminates a 容缺 application whose supplement date passed. Now and then a bad request (an
unknown item, a proxy where the item allows none, a decision out of order) must be refused and write nothing.
An applicant who applied online rates the decision. What the kind guarantees is checked after every step on the
applications a step or a sweep touched.
"""

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.affair.rules import supplement_due
from app.calendar.deadlines import Basis, Limit
from app.calendar.service import current_calendar, deployment_profile
from app.calendar.workdays import WorkCalendar
from app.models import Case, CaseEvent
from tests import factories as f
from tests.idnumbers import make_id
from tests.simulation.kinds import Timeline, as_lead_sees_it, of_kind, stage_chain
from tests.simulation.world import DISTRICT, Violation, World

NAMES = ("李秀英", "王建国", "陈小红", "黄敏", "赵磊", "周婷", "张三", "刘洋")
# Items of the seed's guide handled in the district's own units: most with materials that may follow (容缺),
# some on the spot (即办), three that allow no proxy (labour and volunteering items).
ITEMS = ("RESIDENCE-PERMIT-FIRST", "ELD-ALLOWANCE", "ELD-HOME-CARE-SUBSIDY", "DIS-LIVING-SUBSIDY", "AID-TEMPORARY",
         "SI-UNEMPLOYMENT-BENEFIT", "LAB-HARD-TO-EMPLOY", "SI-PENSION-CLAIM", "RES-REGISTRATION", "ELD-SENIOR-CARD",
         "COMM-VOLUNTEER-REG")
# What the centre does, as the API offers it; a resident or agent supplies materials; out of order now and then.
CENTRE = {"accept": 5, "accept_pending": 4, "request_materials": 2, "accept_and_approve": 4, "approve": 5,
          "reject": 1, "supplement": 4}
OPEN_STAGES = ("submitted", "materials_requested", "accepted_pending", "accepted")


async def _item(w: World, code: str) -> dict[str, Any]:
    if code not in w.affair_items:
        r = await w.call("GET", f"/affairs/items/{code}", {})
        assert r.status_code == 200, r.text
        w.affair_items[code] = r.json()
    return w.affair_items[code]


async def _count(w: World) -> tuple[int, int]:
    async with w.app.state.sessionmaker() as session:
        cases = (await session.execute(select(func.count()).select_from(Case).where(Case.kind == "affair"))
                 ).scalar_one()
        events = (await session.execute(select(func.max(CaseEvent.id)))).scalar() or 0
    return cases, events


def _materials(w: World, item: dict[str, Any], counter: bool) -> list[dict[str, Any]]:
    """The key materials always (the API refuses without them), the others now and then."""
    chosen = [m["code"] for m in item["materials"] if m["key"] or w.rnd.random() < (0.5 if m["required"] else 0.2)]
    if counter:
        return [{"code": c, "source": "counter_checked"} for c in chosen]
    return [{"code": c, "source": "electronic_licence", "file_ref": f"dzzz/{c}/{w.rnd.randrange(10**6)}"}
            for c in chosen]


def _missing(case: dict[str, Any]) -> list[str]:
    have = {m["code"] for m in case["payload"].get("materials", [])}
    return [m["code"] for m in case["payload"]["item"]["materials"] if m.get("required") and m["code"] not in have]


async def apply(w: World) -> int | None:
    """A resident applies online (two times in three) or an agent files at the counter for one, as 帮办 or as a
    relative's 代办; now and then for an item that does not exist, or by proxy where the item allows none."""
    region = w.rnd.choice(w.communities)
    birth = date(w.rnd.randint(1940, 2000), w.rnd.randint(1, 12), w.rnd.randint(1, 28))
    id_number = make_id(DISTRICT, birth, seq=w.rnd.randint(1, 400), male=w.rnd.random() < 0.5)
    counter = w.rnd.random() < 1 / 3
    bad = w.rnd.choices([None, "unknown_item", "proxy_not_allowed"], [18, 1, 1])[0]
    code = w.rnd.choice(ITEMS)
    if bad == "proxy_not_allowed":
        counter, code = True, w.rnd.choice([c for c in ITEMS if not (await _item(w, c))["proxy_allowed"]])
    item = await _item(w, code)
    body: dict[str, Any] = {"item_code": code, "applicant": {"id_number": id_number, "name": w.rnd.choice(NAMES)},
                            "region_code": region, "materials": _materials(w, item, counter)}
    if bad == "unknown_item":
        body["item_code"] = "NO-SUCH-ITEM"
    if counter:
        headers = w.rnd.choice(w.agents)
        body["applicant"]["phone"] = w.new_phone()
        if bad == "proxy_not_allowed" or (item["proxy_allowed"] and w.rnd.random() < 0.5):
            relative = make_id(DISTRICT, date(w.rnd.randint(1960, 2000), 3, 12), seq=w.rnd.randint(1, 400))
            body["proxy"] = {"mode": "proxy", "name": w.rnd.choice(NAMES), "relation": "子女", "id_number": relative}
    else:
        uid = await f.user(w.app, "resident", username=w.new_phone(), name=body["applicant"]["name"])
        headers = f.bearer(w.app, uid, "resident")
    w.note(f"affair application {body['item_code']} at {region} ({'counter' if counter else 'online'}"
           f"{', by proxy' if 'proxy' in body else ''}{', bad: ' + bad if bad else ''})")
    before = await _count(w)
    r = await w.call("POST", "/affairs/applications", headers, json=body)
    if r.status_code >= 400 and await _count(w) != before:
        raise Violation("refusals_write_nothing", f"a refused application ({r.status_code}) wrote something")
    if bad is not None:
        want = "item_not_found" if bad == "unknown_item" else "proxy_not_allowed"
        if r.status_code != 422 or r.json().get("code") != want:
            raise Violation("refusals_write_nothing", f"a bad application ({bad}) answered {r.status_code}: "
                                                      f"{r.text[:300]}")
        return None
    if r.status_code != 201:
        return None
    case_id = r.json()["id"]
    w.affairs.append(case_id)
    # Some applicants accepted with materials to follow never bring them: the sweep terminates theirs.
    w.affair_filers[case_id] = {"headers": headers, "counter": counter, "id_number": id_number,
                                "number": r.json()["number"], "forgets": w.rnd.random() < 0.3}
    w.touched.add(case_id)
    return case_id


def _body(w: World, case: dict[str, Any], action: str) -> dict[str, Any]:
    if action == "accept_pending":
        return {"promise": "本人承诺在规定期限内补齐所缺材料，逾期视为撤回申请"}
    if action == "request_materials":
        missing = _missing(case)
        items = [{"material_code": c, "problem": "missing", "detail": "缺少该项材料"} for c in missing]
        provided = [m["code"] for m in case["payload"].get("materials", [])]
        if provided and (not items or w.rnd.random() < 0.5):
            items.append({"material_code": w.rnd.choice(provided), "problem": "unclear", "detail": "扫描件不清晰"})
        return {"items": items or [{"material_code": None, "problem": "other", "detail": "申请表填写不完整"}]}
    if action in ("approve", "accept_and_approve"):
        return {"collection": w.rnd.choice(["counter", "mail", "electronic"]),
                **({"certificate_no": f"FT-{case['id']}"} if w.rnd.random() < 0.5 else {})}
    if action == "reject":
        return {"reasons": "经审核，申请人不符合该事项的申请条件", "legal_basis": "《办事指南》申请条件"}
    return {}


def _supply(w: World, case: dict[str, Any]) -> list[dict[str, Any]]:
    """What the applicant brings: what is missing and what the notice asked for (now and then only part of it)."""
    codes = set(_missing(case))
    notice = case["payload"].get("notice") or {}
    if case.get("stage") == "materials_requested":
        codes |= {i["material_code"] for i in notice.get("items", []) if i.get("material_code")}
        codes -= set(notice.get("answered", []))
    chosen = sorted(codes)
    if len(chosen) > 1 and w.rnd.random() < 0.2:
        chosen = chosen[:1]
    if not chosen:
        chosen = [w.rnd.choice(case["payload"]["item"]["materials"])["code"]]
    counter = w.affair_filers.get(case["id"], {}).get("counter")
    return [{"code": c, "source": "counter_checked"} if counter else
            {"code": c, "source": "electronic_licence", "file_ref": f"dzzz/{c}"} for c in chosen]


async def supply(w: World, case: dict[str, Any]) -> None:
    """The resident supplies online; for a counter application the agent records what the applicant brought."""
    filer = w.affair_filers.get(case["id"])
    if filer is None:
        return
    body = {"materials": _supply(w, case)}
    w.note(f"affair {case['id']} ({case['stage']}): supplement {[m['code'] for m in body['materials']]}")
    if filer["counter"]:
        r = await w.act(filer["headers"], case, "supplement", body)
    else:
        r = await w.call("POST", f"/affairs/applications/{case['id']}/materials",
                         {**filer["headers"], "If-Match": f'"{case["version"]}"'}, case_id=case["id"], json=body)
    if r.status_code != 200:  # materials the item names, at a stage that expects them: never refused
        raise Violation("allowed_actions_are_allowed", f"affair {case['id']} ({case['stage']}): supplement refused "
                                                       f"{r.status_code} {r.text[:300]}")


async def track(w: World, case_id: int) -> None:
    """The applicant tracks the application: their own (online) or by number and ID number (counter); what they
    read agrees with the case: the stage, the promised date and the supplement date."""
    filer = w.affair_filers.get(case_id)
    if filer is None:
        return
    if filer["counter"]:
        r = await w.call("POST", "/affairs/track", {},
                         json={"number": filer["number"], "id_number": filer["id_number"]})
    else:
        r = await w.call("GET", f"/affairs/applications/{case_id}", filer["headers"])
    if r.status_code != 200:
        raise Violation("affair_track_matches_the_case", f"case {case_id}: tracking answered {r.status_code}")
    seen = r.json()
    async with w.app.state.sessionmaker() as session:
        case = await session.get(Case, case_id)
        assert case is not None
    got = (seen["stage"], _at(seen["promised_by"]), _at(seen["supplement_due"]))
    want = (case.stage, case.handle_due if case.status not in ("closed", "withdrawn") else None, case.stage_due)
    if got != want:
        raise Violation("affair_track_matches_the_case", f"case {case_id}: the applicant reads {got}, the case {want}")


def _at(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value.replace("Z", "+00:00"))


async def centre(w: World) -> None:
    """The centre that leads an application acts on it as the API offers (now and then decides out of order: refused,
    nothing written); the applicant supplies what is missing, or tracks it."""
    if not w.affairs:
        await apply(w)
        return
    found = await as_lead_sees_it(w, w.affairs)
    if found is None:
        return
    case, staff, seen = found
    if w.rnd.random() < 0.15:
        await track(w, case["id"])
        return
    filer = w.affair_filers.get(case["id"], {})
    if case["status"] == "replied" and not filer.get("counter"):
        await rate(w, case["id"], filer["headers"])
        return
    offered = [a for a in seen["allowed_actions"] if a in CENTRE and a != "supplement"]
    forgets = case["stage"] == "accepted_pending" and w.affair_filers.get(case["id"], {}).get("forgets")
    if case["stage"] in ("submitted", "materials_requested", "accepted_pending") and _supply_possible(case) \
            and not forgets:
        offered.append("supplement")
    if case["stage"] in ("submitted", "accepted_pending") and w.rnd.random() < 0.08:
        offered = ["approve"]  # a decision before acceptance, or before the 容缺 materials: refused
    if not offered:
        return
    action = w.rnd.choices(offered, [CENTRE[a] for a in offered])[0]
    if action == "supplement":
        await supply(w, case)
        return
    r = await w.act(staff, seen, action, _body(w, seen, action))
    if action == "approve" and case["stage"] in ("submitted", "accepted_pending") and r.status_code < 400:
        raise Violation("affair_stage_replays_the_timeline", f"case {case['id']} approved at {case['stage']}")


async def rate(w: World, case_id: int, headers: dict[str, str]) -> None:
    """The applicant rates the decision they were sent (which closes the application), or now and then not yet."""
    case = await w.read(case_id, headers)
    if case is None:
        raise AssertionError(f"an applicant cannot read their own application {case_id}")
    if "rate" in case["allowed_actions"] and w.rnd.random() < 0.5:
        satisfaction = w.rnd.choice(["satisfied", "satisfied", "basically_satisfied", "dissatisfied"])
        await w.act(headers, case, "rate", {"solved": satisfaction != "dissatisfied", "satisfaction": satisfaction})


def _supply_possible(case: dict[str, Any]) -> bool:
    return case["stage"] == "materials_requested" or bool(_missing(case))


async def affair_step(w: World) -> None:
    """Step: an application (one time in three), or the centre or the applicant acts on one."""
    if w.rnd.random() < 1 / 3:
        await apply(w)
    else:
        await centre(w)


# --- invariants -------------------------------------------------------------------------------------------------

def _fail(invariant: str, case: Case, detail: str) -> None:
    raise Violation(invariant, f"affair case {case.id} ({case.stage}): {detail}")


def supplement_deadline(case: Case, events: list[CaseEvent], calendar: WorkCalendar, zone: ZoneInfo, margin: int,
                        cap: int, swept: datetime | None) -> None:
    """A 容缺 acceptance's supplement due is on a working day of the current calendar and equals a fresh
    computation from the acceptance under the profile; an application past it without the materials is terminated
    by the next sweep, and only the sweep terminates (at or after the date)."""
    terminations = [e for e in events if e.type == "terminate"]
    for e in terminations:
        due = datetime.fromisoformat((e.data or {})["supplement_due"])
        if e.actor_role != "system" or e.at < due:
            _fail("affair_supplement_deadline", case, f"terminated by {e.actor_role} at {e.at}, due {due}")
    if case.stage == "terminated" and len(terminations) != 1:
        _fail("affair_supplement_deadline", case, f"terminated with {len(terminations)} termination events")
    if case.stage != "accepted_pending":
        return
    accepted = [e for e in events if e.type == "accept_pending"]
    if case.stage_due is None or not accepted:
        _fail("affair_supplement_deadline", case, f"no supplement date ({case.stage_due}) or no acceptance")
        return
    due = case.stage_due
    if swept is not None and due <= swept and accepted[-1].at < swept:
        _fail("affair_supplement_deadline", case, f"past its supplement date {due} at the sweep of {swept}")
    fresh = supplement_due(accepted[-1].at, case.payload["item"]["promised_days"], margin=margin, cap=cap,
                           calendar=calendar, zone=zone)
    if fresh is None or fresh.at != due or not calendar.is_working_day(due.astimezone(zone).date()):
        _fail("affair_supplement_deadline", case, f"supplement due {due}, fresh {fresh and fresh.at}")


def promised_due(case: Case, events: list[CaseEvent], calendar: WorkCalendar, zone: ZoneInfo) -> None:
    """An application in hand is due the item's promised working days from its submission (the filing, or the
    resubmission that answered the single notice), plus the extensions granted; while it waits for the notice's
    materials the clock stands still (no due)."""
    if case.status in ("replied", "closed", "withdrawn") or case.dispatched_at is None:
        return
    if case.stage == "materials_requested":
        if case.handle_due is not None:
            _fail("affair_promised_due", case, f"the clock runs ({case.handle_due}) while materials are awaited")
        return
    if any(e.type in ("redispatch", "replan", "reroute") for e in events):
        return  # a new unit inherits the promise; a re-plan moves it (checked by the spine's invariants)
    starts = [e.at for e in events if e.type == "dispatch"][:1] + [
        e.at for e in events if e.type == "supplement" and (e.data or {}).get("resubmitted")]
    if not starts:
        return
    limit = Limit(case.payload["item"]["promised_days"], "working_days")
    fresh = Basis(starts[-1], limit, case.extension_days_granted).compute(calendar, zone).at
    if fresh != case.handle_due:
        _fail("affair_promised_due", case, f"handle_due {case.handle_due}, fresh {fresh} ({limit} from "
                                           f"{starts[-1]}, +{case.extension_days_granted} days)")


AFFAIR_INVARIANTS = ("affair_stage_replays_the_timeline", "affair_supplement_deadline", "affair_promised_due")


async def check_affairs(w: World, loaded: Timeline) -> None:
    """The kind's invariants on the applications among these (read once by `check_cases`)."""
    cases = of_kind(loaded, "affair")
    if not cases:
        return
    zone = ZoneInfo(w.app.state.settings.timezone)
    async with w.app.state.sessionmaker() as session:
        calendar = await current_calendar(w.app.state, session)
        profiles = {code: await deployment_profile(w.app.state, session, code)
                    for code in {c.profile_code for c, _ in cases}}
    for case, mine in cases:
        stage_chain("affair_stage_replays_the_timeline", case, mine, "submitted")
        p = profiles[case.profile_code]
        supplement_deadline(case, mine, calendar, zone, p.tolerance_margin_working_days,
                            p.tolerance_cap_working_days, w.swept_at)
        promised_due(case, mine, calendar, zone)
        for name in AFFAIR_INVARIANTS:
            w.stats.count(w.stats.checks, name)
