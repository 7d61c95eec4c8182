"""People's mediation through HTTP: a neighbour dispute mediated to a signed, sealed agreement and tracked
through its 30-day confirmation window; the disputes it may not take; failure and hand-offs."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.models import Case
from app.supervision.service import expire_stages
from tests import care
from tests import factories as f
from tests.factories import act_latest as _act

ZONE = ZoneInfo("Asia/Shanghai")


def end_of(y, m, d) -> str:
    return datetime(y, m, d, 23, 59, 59, tzinfo=ZONE).astimezone(UTC).isoformat().replace("+00:00", "Z")


def dispute(applicant_id: int, **extra) -> dict:
    return {"dispute_type": "neighbours", "facts": "楼上卫生间漏水致楼下天花板霉变，多次协商未果",
            "claims": "修复防水并赔偿天花板修缮费 3000 元", "region_code": care.YUANDONG,
            "address": "园东花园 3 栋", "parties": [
                {"person_id": applicant_id, "role": "applicant", "consents": True},
                {"name": "张三", "phone": "13700137001", "role": "respondent", "consents": True}], **extra}


async def _resident_party(client, app) -> tuple[dict, dict]:
    resident = await f.login_as(app, "resident", username="13912340031")
    r = await client.post("/people/me", json={"name": "李建华", "id_number": care.ADULT_ID,
                                              "region_code": care.YUANDONG}, headers=resident)
    return resident, r.json()


AGREEMENT = {"facts": "楼上卫生间防水层老化导致渗漏", "disputed_matters": "维修责任与赔偿金额",
             "responsibilities": "张三承担维修责任及全部修缮费用",
             "terms": [{"term": "修复卫生间防水", "method": "委托有资质的施工队", "deadline": "2026-12-10"},
                       {"term": "赔偿天花板修缮费 2500 元", "method": "银行转账", "deadline": "2026-12-05"}],
             "mediator": "刘调解员"}


async def test_a_neighbour_dispute_reaches_a_sealed_agreement_and_its_confirmation(client, app, clock):
    resident, me = await _resident_party(client, app)
    r = await client.post("/mediation/cases", json=dispute(me["id"]), headers=resident)
    assert r.status_code == 201, r.text
    case = await f.desk(client, app, r.json()["id"])
    committee = await f.unit_by_kind(app, "440304002000", "mediation_committee")
    assert (case["kind"], case["stage"], case["lead_unit"]["id"]) == ("mediation", "accepted", committee)
    assert case["deadlines"]["handle_due"] == end_of(2026, 12, 23)  # one month
    assert case["payload"]["parties"][1]["phone_masked"] == "137****7001"
    assert "13700137001" not in r.text and "phone_cipher" not in r.text
    staff = await f.login_as(app, "unit_staff", unit=committee)

    await _act(client, staff, case["id"], "hold_session", {"held_on": "2026-11-23", "mediator": "刘调解员",
                                                          "participants": ["李建华", "张三"],
                                                          "notes": "双方陈述，现场查看渗漏位置"})
    r = await _act(client, staff, case["id"], "seal_agreement", {"seal_no": "YL-2026-118"}, expect=409)
    assert r["code"] == "no_agreement_drafted"
    await _act(client, staff, case["id"], "draft_agreement", AGREEMENT)
    await _act(client, staff, case["id"], "sign_agreement", {"party": 0})
    r = await _act(client, staff, case["id"], "sign_agreement", {"party": 0}, expect=409)
    assert r["code"] == "already_signed"
    r = await _act(client, staff, case["id"], "seal_agreement", {"seal_no": "YL-2026-118"}, expect=409)
    assert (r["code"], r["detail"]) == ("agreement_unsigned", "尚未签名：张三、调解员；签齐后才能盖章生效")
    r = await _act(client, staff, case["id"], "apply_confirmation", {"applicants": [0, 1], "court": "福田区人民法院"},
                   expect=409)
    assert r["code"] == "agreement_not_effective"
    await _act(client, staff, case["id"], "sign_agreement", {"party": 1})
    await _act(client, staff, case["id"], "sign_agreement", {"mediator": True})
    sealed = await _act(client, staff, case["id"], "seal_agreement", {"seal_no": "YL-2026-118"})
    assert (sealed["status"], sealed["stage"]) == ("replied", "agreement_effective")
    agreement = sealed["payload"]["agreement"]
    assert agreement["confirmation_window_ends"].replace("+00:00", "Z") == end_of(2026, 12, 23)
    assert "自即日起生效" in sealed["reply"]["text"]
    assert "2026-12-23 前共同向人民法院申请司法确认" in sealed["reply"]["text"]
    assert sealed["stage_due"] == end_of(2026, 12, 16)  # the reminder, a week before the window closes

    r = await _act(client, staff, case["id"], "apply_confirmation", {"applicants": [0], "court": "福田区人民法院"},
                   expect=422)
    assert (r["code"], r["errors"][0]["field"]) == ("confirmation_not_joint", "applicants")
    clock.set(datetime(2026, 12, 17, 9, tzinfo=ZONE))
    assert await expire_stages(app.state) == 1
    view = (await client.get(f"/cases/{case['id']}", headers=resident)).json()
    assert (await f.desk(client, app, case["id"]))["timeline"][-1]["type"] == "confirmation_reminder"
    assert "by_user_id" not in str(view["payload"]) and "timeline" not in view
    applied = await _act(client, staff, case["id"], "apply_confirmation", {"applicants": [1, 0],
                                                                          "court": "深圳市福田区人民法院"})
    assert (applied["stage"], applied["stage_due"]) == ("confirmation_applied", None)
    done = await _act(client, staff, case["id"], "record_confirmation", {"result": "confirmed",
                                                                        "ruling_no": "(2026)粤0304民特123号"})
    assert done["stage"] == "confirmed"
    r = await client.post(f"/mediation/cases/{case['id']}/parties/1/reveal", json={"reason": "通知履行协议"},
                          headers=staff)
    assert r.json() == {"index": 1, "name": "张三", "phone": "13700137001"}
    r = await client.post(f"/mediation/cases/{case['id']}/parties/1/reveal", json={"reason": "想看看"},
                          headers=resident)
    assert r.status_code == 403


async def test_the_confirmation_window_closes_after_30_days(client, app, clock):
    resident, me = await _resident_party(client, app)
    case = (await client.post("/mediation/cases", json=dispute(me["id"]), headers=resident)).json()
    committee = await f.unit_by_kind(app, "440304002000", "mediation_committee")
    staff = await f.login_as(app, "unit_staff", unit=committee)
    await _act(client, staff, case["id"], "hold_session", {"held_on": "2026-11-23", "mediator": "刘调解员",
                                                          "participants": ["李建华", "张三"], "notes": "调解"})
    await _act(client, staff, case["id"], "draft_agreement", AGREEMENT)
    for body in ({"party": 0}, {"party": 1}, {"mediator": True}):
        await _act(client, staff, case["id"], "sign_agreement", body)
    await _act(client, staff, case["id"], "seal_agreement", {"seal_no": "YL-2026-119"})
    clock.set(datetime(2026, 12, 24, 0, 5, tzinfo=ZONE))  # the sweep was down: no reminder after the close
    assert await expire_stages(app.state) == 1
    assert await expire_stages(app.state) == 0
    view = (await client.get(f"/cases/{case['id']}", headers=staff)).json()
    assert [e["type"] for e in view["timeline"][-2:]] == ["seal_agreement", "confirmation_window_closed"]
    assert view["stage_due"] is None
    r = await _act(client, staff, case["id"], "apply_confirmation", {"applicants": [0, 1], "court": "福田区人民法院"},
                   expect=409)
    assert r["code"] == "confirmation_window_closed"


async def test_disputes_mediation_may_not_take_are_refused_with_the_route_and_nothing_written(client, app):
    resident, me = await _resident_party(client, app)
    refusing = dispute(me["id"])
    refusing["parties"][1]["consents"] = False
    for body, code, route in (
        (refusing, "mediation_party_refuses", "court"),
        (dispute(me["id"], offence="public_security"), "mediation_offence", "police"),
        (dispute(me["id"], pending_elsewhere="court"), "mediation_pending_elsewhere", "court"),
        (dispute(me["id"], dispute_type="land_rights"), "mediation_reserved", "administrative"),
    ):
        r = await client.post("/mediation/cases", json=body, headers=resident)
        assert (r.status_code, r.json()["code"], r.json()["routes"][0]["code"]) == (422, code, route), r.text
    r = await client.post("/mediation/cases", json=refusing, headers={**resident, "Accept-Language": "en"})
    assert r.json()["detail"] == "Not taken: 张三 clearly refused mediation; the parties may sue at the people's court"
    one_sided = dispute(me["id"])
    one_sided["parties"][1]["role"] = "applicant"
    for body, code in ((one_sided, "parties_incomplete"), (dispute(me["id"], dispute_type="divorce"),
                                                            "dispute_type_unknown")):
        r = await client.post("/mediation/cases", json=body, headers=resident)
        assert (r.status_code, r.json()["code"]) == (422, code)
    r = await client.post("/mediation/cases", json={**dispute(me["id"]), "parties": dispute(me["id"])["parties"][:1]},
                          headers=resident)
    assert (r.status_code, r.json()["code"]) == (422, "validation_failed")
    twice = dispute(me["id"])
    twice["parties"][1] = {"person_id": me["id"], "role": "respondent", "consents": True}
    r = await client.post("/mediation/cases", json=twice, headers=resident)
    assert (r.status_code, r.json()["code"]) == (422, "party_repeated")
    stranger = await f.login_as(app, "resident", username="13912340032")
    r = await client.post("/mediation/cases", json=dispute(me["id"]), headers=stranger)
    assert r.status_code == 404  # someone else's register entry
    async with app.state.sessionmaker() as session:
        assert (await session.execute(select(func.count()).select_from(Case))).scalar_one() == 0


async def test_a_failed_mediation_names_the_routes_and_a_labour_dispute_is_handed_to_arbitration(client, app, clock):
    resident, me = await _resident_party(client, app)
    case = (await client.post("/mediation/cases", json=dispute(me["id"]), headers=resident)).json()
    committee = await f.unit_by_kind(app, "440304002000", "mediation_committee")
    staff = await f.login_as(app, "unit_staff", unit=committee)
    failed = await _act(client, staff, case["id"], "fail", {"reason": "no_agreement", "note": "双方对赔偿金额分歧过大"})
    assert (failed["status"], failed["stage"]) == ("replied", "failed")
    assert "当事人可以向人民法院起诉" in failed["reply"]["text"]

    labour = (await client.post("/mediation/cases", json=dispute(me["id"], dispute_type="labour"),
                                headers=resident)).json()
    moved = await _act(client, staff, labour["id"], "transfer", {"to": "labour_arbitration",
                                                                 "reason": "涉及解除劳动合同经济补偿，需仲裁"})
    hrss = await f.unit_by_kind(app, "440304000000", "hrss_bureau")
    assert (moved["status"], moved["stage"], moved["lead_unit"]["id"]) == ("dispatched", "transferred", hrss)
    assert moved["timeline"][-1]["type"] == "transfer"
    r = await client.get(f"/cases/{labour['id']}", headers=staff)
    assert r.status_code == 404  # the committee no longer holds it
    later = clock.now() + timedelta(days=1)
    clock.set(later)
    arbitration = await f.login_as(app, "unit_staff", unit=hrss)
    r = await _act(client, arbitration, labour["id"], "sign")
    assert r["status"] == "signed"
    r = await _act(client, arbitration, labour["id"], "reply", {"text": "已受理", "signer": "仲裁院"}, expect=409)
    assert r["code"] == "action_not_for_kind"
    answered = await _act(client, arbitration, labour["id"], "answer_handoff",
                          {"text": "已立案受理仲裁申请，将于 15 日内开庭", "signer": "区劳动人事争议仲裁院"})
    assert (answered["status"], answered["stage"], answered["reply"]["signer"]) == (
        "replied", "transferred", "区劳动人事争议仲裁院")
