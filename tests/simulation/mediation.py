"""People's mediation (人民调解) in the simulated district: a resident files a dispute with a neighbour (now and then
one the other side refused, which must be refused and write nothing); the committee of the place holds sessions,
drafts an agreement, has every party and the mediator sign it (now and then seals too early: refused), seals it,
and the parties apply for judicial confirmation inside the window; or the mediation fails, or the dispute is handed
on. What the kind guarantees is checked after every step on the disputes a step or a sweep touched.
"""

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from app.models import Case, CaseEvent
from tests import factories as f
from tests.idnumbers import make_id
from tests.simulation.kinds import Timeline, as_lead_sees_it, of_kind, stage_chain
from tests.simulation.world import DISTRICT, Violation, World

NAMES = ("李建华", "王秀兰", "陈小红", "黄敏", "赵磊", "周婷", "张三", "刘洋")
DISPUTES = {"neighbours": ("楼上卫生间漏水致楼下天花板霉变，多次协商未果", "修复防水并赔偿修缮费"),
            "property_management": ("物业公司长期不维修电梯，业主拒交物业费引发纠纷", "限期维修电梯"),
            "tenancy": ("房东提前收回房屋，拒不退还押金", "退还押金 3000 元"),
            "consumer": ("装修公司延期交付且质量不合格", "返工并赔偿损失"),
            "debt": ("朋友借款两万元到期未还", "归还借款")}
COMMITTEE = {"hold_session": 5, "draft_agreement": 3, "sign_agreement": 6, "seal_agreement": 3,
             "apply_confirmation": 1, "record_confirmation": 1, "fail": 0.4, "transfer": 0.3, "answer_handoff": 2}
AFTER_SEAL = ("agreement_effective", "confirmation_applied", "confirmed", "confirmation_refused")


async def _count(w: World) -> int:
    async with w.app.state.sessionmaker() as session:
        return (await session.execute(select(func.count()).select_from(Case).where(Case.kind == "mediation"))
                ).scalar_one()


async def file(w: World) -> int | None:
    """A resident files a dispute with one or two others; now and then a respondent has refused mediation."""
    region = w.rnd.choice(w.communities)
    uid = await f.user(w.app, "resident", username=w.new_phone(), name=w.rnd.choice(NAMES))
    headers = f.bearer(w.app, uid, "resident")
    birth = date(w.rnd.randint(1950, 1998), w.rnd.randint(1, 12), w.rnd.randint(1, 28))
    r = await w.call("POST", "/people/me", headers, json={
        "name": w.rnd.choice(NAMES), "region_code": region,
        "id_number": make_id(DISTRICT, birth, seq=w.rnd.randint(1, 400), male=w.rnd.random() < 0.5)})
    if r.status_code not in (200, 201):
        return None
    refused = w.rnd.random() < 0.1
    kind = w.rnd.choice(sorted(DISPUTES))
    parties = [{"person_id": r.json()["id"], "role": "applicant", "consents": True}]
    for n in range(w.rnd.choice([1, 1, 2])):
        parties.append({"name": w.rnd.choice(NAMES), "phone": w.new_phone(), "role": "respondent",
                        "consents": not (refused and n == 0)})
    body = {"dispute_type": kind, "facts": DISPUTES[kind][0], "claims": DISPUTES[kind][1], "region_code": region,
            "address": "某小区某栋", "parties": parties}
    w.note(f"mediation filed ({kind}{', a party refuses' if refused else ''}) at {region}")
    before = await _count(w)
    r = await w.call("POST", "/mediation/cases", headers, json=body)
    if r.status_code >= 400 and await _count(w) != before:
        raise Violation("refusals_write_nothing", f"a refused dispute ({r.status_code}) wrote a case")
    if refused and r.status_code < 400:
        raise Violation("mediation_consent_required", f"a dispute a party refused was taken: {r.text[:300]}")
    if r.status_code != 201:
        return None
    w.mediation.append(r.json()["id"])
    w.touched.add(r.json()["id"])
    return r.json()["id"]


def _unsigned(case: dict[str, Any]) -> list[dict[str, Any]]:
    """Who has yet to sign the drafted agreement: the parties by index, and the mediator."""
    signatures = (case["payload"].get("agreement") or {}).get("signatures") or {}
    left: list[dict[str, Any]] = [{"party": i} for i in range(len(case["payload"]["parties"]))
                                  if i not in signatures.get("parties", [])]
    return left + ([] if signatures.get("mediator") else [{"mediator": True}])


def _body(w: World, case: dict[str, Any], action: str) -> dict[str, Any]:
    today = w.today()
    names = [p["name"] for p in case["payload"]["parties"]]
    if action == "hold_session":
        return {"held_on": today.isoformat(), "participants": names, "mediator": "调解员老陈",
                "notes": "双方陈述事实，调解员释法明理"}
    if action == "draft_agreement":
        return {"facts": case["payload"]["facts"][:60], "disputed_matters": "责任与赔偿",
                "responsibilities": "被申请人承担",
                "terms": [{"term": "赔偿修缮费 2500 元", "method": "银行转账",
                           "deadline": (today + timedelta(days=14)).isoformat()}], "mediator": "调解员老陈"}
    if action == "sign_agreement":
        left = _unsigned(case)
        if left and w.rnd.random() < 0.9:
            return w.rnd.choice(left)
        return w.rnd.choice([{"mediator": True}, {"party": w.rnd.randrange(len(names))}])  # again: refused
    if action == "seal_agreement":
        return {"seal_no": f"调印-{case['id']}"}
    if action == "apply_confirmation":
        return {"applicants": list(range(len(names))) if w.rnd.random() < 0.9 else [0], "court": "福田区人民法院"}
    if action == "record_confirmation":
        return {"result": "confirmed" if w.rnd.random() < 0.8 else "refused",
                "ruling_no": f"(2026)粤0304民特{case['id']}号"}
    if action == "fail":
        return {"reason": w.rnd.choice(["party_refused", "no_agreement", "party_absent"]), "note": "双方分歧较大"}
    if action == "transfer":
        return {"to": w.rnd.choice(["police", "court", "petitions"]), "reason": "纠纷有激化风险，移交处理"}
    return {"text": "已依法处理并告知当事人", "signer": "王科长"}


async def committee(w: World) -> None:
    """The committee (or the unit a dispute was handed to) acts on a dispute as the API offers."""
    if not w.mediation:
        await file(w)
        return
    found = await as_lead_sees_it(w, w.mediation)
    if found is None:
        return
    case, staff, seen = found
    offered = [a for a in seen["allowed_actions"] if a in COMMITTEE]
    if seen.get("stage") == "agreement_drafted" and w.rnd.random() < 0.1:
        offered = ["seal_agreement"]  # sealed before every signature: refused unless all have signed
    if not offered:
        return
    if "sign_agreement" in offered and not _unsigned(seen) and len(offered) > 1 and w.rnd.random() < 0.9:
        offered.remove("sign_agreement")  # everyone has signed: the committee seals
    action = w.rnd.choices(offered, [COMMITTEE[a] for a in offered])[0]
    await w.act(staff, seen, action, _body(w, seen, action))


async def mediation_step(w: World) -> None:
    """Step: a resident files a dispute (one time in four), or a committee acts on one."""
    if w.rnd.random() < 0.25:
        await file(w)
    else:
        await committee(w)


# --- invariants -------------------------------------------------------------------------------------------------

def _fail(name: str, case: Case, detail: str) -> None:
    raise Violation(name, f"mediation case {case.id} ({case.stage}): {detail}")


def agreement_effective_only_when_signed(case: Case, events: list[CaseEvent]) -> None:
    """A sealed agreement was signed by every party and the mediator, each once, after its last draft and before
    the seal; sessions are numbered in order and none is dated after it was recorded; a judicial confirmation was
    applied for jointly, inside the window the seal opened."""
    p = case.payload
    sessions = p.get("sessions", [])
    if [s["no"] for s in sessions] != list(range(1, len(sessions) + 1)):
        _fail("mediation_agreement_effective_only_when_signed", case, f"sessions {[s['no'] for s in sessions]}")
    agreement = p.get("agreement") or {}
    sealed = case.stage in AFTER_SEAL or agreement.get("effective_at") is not None
    if not sealed:
        return
    signatures = agreement.get("signatures") or {}
    parties = list(range(len(p["parties"])))
    drafts = [e for e in events if e.type == "draft_agreement"]
    seals = [e for e in events if e.type == "seal_agreement"]
    signs = [e for e in events if e.type == "sign_agreement" and drafts and seals and drafts[-1].id < e.id
             < seals[-1].id]
    if sorted(signatures.get("parties", [])) != parties or not signatures.get("mediator") or not seals \
            or len(signs) != len(parties) + 1 or len(signatures.get("log", [])) != len(parties) + 1:
        _fail("mediation_agreement_effective_only_when_signed", case,
              f"signatures {signatures.get('parties')} mediator {signatures.get('mediator')}, "
              f"{len(signs)} signing events before the seal")
    confirmation = p.get("confirmation")
    if confirmation is not None:
        ends = datetime.fromisoformat(agreement["confirmation_window_ends"])
        applied = datetime.fromisoformat(confirmation["at"])
        if sorted(confirmation["applicants"]) != parties or applied > ends:
            _fail("mediation_agreement_effective_only_when_signed", case,
                  f"confirmation by {confirmation['applicants']} at {applied}, window ends {ends}")


MEDIATION_INVARIANTS = ("mediation_stage_replays_the_timeline", "mediation_agreement_effective_only_when_signed")


async def check_mediation(w: World, loaded: Timeline) -> None:
    """The kind's invariants on the disputes among these (read once by `check_cases`)."""
    for case, mine in of_kind(loaded, "mediation"):
        stage_chain("mediation_stage_replays_the_timeline", case, mine, "accepted")
        agreement_effective_only_when_signed(case, mine)
        for name in MEDIATION_INVARIANTS:
            w.stats.count(w.stats.checks, name)
