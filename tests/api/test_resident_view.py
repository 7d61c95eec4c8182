"""The resident's own view (#27.5): every answer a resident receives about their case, read for internals.

A resident files, a unit argues a return with the centre, another unit signs and replies, the resident rates,
the centre calls back and finds the unit at fault, the case is redone: after each step the resident reads their
case (and the answers to their own actions), in Chinese and in English. No answer may carry a routing trace,
a user id, an assignment, a return or extension argument, a fault finding or the desk's notes.
"""

from typing import Any

from tests import factories as f

ECO_DISTRICT = "440304000000"
# Keys that belong to the desk, never to the requester, wherever they appear in an answer.
INTERNAL = {"trace", "routing", "routing_fallback", "assignments", "timeline", "oversight", "return_request",
            "extension_request", "unit_at_fault", "user_id", "actor_user_id", "by_user_id", "signer", "requester",
            "similar", "intake", "profile", "major", "suggested_unit_id", "legal_basis", "redo_count",
            "callback_attempts", "handling_class", "caller_phone", "caller_name"}


def internals(answer: Any, path: str = "") -> list[str]:
    """Every internal key carrying a value anywhere in the answer, with where it is (a null column of a shared
    list model carries nothing)."""
    found = []
    if isinstance(answer, dict):
        for key, value in answer.items():
            if key in INTERNAL and value not in (None, [], {}):
                found.append(f"{path}.{key}")
            found += internals(value, f"{path}.{key}")
    elif isinstance(answer, list):
        for i, item in enumerate(answer):
            found += internals(item, f"{path}[{i}]")
    return found


def test_the_reader_finds_what_it_looks_for():
    assert internals({"a": [{"b": {"return_request": {"x": 1}}}], "trace": [1]}) == [".a[0].b.return_request",
                                                                                    ".trace"]
    assert internals({"reply": {"text": "ok"}, "caller_phone": None}) == []


async def test_every_answer_a_resident_reads_about_their_case_is_curated(client, app):
    resident = await f.login_as(app, "resident", username="13900139555")
    english = {**resident, "Accept-Language": "en"}
    agent = await f.login_as(app, "agent")
    eco = await f.unit_by_kind(app, ECO_DISTRICT, "ecology_environment_bureau")
    read: list[tuple[str, Any]] = []

    async def mine(case_id: int, step: str) -> dict:
        for headers in (resident, english):
            r = await client.get(f"/cases/{case_id}", headers=headers)
            assert r.status_code == 200, r.text
            read.append((f"GET after {step}", r.json()))
        listed = await client.get("/cases", headers=resident)
        read.append((f"list after {step}", listed.json()))
        return (await client.get(f"/cases/{case_id}", headers=resident)).json()

    report = await client.post("/reports", headers=resident, json={
        "work_order_type": "投诉", "description": "楼下工地晚上十一点还在打桩，吵得老人孩子都睡不着",
        "address": "福田区南园街道南园社区", "category": "env.noise"})
    assert report.status_code == 201, report.text
    case = report.json()
    read.append(("report", case))
    assert case["status_label"] == "已派发" and case["steps"][0]["label"] == "已受理"
    assert case["promised_due"] and case["next_actions"] == [{"action": "withdraw", "label": "撤回诉求"}]

    lead_unit = (await client.get(f"/cases/{case['id']}", headers=agent)).json()["lead_unit"]["id"]
    lead_staff = await f.login_as(app, "unit_staff", unit=lead_unit)
    other = await f.unit_by_kind(app, ECO_DISTRICT, "urban_management_bureau")
    other = eco if other == lead_unit else other
    other_staff = await f.login_as(app, "unit_staff", unit=other)
    desk = await f.act(client, lead_staff, case, "sign")
    # The lead argues it is not theirs: the resident sees a case still dispatched, and none of the argument.
    desk = await f.act(client, lead_staff, desk, "return", {
        "reason": "该事项不属于本单位职责，应由其他部门办理", "legal_basis": "噪声污染防治法第七条",
        "suggested_unit_id": other})
    argued = await mine(case["id"], "return")
    assert argued["status_label"] == "已派发" and "return_request" not in argued
    dispatcher = await f.login_as(app, "dispatcher")
    desk = await f.act(client, dispatcher, desk, "accept_return", {})
    desk = await f.act_latest(client, other_staff, case["id"], "sign")
    desk = await f.act(client, other_staff, desk, "reply", {"text": "已责令工地夜间停工", "signer": "王科长",
                                                             "basis": "噪声法第四十三条"})
    replied = await mine(case["id"], "reply")
    assert replied["reply"]["text"] == "已责令工地夜间停工" and "signer" not in replied["reply"]
    assert [s["step"] for s in replied["steps"] if not s["done"]] == ["rate", "closed"]
    assert {"action": "rate", "label": "评价答复"} in replied["next_actions"]
    in_english = (await client.get(f"/cases/{case['id']}", headers=english)).json()
    assert in_english["status_label"] == "Answered" and in_english["steps"][-2]["label"] == "Waiting for your rating"

    rated = await f.act(client, resident, replied, "rate", {"solved": False, "satisfaction": "dissatisfied",
                                                            "comment": "还是很吵"})
    read.append(("rate", rated))
    await f.act_latest(client, agent, case["id"], "callback", {
        "reached": True, "solved": False, "satisfaction": "dissatisfied", "unit_at_fault": True})
    redone = await mine(case["id"], "callback at fault")
    assert redone["status"] != "closed"

    found = {where: internals(answer) for where, answer in read}
    assert {where: keys for where, keys in found.items() if keys} == {}
    assert len(read) == 11  # the walk read the answers it meant to: 3 steps x 3 reads, the report, the rating


async def test_staff_keep_the_whole_record(client, app):
    resident = await f.login_as(app, "resident", username="13900139556")
    agent = await f.login_as(app, "agent")
    case = await f.case(client, resident, channel="app")
    desk = (await client.get(f"/cases/{case['id']}", headers=agent)).json()
    assert desk["timeline"] and desk["assignments"] and "requester" in desk
    assert "timeline" not in case and "status_label" in case
