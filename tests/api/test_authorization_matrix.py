"""The authorisation matrix: every route of the app × every role, against a table written down here.

One seeded scenario: resident A files a noise complaint; it is dispatched to the district's ecology bureau
(the lead unit) and the urban management bureau is brought in as co-handler. Around it: an elder in the
register with a care order and a visit booked for the volunteer, A's affairs, aid, mediation and housing cases, a
community task and team, and the administrators' objects (rules, items, flags, keys).

The rule the test holds every route to:
- a role outside the route's allowed set gets 401 (anonymous) or 403/404 (signed in) – never 2xx, never a 422
  that answers before authorisation, never 5xx. Object-level refusals are 404 where the app hides that the
  object exists (a case, a person, a volunteer), 403 where the role may never use the route;
- a role inside the set never gets 401, 403 or 404 (for the objects of the scenario, 404 is the object-level
  refusal): validation (422) and state conflicts (409, 412, 428) are allowed answers.
Lifecycle actions run through one route (`POST /cases/{id}/actions/{action}`); the matrix checks who may
reach the case there, and the lifecycle's own table (app/cases/lifecycle.py, its pure tests) says which
actor may take which action: an actor who can see the case but may not take the action gets a 409 with the
allowed actions, as DESIGN.md says.

A route in the app and not in the table fails the test, and so does a table row with no route: place a new
route in the matrix before it ships.

It runs on SQLite only: about 1,300 requests build no concurrency and touch no dialect-specific SQL that the
per-domain tests do not already run on PostgreSQL, and the second backend would double the run.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from tests import care
from tests import factories as f

ANON, RES_A, RES_B, AGENT, LEAD, CO, OTHER, DISP, VOL, ADMIN, AUDITOR = (
    "anonymous", "resident_a", "resident_b", "agent", "lead_staff", "co_staff", "other_staff", "dispatcher",
    "volunteer", "admin", "auditor")
ROLES = (ANON, RES_A, RES_B, AGENT, LEAD, CO, OTHER, DISP, VOL, ADMIN, AUDITOR)

EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {ANON}
# An auditor reads the audit trail and what any signed-in account may read; it changes nothing but its own sign-in
# (every other request that is not a read is refused for it at the door, app/core/auth.py).
WRITERS = SIGNED_IN - {AUDITOR}
AUDIT_READERS = frozenset({AUDITOR, ADMIN})
STAFF = frozenset({AGENT, LEAD, CO, OTHER, DISP, ADMIN})
CENTRE = frozenset({AGENT, DISP, ADMIN})
ADMINS = frozenset({ADMIN})
NOBODY: frozenset[str] = frozenset()
CASE_SEERS = frozenset({RES_A, AGENT, LEAD, CO, DISP, ADMIN})  # who can see A's case
DISTRICT_STAFF = STAFF - {OTHER}  # staff whose scope covers 福田 (440304), where the scenario lives
# Who keeps the resident register here: the centre. The scenario's units are bureaus (ecology, urban
# management, and an unrelated one), which handle cases but not residents' records (people.is_registrar);
# workstation staff, who do keep it, are exercised by the register's own tests.
REGISTRARS = CENTRE

B_ID = "440304198801010023"  # resident B's own register entry
FUTU = "440304000000"
YUANDONG = care.YUANDONG


@dataclass
class Scenario:
    headers: dict[str, dict[str, str]]
    ids: dict[str, Any] = field(default_factory=dict)
    new_case: Callable[[], Awaitable[dict]] | None = None
    stand_in: Callable[[str], Awaitable[dict[str, str]]] | None = None  # a new account in the same role and unit
    client: Any = None


Call = tuple[str, dict[str, Any]]  # (url, httpx keyword arguments)
Builder = Callable[[Scenario, str], Call | Awaitable[Call]]


@dataclass(frozen=True)
class Row:
    allowed: frozenset[str]
    call: Builder
    stand_in: bool = False  # the request ends the caller's tokens: sent by a new account of the same role


def _get(url: str, **params: Any) -> Builder:
    return lambda sc, role: (url.format(**sc.ids), {"params": params} if params else {})


def _json(url: str, body: Any | Callable[[Scenario, str], Any], **headers: str) -> Builder:
    def build(sc: Scenario, role: str) -> Call:
        payload = body(sc, role) if callable(body) else body
        kwargs: dict[str, Any] = {} if payload is None else {"json": payload}
        return url.format(**sc.ids), {**kwargs, **({"headers": headers} if headers else {})}
    return build


def _from(key: str) -> Callable[[Scenario, str], Any]:
    return lambda sc, role: sc.ids[key]


def _matched(url: str, body: Any, read_url: str | None = None) -> Builder:
    """A change with the object's current ETag (read by an administrator), so that 428/412 hide nothing."""
    async def build(sc: Scenario, role: str) -> Call:
        target = url.format(**sc.ids)
        current = await sc.client.get((read_url or url).format(**sc.ids), headers=sc.headers[ADMIN])
        assert current.status_code == 200, current.text
        payload = body(sc, role) if callable(body) else body
        return target, {**({} if payload is None else {"json": payload}),
                        "headers": {"If-Match": current.headers["etag"]}}
    return build


async def _relink_then_unlink(sc: Scenario, role: str) -> Call:
    """Each role removes a link that is there: an administrator puts it back first."""
    await sc.client.post("/people/{elder}/household".format(**sc.ids), headers=sc.headers[ADMIN],
                         json={"relative_id": sc.ids["resident_a_person"], "relation": "child"})
    return "/people/{elder}/household/{resident_a_person}".format(**sc.ids), {}


async def _fresh_case_action(sc: Scenario, role: str) -> Call:
    """Each role withdraws its own copy of A's case, so one role's success does not change another's answer."""
    case = await sc.new_case()
    return f"/cases/{case['id']}/actions/withdraw", {"json": {"reason": "已自行解决"},
                                                     "headers": {"If-Match": f'"{case["version"]}"'}}


def _named_action(name: str, body: dict) -> Callable[[Scenario, str], Any]:
    def call(sc: Scenario, role: str) -> Call:
        """The named action on A's case, without If-Match: a role that may not see the case is refused (404)
        before anything else; one that may is answered 428, and the lifecycle table would decide the rest."""
        return f"/cases/{sc.ids['case']}/actions/{name}", {"json": body}
    return call


async def _fresh_case_update(sc: Scenario, role: str) -> Call:
    case = await sc.new_case()
    return f"/cases/{case['id']}", {"json": {"urgency": "urgent", "reason": "来电补充：夜间持续施工"},
                                    "headers": {"If-Match": f'"{case["version"]}"'}}


def _register(sc: Scenario, role: str) -> Call:
    return "/auth/register", {"json": {"phone": f"1390000{ROLES.index(role):04d}", "password": f.PASSWORD,
                                       "name": "新用户"}}


def _login(sc: Scenario, role: str) -> Call:
    return "/auth/token", {"data": {"username": "13700001111", "password": f.PASSWORD}}


def _article(sc: Scenario, role: str) -> Call:
    return "/knowledge/articles", {"json": {"code": f"kb-matrix-{role.replace('_', '-')}", "category": "env.noise",
                                            "question": "夜间施工噪音找谁？", "answer": "可拨打12345反映。",
                                            "valid_from": "2026-01-01"}}


def _item(sc: Scenario, role: str) -> Call:
    from tests.api.test_affairs import item_body

    return "/affairs/items", {"json": item_body(f"MATRIX-{role.upper()}", 5)}


def _rule(sc: Scenario, role: str) -> Call:
    # Not where the scenario's cases are filed: a new rule there would send them elsewhere.
    return "/routing/rules", {"json": {"category": "env.noise", "region_code": care.YUANLING_OTHER,
                                       "lead_kind": "subdistrict_office", "priority": 5, "note": "matrix"}}


def _order(sc: Scenario, role: str) -> Call:
    return "/hotline/orders", {"json": {**f.NOISE_CASE, "description": "晚上十一点工地还在施工，噪音很大"},
                               "headers": {"Idempotency-Key": f"matrix-{role}"}}


def _open311_post(sc: Scenario, role: str) -> Call:
    from tests.api.test_open311 import NOISE

    return "/open311/v2/requests.json", {"data": NOISE}


def _api_key(sc: Scenario, role: str) -> Call:
    return "/admin/api-keys", {"json": {"name": f"matrix-{role}", "kind": "open311"}}


def _upload(sc: Scenario, role: str) -> Call:
    from tests.files import scan

    return "/files", {"files": {"file": (f"{role}.pdf", scan(role), "application/pdf")}}


async def _file_link(sc: Scenario, role: str) -> Call:
    """A download link A was given: the link is the permission, whoever holds it, until it expires."""
    shown = await sc.client.get("/files/{file}".format(**sc.ids), headers=sc.headers[RES_A])
    assert shown.status_code == 200, shown.text
    return shown.json()["url"], {}


def _credit_flag(sc: Scenario, role: str) -> Call:
    return "/affairs/credit-flags", {"json": {"id_number": care.TEEN_ID, "reason": "虚假承诺", "source": "区信用办"}}


MATRIX: dict[str, Row] = {
    # Operations and documentation: public.
    "GET /healthz": Row(EVERYONE, _get("/healthz")),
    "GET /readyz": Row(EVERYONE, _get("/readyz")),
    "GET /metrics": Row(EVERYONE, _get("/metrics")),
    "GET /docs": Row(EVERYONE, _get("/docs")),
    "GET /docs/oauth2-redirect": Row(EVERYONE, _get("/docs/oauth2-redirect")),
    # Accounts.
    "POST /auth/register": Row(EVERYONE, _register),
    "POST /auth/token": Row(EVERYONE, _login),
    "GET /me": Row(SIGNED_IN, _get("/me")),
    "POST /auth/logout": Row(SIGNED_IN, _json("/auth/logout", None), stand_in=True),
    "POST /auth/password": Row(SIGNED_IN, _json("/auth/password", {"current_password": f.PASSWORD,
                                                                   "new_password": "Another#Pass2027"}),
                               stand_in=True),
    "PATCH /users/{user_id}": Row(ADMINS, _json("/users/{spare_user}", {"active": False})),
    # Reference data: public reads, administrators' writes.
    "GET /regions": Row(EVERYONE, _get("/regions", q="园东")),
    "GET /regions/{code}": Row(EVERYONE, _get("/regions/" + YUANDONG)),
    "PUT /regions/{code}/places": Row(ADMINS, _json(f"/regions/{YUANDONG}/places", {"places": ["园东花园"]})),
    "POST /regions/resolve": Row(EVERYONE, _json("/regions/resolve", {"address": "园岭街道园东社区"})),
    "GET /unit-kinds": Row(EVERYONE, _get("/unit-kinds")),
    "GET /units": Row(EVERYONE, _get("/units", region=FUTU)),
    "GET /units/{unit_id}": Row(EVERYONE, _get("/units/{lead}")),
    "GET /categories": Row(EVERYONE, _get("/categories")),
    "GET /routing/rules": Row(STAFF, _get("/routing/rules")),
    "POST /routing/rules": Row(ADMINS, _rule),
    "GET /routing/rules/{rule_id}": Row(STAFF, _get("/routing/rules/{rule}")),
    "PATCH /routing/rules/{rule_id}": Row(ADMINS, _matched("/routing/rules/{rule}", {"priority": 6})),
    "POST /routing/preview": Row(STAFF, _json("/routing/preview", {
        "category": "env.noise", "region_code": care.NANYUAN, "work_order_type": "complaint"})),
    "GET /calendar/add-working-days": Row(EVERYONE, _get("/calendar/add-working-days", start="2026-11-23",
                                                         days=5)),
    "GET /calendar/years": Row(EVERYONE, _get("/calendar/years")),
    "PUT /calendar/years/{year}": Row(ADMINS, _json("/calendar/years/2031", {
        "source": "国务院办公厅通知", "holidays": [{"date": "2031-01-01", "name": "元旦"}]})),
    "GET /calendar/profiles": Row(EVERYONE, _get("/calendar/profiles")),
    # Intake.
    "POST /hotline/orders": Row(frozenset({AGENT, DISP}), _order),
    "POST /reports": Row(frozenset({RES_A, RES_B}), _json("/reports", {
        "work_order_type": "complaint", "description": "小区门口路灯坏了一个星期，晚上很黑",
        "region_code": care.NANYUAN, "address": "南园街道南园社区某小区门口"})),
    "POST /hotline/classify": Row(frozenset({RES_A, RES_B, AGENT, DISP, ADMIN}), _json(
        "/hotline/classify", {"text": "楼下工地晚上施工噪音很大"})),
    # A landline: a mobile number in a URL would land in the test client's log (tests/pii_logs.py scans them).
    "POST /hotline/callers/orders": Row(CENTRE, _json("/hotline/callers/orders", {"phone": "13800138000"})),
    "POST /cases": Row(frozenset({RES_A, RES_B, AGENT, DISP}), _json("/cases", {**f.NOISE_CASE,
                                                                              "caller_phone": None})),
    # A's case: object level.
    "GET /cases": Row(SIGNED_IN, _get("/cases")),  # scoped rows: a volunteer's or B's list is empty
    # Scoped like the list; a POST, so a read-only auditor is refused at the door (its list would be empty anyway).
    "POST /cases/search": Row(WRITERS, _json("/cases/search", {"q": "噪音"})),
    "GET /cases/export": Row(frozenset({AGENT, LEAD, CO, OTHER, DISP, ADMIN}), _get("/cases/export")),
    "GET /cases/{case_id}": Row(CASE_SEERS, _get("/cases/{case}")),
    "PATCH /cases/{case_id}": Row(frozenset({AGENT, DISP}), _fresh_case_update),
    # An action no route names is not found for anyone (each action has its own route, below).
    "POST /cases/{case_id}/actions/{action}": Row(frozenset(), _named_action("no_such_action", {})),
    "GET /cases/{case_id}/similar": Row(CENTRE, _get("/cases/{case}/similar")),
    "GET /feed/events": Row(STAFF, _get("/feed/events")),
    "GET /feed/stream": Row(STAFF, _get("/feed/stream")),
    "GET /metrics/units/{unit_id}": Row(frozenset({AGENT, LEAD, DISP, ADMIN}), _get("/metrics/units/{lead}")),
    "GET /metrics/overview": Row(CENTRE, _get("/metrics/overview")),
    "GET /metrics/units/{unit_id}/trend": Row(frozenset({AGENT, LEAD, DISP, ADMIN}),
                                              _get("/metrics/units/{lead}/trend")),
    "GET /metrics/overview/trend": Row(CENTRE, _get("/metrics/overview/trend")),
    "GET /metrics/rankings": Row(CENTRE, _get("/metrics/rankings", rate="on_time_handling")),
    "GET /metrics/export": Row(CENTRE, _get("/metrics/export", format="csv")),
    # Knowledge base.
    "GET /knowledge/search": Row(SIGNED_IN, _get("/knowledge/search", q="噪音")),
    "GET /knowledge/articles": Row(SIGNED_IN, _get("/knowledge/articles")),
    "GET /knowledge/articles/{code}": Row(SIGNED_IN, _get("/knowledge/articles/{article}")),
    "POST /knowledge/articles": Row(ADMINS, _article),
    "PATCH /knowledge/articles/{code}": Row(ADMINS, _matched("/knowledge/articles/{article}",
                                                             {"keywords": ["噪音", "施工"]})),
    # Files: anyone signed in uploads; an upload is its uploader's until a record links it, then the record's
    # readers' (A's unlinked photo here); a case's files are for those who see the case.
    "POST /files": Row(WRITERS, _upload),  # an upload is a write: a read-only auditor is refused at the door
    "GET /files/{file_id}": Row(frozenset({RES_A, ADMIN}), _get("/files/{file}")),
    "GET /files/{file_id}/content": Row(EVERYONE, _file_link),
    "GET /cases/{case_id}/files": Row(CASE_SEERS, _get("/cases/{case}/files")),
    # Affairs.
    "GET /affairs/life-events": Row(EVERYONE, _get("/affairs/life-events")),
    "GET /affairs/items": Row(EVERYONE, _get("/affairs/items", q="津贴")),
    "GET /affairs/items/{code}": Row(EVERYONE, _get("/affairs/items/{item}")),
    "POST /affairs/items": Row(ADMINS, _item),
    "PUT /affairs/items/{code}": Row(ADMINS, _matched("/affairs/items/{item}", lambda sc, role: {
        k: v for k, v in sc.ids["item_body"].items() if k != "code"})),
    "DELETE /affairs/items/{code}": Row(ADMINS, lambda sc, role: (
        "/affairs/items/{spare_item}".format(**sc.ids), {"headers": {"If-Match": '"1"'}})),
    "POST /affairs/applications": Row(frozenset({RES_A, RES_B, AGENT}), _json(
        "/affairs/applications", lambda sc, role: {
            "item_code": sc.ids["item"], "applicant": {"id_number": care.ELDER_ID, "name": "李建国"},
            "region_code": YUANDONG, "materials": sc.ids["materials"]})),
    "POST /affairs/applications/{case_id}/materials": Row(frozenset({RES_A, AGENT, DISP, ADMIN}), _matched(
        "/affairs/applications/{affair}/materials", {"materials": [
            {"code": "photo", "source": "electronic_licence", "file_ref": "files/photo.pdf"}]}, "/cases/{affair}")),
    "GET /affairs/applications/{case_id}": Row(frozenset({RES_A, AGENT, DISP, ADMIN}),
                                               _get("/affairs/applications/{affair}")),
    "POST /affairs/track": Row(EVERYONE, _json("/affairs/track", lambda sc, role: {
        "number": sc.ids["affair_number"], "id_number": care.ADULT_ID})),
    "POST /affairs/credit-flags": Row(ADMINS, _credit_flag),
    "GET /affairs/credit-flags": Row(ADMINS, _get("/affairs/credit-flags")),
    "DELETE /affairs/credit-flags/{flag_id}": Row(ADMINS, lambda sc, role: (
        "/affairs/credit-flags/{credit_flag}".format(**sc.ids), {})),
    # The register: staff in scope, the person, their household. Never a volunteer reading an elder.
    "POST /people": Row(REGISTRARS, _json("/people", lambda sc, role: {
        "name": "王秀兰", "id_number": care.MOTHER_ID, "region_code": YUANDONG, "address": "园东社区某栋"})),
    "GET /people": Row(REGISTRARS, _get("/people")),
    "POST /people/lookup": Row(REGISTRARS, _json("/people/lookup", {"id_number": care.ELDER_ID})),
    "GET /people/me": Row(frozenset({RES_A, RES_B, VOL}), _get("/people/me")),
    "POST /people/me": Row(frozenset({RES_A, RES_B, VOL}), _json("/people/me", {
        "name": "李建华", "id_number": care.ADULT_ID, "region_code": YUANDONG})),
    "GET /people/{person_id}": Row(REGISTRARS, _get("/people/{elder}")),
    "PATCH /people/{person_id}": Row(REGISTRARS, _matched("/people/{elder}", {"address": "园东社区 5 栋"})),
    "POST /people/{person_id}/reveal": Row(REGISTRARS, _json("/people/{elder}/reveal",
                                                                 {"reason": "上门服务需核对身份"})),
    "POST /people/{person_id}/flags": Row(REGISTRARS, _json("/people/{elder}/flags", {
        "flag": "living_alone", "source": "社区走访", "since": "2026-01-01"})),
    "POST /people/{person_id}/flags/{flag_id}/end": Row(REGISTRARS, _json(
        "/people/{elder}/flags/{person_flag}/end", {})),
    "POST /people/{person_id}/household": Row(REGISTRARS, _json("/people/{elder}/household", lambda sc, role: {
        "relative_id": sc.ids["resident_a_person"], "relation": "child"})),
    "DELETE /people/{person_id}/household/{relative_id}": Row(REGISTRARS, _relink_then_unlink),
    # Eldercare.
    "POST /eldercare/eligibility": Row(REGISTRARS, _json("/eldercare/eligibility", lambda sc, role: {
        "person_id": sc.ids["elder"], "service_type": "meal"})),
    "POST /eldercare/orders": Row(frozenset({AGENT}), _json("/eldercare/orders", lambda sc, role: {
        "person_id": sc.ids["elder"], "service_type": "cleaning"})),
    "GET /eldercare/orders/{case_id}/candidates": Row(frozenset({AGENT, DISP, ADMIN}),
                                                      _get("/eldercare/orders/{care_order}/candidates")),
    "GET /eldercare/orders/{case_id}/visits": Row(frozenset({AGENT, DISP, ADMIN}),
                                                  _get("/eldercare/orders/{care_order}/visits")),
    "POST /eldercare/visits/{visit_id}/check-in": Row(frozenset({VOL}), _json("/eldercare/visits/{visit}/check-in",
                                                                            {})),
    "POST /eldercare/visits/{visit_id}/check-out": Row(frozenset({VOL}), _json(
        "/eldercare/visits/{visit}/check-out", {})),
    # Only the order's or the provider's unit staff (the workstation, not a role of this matrix) extend a window.
    "POST /eldercare/visits/{visit_id}/window": Row(frozenset(), _json(
        "/eldercare/visits/{visit}/window", {"ends_at": "2026-11-23T06:00:00Z", "reason": "陪同复诊"})),
    "POST /eldercare/visits/{visit_id}/rating": Row(frozenset({AGENT, DISP}), _json(
        "/eldercare/visits/{visit}/rating", {"stars": 5})),
    # Volunteers.
    "GET /volunteer-skills": Row(EVERYONE, _get("/volunteer-skills")),
    "POST /volunteers": Row(WRITERS - {LEAD, CO, OTHER}, _json("/volunteers", care.volunteer_body(B_ID, "赵六"))),
    "GET /volunteers": Row(REGISTRARS, _get("/volunteers")),
    # B registered as a volunteer in the row above: a resident may be one, and sees her own record.
    "GET /volunteers/me": Row(frozenset({VOL, RES_B}), _get("/volunteers/me")),
    "GET /volunteers/me/visits": Row(frozenset({VOL, RES_B}), _get("/volunteers/me/visits")),
    "GET /volunteers/{volunteer_id}": Row(REGISTRARS | {VOL}, _get("/volunteers/{volunteer}")),
    "PATCH /volunteers/{volunteer_id}": Row(REGISTRARS - {AGENT} | {VOL}, _matched("/volunteers/{volunteer}", {
        "skills": ["meal_delivery", "companionship"]})),
    "POST /volunteers/{volunteer_id}/approve": Row(REGISTRARS - {AGENT}, _json(
        "/volunteers/{volunteer}/approve", {})),
    "POST /volunteers/{volunteer_id}/reject": Row(REGISTRARS - {AGENT}, _json(
        "/volunteers/{spare_volunteer}/reject", {})),
    "GET /volunteers/{volunteer_id}/record": Row(REGISTRARS | {VOL}, _get("/volunteers/{volunteer}/record")),
    "POST /volunteer-teams": Row(NOBODY, _json("/volunteer-teams", lambda sc, role: {
        "name": f"园东助老服务队{ROLES.index(role)}", "region_code": YUANDONG, "leader_id": sc.ids["volunteer"],
        "skills": ["companionship"]})),
    # The organising unit's staff (the workstation, not a role here), the team's leader, administrators.
    "POST /volunteer-teams/{team_id}/members": Row(frozenset({VOL, ADMIN}), _json(
        "/volunteer-teams/{team}/members", lambda sc, role: {"volunteer_id": sc.ids["volunteer"]})),
    "GET /volunteer-teams/{team_id}": Row(SIGNED_IN, _get("/volunteer-teams/{team}")),
    "POST /volunteer-tasks": Row(NOBODY, _json("/volunteer-tasks", _from("task_body"))),
    "GET /volunteer-tasks": Row(SIGNED_IN, _get("/volunteer-tasks")),
    "GET /volunteer-tasks/{task_id}": Row(SIGNED_IN, _get("/volunteer-tasks/{task}")),
    "POST /volunteer-tasks/{task_id}/signups": Row(frozenset({VOL, RES_B}), _json("/volunteer-tasks/{task}/signups",
                                                                                  None)),
    "POST /volunteer-tasks/{task_id}/check-in": Row(frozenset({VOL}), _json("/volunteer-tasks/{task}/check-in", {})),
    "POST /volunteer-tasks/{task_id}/check-out": Row(frozenset({VOL}), _json("/volunteer-tasks/{task}/check-out",
                                                                            {})),
    "DELETE /volunteer-tasks/{task_id}/signups/me": Row(frozenset({VOL}), _get("/volunteer-tasks/{task}/signups/me")),
    # The organiser (the workstation that published it) and administrators.
    "GET /volunteer-tasks/{task_id}/signups": Row(ADMINS, _get("/volunteer-tasks/{task}/signups")),
    "POST /volunteer-tasks/{task_id}/complete": Row(ADMINS, _json("/volunteer-tasks/{task}/complete", None)),
    # The time bank.
    "GET /timebank/accounts/{person_id}": Row(REGISTRARS | {VOL}, _get("/timebank/accounts/{volunteer_person}")),
    # The caller spends their own hours only: an account with no register entry gets 409 person_not_bound, a
    # person without hours 409 timebank_insufficient; nobody reaches another's account through these.
    "POST /timebank/transfers": Row(WRITERS, _json("/timebank/transfers", lambda sc, role: {
        "to_person_id": sc.ids["elder"], "hours": 1})),
    "POST /timebank/donations": Row(WRITERS, _json("/timebank/donations", {"hours": 1, "bucket": "own"})),
    "POST /timebank/redemptions": Row(WRITERS, _json("/timebank/redemptions", lambda sc, role: {
        "case_id": sc.ids["care_order"], "hours": 1})),
    "POST /timebank/deposits": Row(ADMINS, _json("/timebank/deposits", lambda sc, role: {
        "task_id": sc.ids["task"]})),
    # Aid and mediation.
    # A's household: A, and staff whose scope covers her register entry.
    "POST /aid/eligibility": Row(REGISTRARS | {RES_A}, _json("/aid/eligibility", _from("household"))),
    "POST /aid/applications": Row(frozenset({RES_A, AGENT}), _json("/aid/applications", _from("household"))),
    "GET /aid/applications/{case_id}": Row(frozenset({RES_A, AGENT, DISP, ADMIN}), _get("/aid/applications/{aid}")),
    "GET /mediation/dispute-types": Row(EVERYONE, _get("/mediation/dispute-types")),
    "POST /mediation/cases": Row(frozenset({RES_A, AGENT}), _json("/mediation/cases", _from("dispute"))),
    "POST /mediation/cases/{case_id}/parties/{index}/reveal": Row(frozenset({AGENT, DISP, ADMIN}), _json(
        "/mediation/cases/{mediation}/parties/1/reveal", {"reason": "通知调解时间"})),
    # Rental housing: A files a tenancy she rents (her register entry is its tenant); the case's readers read it;
    # residents and volunteers ask their own months (409 for an account bound to no entry), registrars anyone's.
    "POST /housing/registrations": Row(frozenset({RES_A, AGENT}), _json("/housing/registrations", _from("tenancy"))),
    "GET /housing/registrations/{case_id}": Row(frozenset({RES_A, AGENT, DISP, ADMIN}),
                                                _get("/housing/registrations/{housing}")),
    "GET /housing/residence/me": Row(frozenset({RES_A, RES_B, VOL}), _get("/housing/residence/me")),
    "POST /housing/residence/lookup": Row(REGISTRARS, _json("/housing/residence/lookup", {
        "id_number": care.ADULT_ID, "reason": "受理居住证申领"})),
    # Delivery: administrators, and a unit's own staff for its feed.
    "PUT /units/{unit_id}/webhook": Row(ADMINS, _json("/units/{lead}/webhook", {"url": "https://eco.example.org/hook"})),
    "GET /units/{unit_id}/webhook": Row(ADMINS, _get("/units/{lead}/webhook")),
    "GET /units/{unit_id}/events": Row(frozenset({LEAD, ADMIN}), _get("/units/{lead}/events")),
    "GET /admin/outbox": Row(ADMINS, _get("/admin/outbox")),
    "POST /admin/outbox/{event_id}/redeliver": Row(ADMINS, _json("/admin/outbox/{outbox_event}/redeliver", None)),
    # Notifications: one's own inbox and choices; A's receipt is A's alone; dead letters for administrators.
    "GET /me/notifications": Row(SIGNED_IN, _get("/me/notifications")),
    "GET /me/notifications/stream": Row(SIGNED_IN, _get("/me/notifications/stream")),
    # Marking read and choosing channels are writes: a read-only auditor is refused at the door.
    "POST /me/notifications/read": Row(WRITERS, _json("/me/notifications/read", {})),
    "POST /me/notifications/{notification_id}/read": Row(frozenset({RES_A}),
                                                         _json("/me/notifications/{notification}/read", None)),
    "GET /me/notifications/{notification_id}/deliveries": Row(frozenset({RES_A}),
                                                              _get("/me/notifications/{notification}/deliveries")),
    "GET /me/notification-preferences": Row(SIGNED_IN, _get("/me/notification-preferences")),
    "PUT /me/notification-preferences": Row(WRITERS, _json("/me/notification-preferences", {"locale": "zh"})),
    "GET /admin/notifications/dead": Row(ADMINS, _get("/admin/notifications/dead")),
    "POST /admin/notifications/deliveries/{delivery_id}/redeliver": Row(
        ADMINS, _json("/admin/notifications/deliveries/{delivery}/redeliver", None)),
    "POST /admin/api-keys": Row(ADMINS, _api_key),
    "GET /admin/api-keys": Row(ADMINS, _get("/admin/api-keys")),
    "DELETE /admin/api-keys/{key_id}": Row(ADMINS, _get("/admin/api-keys/{api_key}")),
    # A city's reference data in and out (a dry run: nothing is written whoever calls).
    "POST /admin/imports": Row(ADMINS, lambda sc, role: ("/admin/imports", {
        "params": {"dry_run": "true"},
        "files": [("files", ("unit_kinds.csv",
                             "code,name,name_en,level\nx_kind,某类,Some kind,district\n".encode()))]})),
    "GET /admin/imports/version": Row(ADMINS, _get("/admin/imports/version")),
    "POST /admin/imports/classifier-history": Row(ADMINS, lambda sc, role: ("/admin/imports/classifier-history", {
        "params": {"dry_run": "true"}, "files": [("files", ("h.csv", "text,category\n路灯不亮,municipal.street_light\n"
                                                                      .encode()))]})),
    # The classifier's versions (the scenario queued one: promoting it, or queueing another, is a 409 conflict).
    "POST /admin/classifier/models": Row(ADMINS, _json("/admin/classifier/models", None)),
    "GET /admin/classifier/models": Row(ADMINS, _get("/admin/classifier/models")),
    "GET /admin/classifier/models/{version}": Row(ADMINS, _get("/admin/classifier/models/{classifier_model}")),
    "POST /admin/classifier/models/{version}/promote": Row(
        ADMINS, _json("/admin/classifier/models/{classifier_model}/promote", None)),
    "POST /admin/classifier/rollback": Row(ADMINS, _json("/admin/classifier/rollback", None)),
    "GET /admin/exports/{name}.{fmt}": Row(ADMINS, _get("/admin/exports/unit_kinds.csv")),
    # Open311: public reads; posting takes an application's api_key, which no role's token replaces.
    "GET /open311/v2/discovery.{fmt}": Row(EVERYONE, _get("/open311/v2/discovery.json")),
    "GET /open311/v2/services.{fmt}": Row(EVERYONE, _get("/open311/v2/services.json")),
    "GET /open311/v2/services/{code}.{fmt}": Row(EVERYONE, _get("/open311/v2/services/env.noise.json")),
    "POST /open311/v2/requests.{fmt}": Row(NOBODY, _open311_post),
    "GET /open311/v2/requests.{fmt}": Row(EVERYONE, _get("/open311/v2/requests.json")),
    "GET /open311/v2/requests/{request_id}.{fmt}": Row(EVERYONE, _get("/open311/v2/requests/{open311_number}.json")),
    "GET /open311/v2/tokens/{token}.{fmt}": Row(EVERYONE, _get("/open311/v2/tokens/nosuchtoken.json")),
    # The audit trail: auditors and administrators; nobody whose own work it records.
    "GET /audit/records": Row(AUDIT_READERS, _get("/audit/records", action="case.")),
    "GET /audit/records.csv": Row(AUDIT_READERS, _get("/audit/records.csv", **{"from": "2026-11-23"})),
}


def _action_rows() -> dict[str, Row]:
    """One row per action route, the lifecycle's and the kinds' stage actions alike: a route answers whoever may
    see the case, and the lifecycle or the kind's stage table decides the rest."""
    from app.cases.schemas import ACTION_BODIES
    from app.registry import KINDS

    rows = {f"POST /cases/{{case_id}}/actions/{name}": Row(CASE_SEERS, _named_action(name, {}))
            for name in ACTION_BODIES}
    rows["POST /cases/{case_id}/actions/withdraw"] = Row(CASE_SEERS, _fresh_case_action)
    for kind in KINDS:
        for name in kind.stage_bodies:
            rows.setdefault(f"POST /cases/{{case_id}}/actions/{name}", Row(CASE_SEERS, _named_action(name, {})))
    return rows


MATRIX.update(_action_rows())

# Refusals in a route's own terms: Open311 answers a missing api_key with the spec's 403, and the register's
# scope rule answers a region outside the caller's scope as a field error (422 region_outside_scope).
OWN_TERMS_ANONYMOUS = {"POST /open311/v2/requests.{fmt}": 403}
SCOPE_REFUSALS = {"region_outside_scope"}

# Answers that are not about authorisation even though their status says "not found": the object asked for
# does not exist for anyone (a token never issued), so every role gets the same 404.
NOT_FOUND_FOR_ALL = {"GET /open311/v2/tokens/{token}.{fmt}"}


def app_routes(app) -> set[str]:
    """Every method × path the app serves through an APIRoute, however deeply routers are included."""
    out = set()
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute):
            out |= {f"{method} {route.path}" for method in route.methods}
    return out


async def _ok(response, status: int = 201) -> dict:
    assert response.status_code == status, response.text
    return response.json()


async def scenario(client, app, clock) -> Scenario:
    """The objects every row asks about, made through the API as their owners would make them."""
    from datetime import timedelta

    from tests.api.test_affairs import MATERIALS, item_body
    from tests.api.test_aid import household
    from tests.api.test_housing import tenancy
    from tests.api.test_mediation import dispute

    eco = await f.unit_by_kind(app, FUTU, "ecology_environment_bureau")
    urban = await f.unit_by_kind(app, FUTU, "urban_management_bureau")
    elsewhere = await f.unit_by_kind(app, "440305000000", "ecology_environment_bureau")
    h = {ANON: {}, ADMIN: await f.login_as(app, "admin"), AGENT: await f.login_as(app, "agent"),
         DISP: await f.login_as(app, "dispatcher"), LEAD: await f.login_as(app, "unit_staff", unit=eco),
         CO: await f.login_as(app, "unit_staff", unit=urban),
         OTHER: await f.login_as(app, "unit_staff", unit=elsewhere),
         RES_A: await f.login_as(app, "resident", username="13700001111"),
         RES_B: await f.login_as(app, "resident", username="13700002222"),
         VOL: f.bearer(app, await f.user(app, "volunteer", username="13912340001", name="张敏"), "volunteer"),
         AUDITOR: await f.login_as(app, "auditor")}
    _, workstation = await care.workstation(app)
    sc = Scenario(headers=h, ids={"lead": eco}, client=client)
    ids = sc.ids

    async def new_case() -> dict:
        case = await f.desk(client, app, (await f.case(client, h[RES_A], caller_phone=None))["id"])
        assert case["lead_unit"]["id"] == eco, case["lead_unit"]
        if any(a["unit"]["id"] == urban for a in case["assignments"]):  # the noise rule brings it in already
            return case
        return await f.act(client, h[DISP], case, "add_co_handler", {"unit_id": urban, "reason": "夜间联合执法"})

    units = {LEAD: eco, CO: urban, OTHER: elsewhere}
    roles = {RES_A: "resident", RES_B: "resident", LEAD: "unit_staff", CO: "unit_staff", OTHER: "unit_staff"}

    async def stand_in(role: str) -> dict[str, str]:
        if role == ANON:
            return {}
        return await f.login_as(app, roles.get(role, role), unit=units.get(role))

    sc.new_case, sc.stand_in = new_case, stand_in
    case = await new_case()
    assert {a["unit"]["id"] for a in case["assignments"] if a["active"]} >= {eco, urban}, case["assignments"]
    ids.update(case=case["id"], case_number=case["number"])
    from tests.files import photo_with_gps

    ids["file"] = (await _ok(await client.post("/files", files={"file": ("p.jpg", photo_with_gps(), "image/jpeg")},
                                               headers=h[RES_A])))["id"]

    me_a = await _ok(await client.post("/people/me", json={"name": "李建华", "id_number": care.ADULT_ID,
                                                          "region_code": YUANDONG}, headers=h[RES_A]))
    await _ok(await client.post("/people/me", json={"name": "赵六", "id_number": B_ID, "region_code": YUANDONG},
                                headers=h[RES_B]))
    ids["resident_a_person"] = me_a["id"]
    elder = await care.person(client, h[ADMIN], care.ELDER_ID, "李建国")
    ids["elder"] = elder["id"]
    flagged = await _ok(await client.post(f"/people/{elder['id']}/flags", json={
        "flag": "dibao", "source": "民政系统", "since": "2025-01-01"}, headers=h[ADMIN]))
    ids["person_flag"] = flagged["flags"][0]["id"]

    volunteer = await care.volunteer(client, h[VOL], care.VOLUNTEER_ID, "张敏", approve_with=h[ADMIN])
    ids.update(volunteer=volunteer["id"], volunteer_person=volunteer["person_id"])
    ids["spare_user"] = await f.user(app, "volunteer", username="13912340002")
    spare = f.bearer(app, ids["spare_user"], "volunteer")
    ids["spare_volunteer"] = (await care.volunteer(client, spare, "440304199009090044", "钱七"))["id"]

    order = await care.order(client, workstation, elder["id"], "meal")
    order = await care.schedule(client, workstation, order, volunteer_id=volunteer["id"],
                                scheduled_at=(clock.now() + timedelta(hours=1)).isoformat(), planned_minutes=60)
    ids.update(care_order=order["id"], visit=(await care.visits(client, workstation, order["id"]))[0]["id"])

    start = clock.now() + timedelta(days=1)
    ids["task_body"] = {"title": "社区长者生日会", "region_code": YUANDONG, "place": "园东社区党群服务中心",
                        "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat(),
                        "skills": ["companionship"], "capacity": 5, "timebank": True}
    ids["task"] = (await _ok(await client.post("/volunteer-tasks", json=ids["task_body"], headers=workstation)))["id"]
    ids["team"] = (await _ok(await client.post("/volunteer-teams", json={
        "name": "园东助老服务队", "region_code": YUANDONG, "leader_id": volunteer["id"], "skills": ["companionship"]},
        headers=workstation)))["id"]

    ids["item_body"] = item_body("MATRIX-ITEM", 5)
    item = await _ok(await client.post("/affairs/items", json=ids["item_body"], headers=h[ADMIN]))
    ids.update(item=item["code"], item_version=item["version"])
    await _ok(await client.post("/affairs/items", json=item_body("MATRIX-SPARE", 5), headers=h[ADMIN]))
    ids["spare_item"] = "MATRIX-SPARE"
    ids["materials"] = [{"code": m["code"], "source": "electronic_licence", "file_ref": f"files/{m['code']}.pdf"}
                        for m in MATERIALS if m["required"] and not m.get("may_come_later")]
    affair = await _ok(await client.post("/affairs/applications", json={
        "item_code": "MATRIX-ITEM", "applicant": {"id_number": care.ADULT_ID, "name": "李建华"},
        "region_code": YUANDONG, "materials": ids["materials"]}, headers=h[RES_A]))
    ids.update(affair=affair["id"], affair_number=affair["number"])
    ids["household"] = household(me_a["id"])
    ids["aid"] = (await _ok(await client.post("/aid/applications", json=ids["household"], headers=h[RES_A])))["id"]
    ids["dispute"] = dispute(me_a["id"])
    ids["tenancy"] = tenancy()
    ids["housing"] = (await _ok(await client.post("/housing/registrations", json=ids["tenancy"],
                                                  headers=h[RES_A])))["id"]
    ids["mediation"] = (await _ok(await client.post("/mediation/cases", json=ids["dispute"], headers=h[RES_A])))["id"]

    ids["credit_flag"] = (await _ok(await client.post("/affairs/credit-flags", json={
        "id_number": care.CHILD_ID, "reason": "虚假承诺", "source": "区信用办"}, headers=h[ADMIN])))["id"]
    rule = await _ok(await client.post("/routing/rules", json={
        "category": "env.noise", "region_code": care.YUANLING_OTHER, "lead_kind": "subdistrict_office",
        "priority": 5}, headers=h[ADMIN]))
    ids.update(rule=rule["id"], rule_version=rule["version"])
    ids["article"] = (await _ok(await client.post("/knowledge/articles", json={
        "code": "kb-matrix", "category": "env.noise", "question": "夜间施工噪音找谁？",
        "answer": "可拨打12345反映。", "valid_from": "2026-01-01"}, headers=h[ADMIN])))["code"]
    ids["api_key"] = (await _ok(await client.post("/admin/api-keys", json={"name": "spare", "kind": "open311"},
                                                  headers=h[ADMIN])))["id"]
    ids["classifier_model"] = (await _ok(await client.post("/admin/classifier/models", headers=h[ADMIN]), 202))["id"]
    from tests.api.test_open311 import NOISE

    key = (await _ok(await client.post("/admin/api-keys", json={"name": "随手拍", "kind": "open311"},
                                       headers=h[ADMIN])))["key"]
    posted = await _ok(await client.post("/open311/v2/requests.json", data={**NOISE, "api_key": key}))
    ids["open311_number"] = posted[0]["service_request_id"]
    outbox = await _ok(await client.get("/admin/outbox", headers=h[ADMIN]), 200)
    assert outbox["items"], "the scenario's case wrote no outbox rows"
    ids["outbox_event"] = outbox["items"][0]["id"]
    from app.models import NotificationDelivery

    inbox = await _ok(await client.get("/me/notifications", headers=h[RES_A]), 200)
    ids["notification"] = inbox["items"][-1]["id"]  # the receipt of A's first case
    async with app.state.sessionmaker() as session:  # SMS is off here: a dead letter as the worker leaves one
        dead = NotificationDelivery(notification_id=ids["notification"], channel="sms", recipient_key="u:0",
                                    dedup_key="0" * 64, status="dead", attempts=5, next_attempt_at=clock.now(),
                                    created_at=clock.now(), last_error="HTTP 503")
        session.add(dead)
        await session.commit()
        ids["delivery"] = dead.id
    return sc


async def _answer(client, method: str, call: Call, headers: dict[str, str]) -> tuple[int, str]:
    url, kwargs = call
    kwargs = {**kwargs, "headers": {**headers, **kwargs.get("headers", {})}}
    request = client.request(method, url, **kwargs)
    if url.startswith(("/feed/stream", "/me/notifications/stream")):  # an accepted stream never ends
        try:
            response = await asyncio.wait_for(request, 1.0)
        except TimeoutError:
            return 200, "streaming"
    else:
        response = await request
    code = ""
    if response.headers.get("content-type", "").startswith(("application/problem+json", "application/json")):
        body = response.json()
        code = body.get("code", "") if isinstance(body, dict) else ""
    return response.status_code, code


def _verdict(route: str, role: str, status: int, code: str, allowed: bool) -> str | None:
    """Why this answer breaks the matrix, or None."""
    if status >= 500:
        return "server error"
    if allowed:
        if status in (401, 403) or (status == 404 and route not in NOT_FOUND_FOR_ALL):
            return "refused an allowed role"
        return None
    if role == ANON:
        return None if status == OWN_TERMS_ANONYMOUS.get(route, 401) else "anonymous not answered 401"
    if status in (403, 404) or (status == 422 and code in SCOPE_REFUSALS):
        return None
    return "a role outside the set was not refused"


SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@SQLITE_ONLY
async def test_every_route_is_placed_in_the_matrix(app):
    routes = app_routes(app)
    assert len(routes) > 100  # the enumeration sees through included routers
    assert sorted(routes - MATRIX.keys()) == [], "new routes: place them in the matrix"
    assert sorted(MATRIX.keys() - routes) == [], "rows for routes the app no longer has"


@SQLITE_ONLY
async def test_authorization_matrix(client, app, clock):
    sc = await scenario(client, app, clock)
    broken = []
    for route, row in MATRIX.items():
        method = route.split(" ", 1)[0]
        # Refused roles first, on the scenario as it was set up; then the allowed ones, whose writes come last.
        for role in sorted(ROLES, key=lambda r: r in row.allowed):
            call = row.call(sc, role)
            if asyncio.iscoroutine(call):
                call = await call
            headers = await sc.stand_in(role) if row.stand_in else sc.headers[role]
            status, code = await _answer(client, method, call, headers)
            reason = _verdict(route, role, status, code, role in row.allowed)
            if reason:
                broken.append(f"{route:55} {role:12} {status} {code:28} {reason}")
    assert broken == [], "\n" + "\n".join(broken)


@SQLITE_ONLY
async def test_object_level_refusals_do_not_reveal_that_the_object_exists(client, app, clock):
    """Someone else's case, person or volunteer is answered exactly like one that does not exist."""
    sc = await scenario(client, app, clock)
    h, ids = sc.headers, sc.ids
    case = (await client.get(f"/cases/{ids['case']}", headers=h[RES_A])).json()
    missing = 10**9
    for role, url in ((RES_B, "/cases/{}"), (OTHER, "/cases/{}"), (VOL, "/cases/{}"), (VOL, "/people/{}"),
                      (RES_B, "/people/{}"), (OTHER, "/people/{}")):
        target = ids["case"] if url.startswith("/cases") else ids["elder"]
        hidden = await client.get(url.format(target), headers=h[role])
        absent = await client.get(url.format(missing), headers=h[role])
        assert (hidden.status_code, hidden.json()["code"]) == (absent.status_code, absent.json()["code"]), (role, url)
        assert hidden.status_code == 404
    # Resident B acting on A's case: the same 404, and the case is unchanged.
    r = await client.post(f"/cases/{ids['case']}/actions/withdraw", json={"reason": "不需要了"},
                          headers={**h[RES_B], "If-Match": f'"{case["version"]}"'})
    assert (r.status_code, r.json()["code"]) == (404, "case_not_found")
    after = (await client.get(f"/cases/{ids['case']}", headers=h[RES_A])).json()
    assert (after["status"], after["version"]) == (case["status"], case["version"])
    # A's case came in through the app: the public Open311 reader does not show it to anyone.
    r = await client.get(f"/open311/v2/requests/{case['number']}.json")
    assert r.status_code == 404
