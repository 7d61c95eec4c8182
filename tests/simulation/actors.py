"""What the people of the district do, one step at a time, with realistic weights.

Each step is an async function of the world. It reads the case as its actor may see it, picks one of the actions
the API offers that actor (sometimes one it does not, which must be refused and write nothing), and sends it with
a plausible body. Steps never assert what the answer should be: the invariants judge the state after each step.
"""

import csv
import io
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from app.models import Assignment
from tests.simulation import affair, aid, eldercare, housing, mediation, timebank
from tests.simulation.world import DISTRICT, World

CATEGORIES = {
    "env.noise": "楼下工地晚上十一点还在施工，噪音很大，影响休息",
    "env.air": "小区旁边的餐馆油烟直排，整栋楼都是味道",
    "env.dust": "工地渣土车没有覆盖，路上扬尘很大",
    "city.sanitation": "小区门口的垃圾桶三天没人清运，已经发臭",
    "city.street_vendor": "地铁站出口有流动摊贩占道经营，堵住盲道",
    "municipal.street_light": "路口的路灯坏了一个星期，晚上很黑",
    "municipal.drainage": "雨后路面积水，下水道堵塞排不出去",
    "municipal.flooding": "暴雨后小区地下车库大面积内涝，需要排水",  # complex: 15 working days, same lead kind
    "traffic.parking": "消防通道长期被私家车占用停放",
    "housing.property": "物业不按合同维修电梯，业主多次反映无果",
    "labour.wages": "公司拖欠三个月工资，老板不接电话",
    "other.other": "想反映一个不知道归谁管的问题，小区里的公共设施损坏",
}
EMERGENCY = "家里厨房燃气泄漏，闻到很浓的煤气味，老人在家"
TYPES = ("complaint", "help", "consultation", "report", "suggestion")
CALENDAR_2027 = yaml.safe_load((Path(__file__).parents[1] / "data" / "calendar_2027.yaml").read_text("utf-8"))
Step = Callable[[World], Awaitable[None]]


def _order(w: World, category: str | None = None) -> dict[str, Any]:
    """A call's facts; one in five under a category an administrator added (perhaps retired since: refused)."""
    if category is None and w.new_categories and w.rnd.random() < 0.2:
        category = w.rnd.choice(sorted(w.new_categories))
    category = category or w.rnd.choice(list(CATEGORIES))
    text = CATEGORIES.get(category) or w.new_categories[category]
    return {"category": category, "work_order_type": w.rnd.choice(TYPES), "description": text,
            "region_code": w.rnd.choice(w.communities), "address": "某小区某栋"}


async def _opened(w: World, response, resident: int | None = None) -> None:
    if response.status_code == 201:
        case_id = response.json()["id"]
        w.category[case_id] = response.json()["category"]["code"]
        w.cases.append(case_id)
        w.touched.add(case_id)
        if resident is not None:
            w.requester_of[case_id] = resident


async def hotline_call(w: World) -> None:
    """An agent logs a call: a new caller, a repeat caller, a duplicate of a recent call, an emergency, a bad
    address, or a call held at the centre."""
    body = _order(w)
    shape = w.rnd.choices(["new", "repeat", "duplicate", "emergency", "bad_address", "hold"], [8, 3, 3, 1, 1, 1])[0]
    body["caller_phone"] = w.rnd.choice(w.phones) if shape == "repeat" and w.phones else w.new_phone()
    if shape == "duplicate" and w.cases:
        source = await w.read(w.rnd.choice(w.cases[-20:]))
        if source is not None:
            body.update(category=source["category"]["code"], description=source["description"],
                        region_code=source["location"]["region_code"])
    elif shape == "emergency":
        body.update(category="utility.gas", description=EMERGENCY, work_order_type="help")
    elif shape == "bad_address":
        body["region_code"] = f"{DISTRICT}999999"
    elif shape == "hold":
        body["hold"] = True
    w.note(f"hotline call ({shape}): {body['category']} at {body['region_code']}")
    await _opened(w, await w.call("POST", "/hotline/orders", w.rnd.choice(w.agents), json=body))


async def resident_report(w: World) -> None:
    """A resident reports from the app."""
    index = w.rnd.randrange(len(w.residents))
    body = _order(w)
    del body["category"]  # the app's report names no category when the resident does not know it
    if w.rnd.random() < 0.7:
        body["category"] = w.rnd.choice(list(CATEGORIES))
    w.note(f"resident {index} reports: {body.get('category')}")
    await _opened(w, await w.call("POST", "/reports", w.residents[index][1], json=body), index)


def _unit_body(w: World, case: dict[str, Any], action: str) -> dict[str, Any]:
    lead = case["lead_unit"]["id"] if case["lead_unit"] else None
    bodies: dict[str, Any] = {
        "return": lambda: {"reason": "不属于本单位职责范围", "legal_basis": "三定方案", "suggested_unit_id":
                           w.other_unit(lead)},
        "request_extension": lambda: {"days": w.rnd.randint(1, 6), "reason": "需协调多个部门",
                                      "basis": "办理规范第十条"},
        "add_co_handler": lambda: {"unit_id": w.other_unit(lead)},
        "contribute": lambda: {"text": "已配合现场核查"},
        "reply": lambda: {"text": "已现场处理完毕", "signer": "王科长"},
    }
    return bodies[action]() if action in bodies else {}


async def unit_staff(w: World) -> None:
    """Staff of a unit with an active assignment sign, start, return, ask for more time, bring in a co-handler,
    contribute or reply."""
    case_id = w.pick_case()
    case = await w.read(case_id) if case_id else None
    units = [a["unit"]["id"] for a in case["assignments"] if a["active"]] if case else []
    if not units:
        return
    staff = await w.staff_of(w.rnd.choice(units))
    mine = await w.read(case["id"], staff)
    if mine is None:
        return
    offered = [a for a in mine["allowed_actions"] if a in {"sign", "start", "return", "request_extension",
                                                            "add_co_handler", "contribute", "reply"}]
    if w.rnd.random() < 0.05:  # now and then something not offered: it must be refused, and write nothing
        offered = ["reply", "sign", "request_extension"]
    if not offered:
        return
    weights = {"sign": 6, "start": 5, "reply": 5, "contribute": 3, "return": 1, "request_extension": 1,
               "add_co_handler": 1}
    action = w.rnd.choices(offered, [weights[a] for a in offered])[0]
    await w.act(staff, mine, action, _unit_body(w, mine, action))


async def dispatcher(w: World) -> None:
    """The centre reviews returns, decides extensions, re-dispatches, merges duplicates and closes replies."""
    case_id = w.pick_case()
    headers = w.rnd.choice(w.dispatchers)
    case = await w.read(case_id, headers) if case_id else None
    if case is None:
        return
    offered = [a for a in case["allowed_actions"] if a in {
        "dispatch", "accept_return", "reject_return", "approve_extension", "deny_extension", "redispatch",
        "add_co_handler", "merge", "callback", "close"}]
    if not offered:
        return
    weights = {"dispatch": 5, "accept_return": 3, "reject_return": 2, "approve_extension": 3, "deny_extension": 2,
               "redispatch": 1, "add_co_handler": 1, "merge": 1, "callback": 4, "close": 1}
    action = w.rnd.choices(offered, [weights[a] for a in offered])[0]
    lead = case["lead_unit"]["id"] if case["lead_unit"] else None
    body: dict[str, Any] = {}
    if action in ("reject_return", "deny_extension"):
        body = {"reason": "理由不充分，请继续办理"}
    elif action == "redispatch":
        body = {"unit_id": w.other_unit(lead), "reason": "改派更合适的单位"}
    elif action == "add_co_handler":
        body = {"unit_id": w.other_unit(lead)}
    elif action == "merge":
        same = [c for c in w.cases[-40:] if w.category.get(c) == case["category"]["code"] and c != case["id"]]
        masters = same if same and w.rnd.random() < 0.8 else [c for c in w.cases[-40:] if c != case["id"]]
        if not masters:
            return
        body = {"master_case_id": w.rnd.choice(masters), "reason": "重复来电"}
    elif action == "callback":
        body = _callback(w)
    await w.act(headers, case, action, body)


def _callback(w: World) -> dict[str, Any]:
    if w.rnd.random() < 0.25:
        return {"reached": False}
    satisfaction = w.rnd.choices(["satisfied", "basically_satisfied", "dissatisfied"], [5, 2, 2])[0]
    return {"reached": True, "solved": satisfaction != "dissatisfied", "satisfaction": satisfaction,
            "unit_at_fault": satisfaction == "dissatisfied" and w.rnd.random() < 0.6}


async def agent_callback(w: World) -> None:
    """An agent calls a requester back after the reply (一事一评), or withdraws a case the caller gave up."""
    case_id = w.pick_case()
    headers = w.rnd.choice(w.agents)
    case = await w.read(case_id, headers) if case_id else None
    if case is None:
        return
    if "callback" in case["allowed_actions"]:
        await w.act(headers, case, "callback", _callback(w))
    elif "withdraw" in case["allowed_actions"] and w.rnd.random() < 0.1:
        await w.act(headers, case, "withdraw", {"reason": "来电人表示问题已自行解决"})


async def resident_rates(w: World) -> None:
    """A resident rates the reply to their own case, or withdraws it."""
    mine = [(c, r) for c, r in w.requester_of.items()]
    if not mine:
        return
    case_id, index = w.rnd.choice(mine[-30:])
    headers = w.residents[index][1]
    case = await w.read(case_id, headers)
    if case is None:
        raise AssertionError(f"resident {index} cannot read their own case {case_id}")
    if "rate" in case["allowed_actions"]:
        satisfaction = w.rnd.choice(["satisfied", "basically_satisfied", "dissatisfied"])
        await w.act(headers, case, "rate", {"solved": satisfaction != "dissatisfied", "satisfaction": satisfaction})
    elif "withdraw" in case["allowed_actions"] and w.rnd.random() < 0.2:
        await w.act(headers, case, "withdraw", {"reason": "已自行解决"})


async def reroute(w: World) -> None:
    """A dispatcher corrects the category, the place or the urgency; the router runs again."""
    case_id = w.pick_case()
    case = await w.read(case_id) if case_id else None
    if case is None or case["status"] not in ("received", "dispatched", "signed", "in_progress"):
        return
    change = w.rnd.choice(["category", "region_code", "urgency"])
    value = {"category": lambda: w.rnd.choice(list(CATEGORIES)), "region_code": lambda: w.rnd.choice(w.communities),
             "urgency": lambda: w.rnd.choice(["normal", "urgent", "critical"])}[change]()
    w.note(f"reroute case {case_id}: {change} -> {value}")
    r = await w.call("PATCH", f"/cases/{case_id}", {**w.rnd.choice(w.dispatchers), "If-Match": f'"{case["version"]}"'},
                 case_id=case_id, json={change: value, "reason": "核实后更正"})
    if r.status_code == 200:
        w.category[case_id] = r.json()["category"]["code"]


async def time_passes(w: World) -> None:
    """Minutes to days go by, and the worker's sweeps run (overdue marks, chases, supervision, lapses)."""
    w.advance(max(1, round(w.rnd.choice([5, 30, 90, 240, 600, 1440, 2880]) * w.pace)))
    from app.worker import run_once

    report = await run_once(w.app.state)
    w.swept_at = w.clock.now()
    if report:
        w.note(f"sweep: {report}")


async def admin_rules(w: World) -> None:
    """An administrator changes a routing rule: another co-handling kind, or another lead kind."""
    category = w.rnd.choice([c for c in CATEGORIES if c != "other.other"])
    page = (await w.call("GET", "/routing/rules", w.admin, params={"category": category})).json()
    rules = [r for r in page.get("items", []) if r["region_code"] is None and r["work_order_type"] is None]
    if not rules:
        return
    rule = rules[0]
    kinds = ["urban_management_bureau", "police_station", "subdistrict_office", "community_workstation",
             "housing_bureau", "water_bureau"]
    if w.rnd.random() < 0.5:
        change: dict[str, Any] = {"co_kinds": w.rnd.sample(kinds, w.rnd.randint(0, 2))}
    else:
        change = {"lead_kind": w.rnd.choice(kinds)}
    w.note(f"admin changes rule {rule['id']} ({category}): {change}")
    await w.call("PATCH", f"/routing/rules/{rule['id']}", {**w.admin, "If-Match": f'"{rule["version"]}"'},
                 json=change)


async def admin_calendar(w: World) -> None:
    """The State Council's notice for 2027 arrives mid-way: provisional deadlines are re-planned."""
    if w.calendar_loaded or w.clock.now().year < 2026:
        return
    w.calendar_loaded = True
    w.note("admin loads the 2027 calendar")
    body = {"source": CALENDAR_2027["source"],
            **{k: [{"date": str(e["date"]), "name": e.get("name")} for e in CALENDAR_2027[k]]
               for k in ("holidays", "workdays")}}
    await w.call("PUT", "/calendar/years/2027", w.admin, json=body)


# Kinds a city adds a second unit of, or closes one of (机构改革), by level: a subdistrict's or the district's.
SECOND_UNIT_KINDS = {"subdistrict": ("police_station", "subdistrict_office", "civil_affairs_station"),
                     "district": ("urban_management_bureau", "ecology_environment_bureau", "water_bureau",
                                  "housing_bureau")}


def _pick(w: World, weights: dict[str, int]) -> str:
    """One of the choices with a positive weight (Hypothesis's Random ignores `choices`' weights, so a choice of
    weight 0 is left out rather than weighed)."""
    names = [name for name, weight in weights.items() if weight > 0]
    return w.rnd.choices(names, [weights[name] for name in names])[0]


async def _units_csv(w: World) -> tuple[list[str], list[dict[str, str]]]:
    r = await w.call("GET", "/admin/exports/units.csv", w.admin)
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    return list(rows[0].keys()), rows


async def admin_units(w: World) -> None:
    """An administrator imports units (机构改革): a second unit of a kind for a subdistrict or the district, or
    retires one (most often one with an active sibling of its kind and place, which takes its open cases; now and
    then one without, which is refused while it holds open cases no other unit could take), or moves a
    subdistrict's unit to another subdistrict (its open cases there go to a sibling, or the import is refused), or
    restores a retired one. Through POST /admin/imports, now and then as a dry run first."""
    header, rows = await _units_csv(w)
    ours = [r for r in rows if r["code"].startswith(DISTRICT) or r["code"].startswith("sim-")]
    active = [r for r in ours if r["active"] == "1"]
    siblings: dict[tuple[str, str], list[dict[str, str]]] = {}
    for r in active:
        siblings.setdefault((r["kind"], r["region_code"]), []).append(r)
    paired = [r for group in siblings.values() if len(group) > 1 for r in group]
    retired = [r for r in ours if r["active"] == "0"]
    movable = [r for r in active if r["kind"] in SECOND_UNIT_KINDS["subdistrict"]]
    shape = _pick(w, {"add": 4, "retire": 4 if paired else 0, "retire_alone": 1, "restore": 3 if retired else 0,
                      "move": 2 if movable else 0})
    if shape == "add":
        level = w.rnd.choice(list(SECOND_UNIT_KINDS))
        kind = w.rnd.choice(SECOND_UNIT_KINDS[level])
        region = DISTRICT + "000000" if level == "district" else w.rnd.choice(
            sorted({c[:9] + "000" for c in w.communities}))
        w.unit_seq += 1
        row = {k: "" for k in header} | {"code": f"sim-{kind}-{region}-{w.unit_seq}", "kind": kind,
                                         "name": f"模拟{kind}{region}第{w.unit_seq}单位", "region_code": region,
                                         "webhook_active": "1", "active": "1"}
    elif shape == "restore":
        row = {**w.rnd.choice(retired), "active": "1"}
    elif shape == "move":
        row = w.rnd.choice(movable)
        elsewhere = sorted({c[:9] + "000" for c in w.communities} - {row["region_code"]})
        row = {**row, "region_code": w.rnd.choice(elsewhere)}
    else:
        pool = paired if shape == "retire" else [r for r in active if r["kind"] in
                                                  SECOND_UNIT_KINDS["subdistrict"] + SECOND_UNIT_KINDS["district"]]
        row = {**w.rnd.choice(pool), "active": "0"}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerow(row)
    files = [("files", ("units.csv", out.getvalue().encode()))]
    w.note(f"admin imports units ({shape}): {row['code']} active={row['active']} at {row['region_code']}")
    if w.rnd.random() < 0.3:
        await w.call("POST", "/admin/imports", w.admin, params={"dry_run": "true"}, files=files)
    r = await w.call("POST", "/admin/imports", w.admin, files=files)
    if r.status_code == 200:
        before = dict(w.unit_region), set(w.retired)
        await w.units_changed()
        changed = {u for u, region in w.unit_region.items() if before[0].get(u) != region} | (w.retired - before[1])
        async with w.app.state.sessionmaker() as session:  # the cases they hold: checked after this step
            w.touched |= set((await session.execute(select(Assignment.case_id).where(
                Assignment.unit_id.in_(changed), Assignment.active.is_(True)))).scalars())
        moved = r.json()["changes"].get("units", {}).get("open_cases_rerouted") or 0
        w.stats.count(w.stats.actions, f"admin_units: {shape}" + (" (cases moved)" if moved else ""))


# Groups an administrator adds a leaf category under, with the kind that leads it (a routing rule in the same
# import) and what a caller says about it.
NEW_CATEGORIES = {"env": ("ecology_environment_bureau", "小区附近新开的洗车店污水直排雨水井"),
                  "city": ("urban_management_bureau", "街边共享单车乱停放，堵住人行道"),
                  "municipal": ("water_bureau", "小区二次供水水箱长期不清洗，水有异味")}


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


async def admin_categories(w: World) -> None:
    """An administrator imports the catalogue: a new leaf category under a group with its routing rule (so new
    calls land there), or retires one added before (its open cases keep it; new calls under it are refused), or
    restores one."""
    r = await w.call("GET", "/admin/exports/categories.csv", w.admin)
    rows = {row["code"]: row for row in csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")))}
    added = [code for code in w.new_categories if code in rows]
    shape = _pick(w, {"add": 3, "retire": 2 if added else 0, "restore": 1 if added else 0})
    files = []
    if shape == "add":
        group = w.rnd.choice(list(NEW_CATEGORIES))
        w.unit_seq += 1
        code = f"{group}.sim{w.unit_seq}"
        row = {k: "" for k in next(iter(rows.values()))} | {
            "code": code, "name": f"模拟新增分类{w.unit_seq}", "name_en": f"Simulated {w.unit_seq}",
            "parent_code": group, "sort": "90", "active": "1"}
        rule = {"category_code": code, "region_code": "", "work_order_type": "",
                "lead_kind": NEW_CATEGORIES[group][0],
                "co_kinds": w.rnd.choice(["", "subdistrict_office", "community_workstation"]),
                "handling_class": "standard", "priority": "100", "active": "1", "note": "模拟"}
        files = [("files", ("categories.csv", _csv([row]))), ("files", ("routing_rules.csv", _csv([rule])))]
    else:
        code = w.rnd.choice(added)
        files = [("files", ("categories.csv", _csv([{**rows[code], "active": "0" if shape == "retire" else "1"}])))]
    w.note(f"admin imports categories ({shape}): {code}")
    r = await w.call("POST", "/admin/imports", w.admin, files=files)
    if r.status_code == 200:
        w.stats.count(w.stats.actions, f"admin_categories: {shape}")
        if shape == "add":
            w.new_categories[code] = NEW_CATEGORIES[code.split(".")[0]][1]


STEPS: dict[str, tuple[Step, int]] = {
    "hotline_call": (hotline_call, 20), "resident_report": (resident_report, 5), "unit_staff": (unit_staff, 30),
    "dispatcher": (dispatcher, 14), "agent_callback": (agent_callback, 8), "resident_rates": (resident_rates, 4),
    "reroute": (reroute, 4), "time_passes": (time_passes, 12), "admin_rules": (admin_rules, 1),
    "admin_calendar": (admin_calendar, 1), "admin_units": (admin_units, 1),
    "admin_categories": (admin_categories, 1),
    # Residence registration for rental housing (tests/simulation/housing.py).
    "housing_filing": (housing.housing_filing, 3), "housing_station": (housing.housing_station, 5),
    # Volunteers and the time bank (tests/simulation/timebank.py), social aid (tests/simulation/aid.py), people's
    # mediation (tests/simulation/mediation.py).
    "volunteering": (timebank.volunteering, 4), "timebank_move": (timebank.timebank_move, 1),
    "aid": (aid.aid_step, 3), "mediation": (mediation.mediation_step, 2),
    # One-stop affairs (tests/simulation/affair.py).
    "affair": (affair.affair_step, 6),
    # Home-based elderly care (tests/simulation/eldercare.py).
    "eldercare": (eldercare.care_step, 4),
}
