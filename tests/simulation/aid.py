"""Social aid (社会救助) in the simulated district: residents apply for 低保 or temporary aid at their place of
registration; the subdistrict's civil-affairs station accepts or lists missing materials, checks the household
(now and then finding other incomes, which changes the result), posts the notice, and decides. Now and then the
station approves against the latest check: refused unless a leader (分管领导) overrides with a reason, which some
do. What the kind guarantees is checked after every step on the applications a step or a sweep touched.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from app.models import Case, CaseEvent, User
from tests import factories as f
from tests.idnumbers import make_id
from tests.simulation.kinds import Timeline, as_lead_sees_it, leader_ids, of_kind, signed_off
from tests.simulation.world import DISTRICT, Violation, World

NAMES = ("李建华", "王秀兰", "陈小红", "黄敏", "赵磊", "周婷")
INCOMES = ("300", "800", "1200", "1500", "2340", "2350", "3000", "6000")
STATION = {"accept": 4, "request_materials": 1, "supplement": 3, "record_check": 5, "publish_notice": 4,
           "object": 1, "approve": 5, "reject": 1}


def _members(person_id: int, income: str, spouse_income: str) -> list[dict[str, Any]]:
    return [{"person_id": person_id, "relationship": "applicant", "monthly_income": income},
            {"name": "王芳", "relationship": "spouse", "birth_date": "1980-05-01", "monthly_income": spouse_income}]


async def apply(w: World) -> int | None:
    """A resident binds themselves to the register and applies for 低保 (or temporary aid for an expense)."""
    region = w.rnd.choice(w.communities)
    phone = w.new_phone()
    uid = await f.user(w.app, "resident", username=phone, name=w.rnd.choice(NAMES))
    headers = f.bearer(w.app, uid, "resident")
    birth = date(w.rnd.randint(1950, 1995), w.rnd.randint(1, 12), w.rnd.randint(1, 28))
    r = await w.call("POST", "/people/me", headers, json={
        "name": w.rnd.choice(NAMES), "region_code": region,
        "id_number": make_id(DISTRICT, birth, seq=w.rnd.randint(1, 400), male=w.rnd.random() < 0.5)})
    if r.status_code not in (200, 201):
        return None
    person = r.json()["id"]
    scheme = "temporary" if w.rnd.random() < 0.3 else "dibao"
    body: dict[str, Any] = {"scheme": scheme, "region_code": region,
                            "members": _members(person, w.rnd.choice(INCOMES), w.rnd.choice(INCOMES[:5])),
                            "assets": {"savings": str(w.rnd.choice([0, 5000, 20000, 80000])), "properties": 1}}
    if scheme == "temporary":
        body["temporary"] = {"type": "expense", "amount": str(w.rnd.choice([2000, 8000, 20000])),
                             "description": "家人住院，医疗费用支出较大"}
    w.note(f"aid application ({scheme}) at {region}")
    r = await w.call("POST", "/aid/applications", headers, json=body)
    if r.status_code != 201:
        return None
    case_id = r.json()["id"]
    w.aid.append(case_id)
    w.aid_bodies[case_id] = body
    w.touched.add(case_id)
    return case_id


async def leader_of(w: World, unit: int) -> dict[str, str]:
    """A leader (分管领导) of the unit's staff, made when first needed."""
    if unit not in w.leaders:
        uid = await f.user(w.app, "unit_staff", unit=unit, name="分管领导")
        async with w.app.state.sessionmaker() as session:
            user = await session.get(User, uid)
            assert user is not None
            user.leader = True
            await session.commit()
        w.leaders[unit] = f.bearer(w.app, uid, "unit_staff")
    return w.leaders[unit]


def _entitlement(case: dict[str, Any]) -> tuple[bool, Decimal | None]:
    latest = case["payload"]["eligibility"]
    return bool(latest["eligible"]), Decimal(latest["entitlement"]) if latest.get("entitlement") else None


async def decide(w: World, case: dict[str, Any], staff: dict[str, str]) -> None:
    """Approve: as the latest check says (the entitlement, when it gives one), or now and then against it, which
    only a leader's override with a reason gets through."""
    eligible, entitled = _entitlement(case)
    amount = entitled if entitled is not None else Decimal(w.rnd.choice([500, 1000, 3000]))
    # Temporary aid's check gives no amount: any amount an eligible household is approved is by the check.
    against = not eligible or (entitled is not None and w.rnd.random() < 0.2)
    if against and eligible:
        amount = amount + Decimal(w.rnd.choice([100, 300]))  # another amount than the check gives
    body: dict[str, Any] = {"amount": str(amount)}
    headers = staff
    if against:
        how = w.rnd.choices(["plain", "leader", "no_reason", "not_leader"], [3, 3, 1, 1])[0]
        if how == "leader":
            headers = await leader_of(w, case["lead_unit"]["id"])
            body["override"] = {"reason": "经集体评议，家庭存在特殊困难，予以批准"}
        elif how == "no_reason":
            headers = await leader_of(w, case["lead_unit"]["id"])
            body["override"] = {"reason": "特"}
        elif how == "not_leader":
            body["override"] = {"reason": "经集体评议，予以批准"}
        w.note(f"aid {case['id']}: approve {amount} against the check ({how})")
    r = await w.act(headers, case, "approve", body)
    if against and r.status_code < 400 and "override" not in body:
        raise Violation("aid_approval_holds_to_the_check", f"case {case['id']}: approved against the check "
                                                           f"without an override: {r.text[:300]}")


def _body(w: World, case: dict[str, Any], action: str) -> dict[str, Any]:
    if action == "request_materials":
        return {"items": [{"name": "户口簿复印件"}, {"name": "收入证明", "detail": "近六个月"}]}
    if action == "supplement":
        return {"materials": ["户口簿复印件", "收入证明"]}
    if action == "record_check":
        body: dict[str, Any] = {"findings": "入户调查：家庭成员及收入情况已核实", "visited_on": w.today().isoformat()}
        original = w.aid_bodies.get(case["id"])
        if original is not None and w.rnd.random() < 0.4:  # the check finds other incomes than declared
            applicant = original["members"][0]["person_id"]
            body["members"] = _members(applicant, w.rnd.choice(INCOMES), w.rnd.choice(INCOMES[:5]))
        return body
    if action == "publish_notice":
        return {"place": "社区居务公开栏"}
    if action == "object":
        return {"text": "反映其家庭有经营收入未申报", "by": "邻居"}
    if action == "reject":
        return {"reasons": "经核查，家庭人均收入高于当地低保标准", "legal_basis": "《社会救助暂行办法》第九条"}
    return {}


async def station(w: World) -> None:
    """The station that leads an application acts on it as the API offers; the community brings materials in; an
    agent records an objection during the notice."""
    if not w.aid:
        await apply(w)
        return
    found = await as_lead_sees_it(w, w.aid)
    if found is None:
        return
    case, staff, seen = found
    agent = w.rnd.choice(w.agents)
    offered = [(a, staff) for a in seen["allowed_actions"] if a in STATION and a != "object"]
    if "object" in case["allowed_actions"] and w.rnd.random() < 0.5:
        offered.append(("object", agent))
    if not offered:
        return
    action, headers = w.rnd.choices(offered, [STATION[a] for a, _ in offered])[0]
    if action == "approve":
        await decide(w, seen, staff)
    else:
        await w.act(headers, seen, action, _body(w, seen, action))


async def aid_step(w: World) -> None:
    """Step: a resident applies (one time in four), or a station acts on an application."""
    if w.rnd.random() < 0.25:
        await apply(w)
    else:
        await station(w)


# --- invariants -------------------------------------------------------------------------------------------------

def departures(eligibility: dict[str, Any], amount: Decimal) -> list[str]:
    """How an approval of `amount` departs from a check: ineligible, or another amount than its entitlement."""
    found = [] if eligibility["eligible"] else ["check_ineligible"]
    if eligibility.get("entitlement") is not None and amount != Decimal(eligibility["entitlement"]):
        found.append("amount_not_entitlement")
    return found


def approval_holds_to_the_check(case: Case, events: list[CaseEvent], leaders: set[int]) -> None:
    """An approval that departs from the latest check carries a leader's override with a reason, and the timeline
    has its `override` event, at the approval's instant, naming the same departures; an override event is always
    followed by the decision it signed off."""
    decision = case.payload.get("decision") or {}
    approvals = [e for e in events if e.type == "approve"]
    overrides = [e for e in events if e.type == "override" and (e.data or {}).get("decision") == "approve"]
    for o in overrides:
        if not any(a.at == o.at and a.id > o.id for a in approvals):
            raise Violation("aid_approval_holds_to_the_check", f"case {case.id}: override {o.id} without its approval")
    if case.stage != "approved" or decision.get("result") != "approved":
        return
    found = departures(case.payload["eligibility"], Decimal(decision["amount"]))
    if not found:
        return
    override = decision.get("override") or {}
    last = approvals[-1] if approvals else None
    signed = [o for o in overrides if last is not None and o.at == last.at and o.id < last.id]
    codes = sorted(d["code"] for d in (signed[-1].data or {}).get("departures", [])) if signed else []
    if not signed_off(override, leaders) or codes != sorted(found):
        raise Violation("aid_approval_holds_to_the_check",
                        f"case {case.id}: approved {decision['amount']} against the check ({found}); override "
                        f"{override or None}, override events {codes}")


async def check_aid(w: World, loaded: Timeline) -> None:
    """The kind's invariants on the aid applications among these (read once by `check_cases`)."""
    cases = of_kind(loaded, "aid")
    if not cases:
        return
    leaders = await leader_ids(w)
    for case, mine in cases:
        approval_holds_to_the_check(case, mine, leaders)
        w.stats.count(w.stats.checks, "aid_approval_holds_to_the_check")
