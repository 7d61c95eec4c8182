"""Every GET of the API, as every role, over a seeded data set: no ID number or mobile number in clear where the
role is not entitled to it.

The routes are the GET operations of the app's OpenAPI schema plus the few served outside it (FastAPI 0.165
includes routers lazily, so `app.routes` no longer lists them flat; the schema does). Path parameters are filled
from the seeded rows; a route with a parameter this walk cannot fill fails the test until it is added to FILL.

Entitled, and so allowed in clear (the app's documented rules, each read audited where it is a staff read):
- a resident's or volunteer's own data: `GET /me` answers the account's username, which may be the owner's own
  mobile; their own register entry (`GET /people/me`, `GET /people/{own id}`) its phone; their own volunteer
  record (`GET /volunteers/me`, `GET /volunteers/{own id}`) their phone and emergency contact. Their ID number is
  masked even to themselves.
- registrar staff (unit staff, agents, dispatchers, admins) reading a person's entry (`GET /people/{id}`, audited
  `person.read`) see that person's phone, not the ID number.
The reveals (`?reveal=contact&reason=`, `POST .../reveal`, each with a reason) are not GETs of this walk; they are
checked, with their audit records, in tests/api/test_audit.py.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from itertools import product
from typing import Any

from tests import care
from tests import factories as f
from tests.files import scan as scan_pdf
from tests.pii_logs import unmasked_numbers

ELDER_PHONE, RESIDENT_PHONE, VOLUNTEER_PHONE = "13800138111", "13912340021", "13900139000"
CALLER_PHONE, PARTY_PHONE, EMERGENCY_PHONE, STRANGER_PHONE = "13800138000", "13700137001", "13700137000", "13612340099"
ROLES = ("anonymous", "resident", "stranger", "agent", "dispatcher", "unit_staff", "lead_staff", "volunteer",
         "admin", "auditor")
OUTSIDE_SCHEMA = ["/metrics", "/openapi.json"]
# Public numbers that only look like a mobile: seed/places cites the search-index id 16040751514 as a row's source.
NOT_PERSONAL = {"16040751514"}


@dataclass
class Seeded:
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    fill: dict[str, list[Any]] = field(default_factory=dict)
    own: dict[str, tuple[set[str], set[str]]] = field(default_factory=dict)  # role -> (its own URLs, its numbers)
    registered: dict[str, str] = field(default_factory=dict)  # /people/{id} -> that person's phone


STREAMS = ("/feed/stream", "/me/notifications/stream")  # they never end: not walked


async def seed_personal_data(client, app, clock) -> Seeded:
    """A data set with every kind of personal number, through the API; shared with the at-rest test."""
    seeded = Seeded()
    unit, staff = await care.workstation(app)
    lead = await f.unit_by_kind(app, care.NANYUAN, "community_workstation")
    seeded.headers = {"anonymous": {}, "unit_staff": staff,
                      "lead_staff": await f.login_as(app, "unit_staff", unit=lead),
                      **{role: await f.login_as(app, role) for role in ("agent", "dispatcher", "admin", "auditor")}}
    # A resident with an account named by her phone, in the register, with a case, an aid application, a
    # mediation case with a second party, and an affairs application for an elder.
    resident = f.bearer(app, await f.user(app, "resident", username=RESIDENT_PHONE), "resident")
    me = (await client.post("/people/me", json={"name": "李建华", "id_number": care.ADULT_ID,
                                                "region_code": care.YUANDONG}, headers=resident)).json()
    seeded.headers["resident"] = resident
    seeded.headers["stranger"] = f.bearer(app, await f.user(app, "resident", username=STRANGER_PHONE), "resident")
    hotline = await f.case(client, seeded.headers["agent"], caller_phone=CALLER_PHONE)
    own = await f.case(client, resident, caller_phone=RESIDENT_PHONE, region_code=care.YUANDONG)
    aid = await client.post("/aid/applications", headers=resident, json={
        "scheme": "dibao", "region_code": care.YUANDONG, "assets": {"savings": "20000", "properties": 1},
        "members": [{"person_id": me["id"], "relationship": "applicant", "monthly_income": "1000"}]})
    mediation = await client.post("/mediation/cases", headers=resident, json={
        "dispute_type": "neighbours", "facts": "楼上卫生间漏水致楼下天花板霉变", "claims": "修复防水并赔偿修缮费",
        "region_code": care.YUANDONG,
        "address": "园东花园 3 栋", "parties": [{"person_id": me["id"], "role": "applicant", "consents": True},
                                            {"name": "张三", "phone": PARTY_PHONE, "role": "respondent",
                                             "consents": True}]})
    item = (await client.get("/affairs/items/ELD-ALLOWANCE")).json()
    # A scan named as people name them, after its owner's numbers: the name is shown masked.
    scan = await client.post("/files", headers=resident, data={"kind": "id_card"}, files={
        "file": (f"身份证{care.ELDER_ID}-{RESIDENT_PHONE}.pdf", scan_pdf("ID card"), "application/pdf")})
    assert scan.status_code == 201, scan.text
    materials = [{"code": m["code"], "source": "electronic_licence", "file_ref": "f/x"} for m in item["materials"]
                 if m["key"]]
    materials[0] = {"code": materials[0]["code"], "source": "upload", "file_id": scan.json()["id"]}
    affair = await client.post("/affairs/applications", headers=resident, json={
        "item_code": "ELD-ALLOWANCE", "applicant": {"id_number": care.ELDER_ID}, "region_code": care.YUANDONG,
        "materials": materials})
    # The register: an elder with a relative; a volunteer (her own account) who visits him; a task and a team.
    elder = await care.person(client, staff, care.ELDER_ID, "李建国", phone=ELDER_PHONE)
    mother = await care.person(client, staff, care.MOTHER_ID, "王秀英", phone=None)
    await care.link(client, staff, elder["id"], mother["id"], "spouse")
    volunteer_headers = f.bearer(app, await f.user(app, "volunteer", username=VOLUNTEER_PHONE), "volunteer")
    seeded.headers["volunteer"] = volunteer_headers
    volunteer = await care.volunteer(client, volunteer_headers, care.VOLUNTEER_ID, "张敏", approve_with=staff)
    order = await care.order(client, staff, elder["id"], "meal")
    await care.schedule(client, staff, order, volunteer_id=volunteer["id"],
                        scheduled_at=clock.now().isoformat().replace("+00:00", "Z"))
    start = clock.now() + timedelta(days=1)
    task = await client.post("/volunteer-tasks", headers=staff, json={
        "title": "长者生日会", "region_code": care.YUANDONG, "place": "园东社区党群服务中心",
        "starts_at": start.isoformat().replace("+00:00", "Z"),
        "ends_at": (start + timedelta(hours=2)).isoformat().replace("+00:00", "Z"),
        "skills": ["companionship"], "capacity": 2})
    team = await client.post("/volunteer-teams", headers=staff, json={
        "name": "园东助老服务队", "region_code": care.YUANDONG, "leader_id": volunteer["id"],
        "skills": ["companionship"]})
    for response in (aid, mediation, affair, task, team):
        assert response.status_code == 201, response.text
    case_ids = [hotline["id"], own["id"], aid.json()["id"], mediation.json()["id"], affair.json()["id"], order["id"]]
    article = (await client.get("/knowledge/articles", headers=seeded.headers["agent"])).json()["items"][0]["code"]
    inbox = (await client.get("/me/notifications", headers=seeded.headers["resident"])).json()["items"]
    seeded.fill = {
        "notification_id": [n["id"] for n in inbox[:1]],  # the resident's receipt (no one else's to read)
        "case_id": case_ids, "person_id": [elder["id"], mother["id"], me["id"], volunteer["person_id"]],
        "volunteer_id": [volunteer["id"]], "unit_id": [unit, lead], "task_id": [task.json()["id"]],
        "team_id": [team.json()["id"]], "rule_id": [1], "file_id": [scan.json()["id"]], "phone": [CALLER_PHONE],
        "fmt": ["json", "xml", "csv", "xlsx"],  # Open311's formats; the exports' (others answer 404)
        "name": {"/admin/exports/{name}.{fmt}": ["units", "knowledge_articles", "places"]},
        "request_id": [hotline["number"]], "token": ["unknown-token"],
        "version": [1],  # a classifier version (none is trained in the walk: the answer is its 404)
        "code": {"/affairs/items/{code}": ["ELD-ALLOWANCE"], "/knowledge/articles/{code}": [article],
                 "/regions/{code}": [care.YUANDONG], "/open311/v2/services/{code}.{fmt}": ["env.noise"]},
    }
    people = f"/people/{me['id']}", f"/people/{elder['id']}", f"/people/{volunteer['person_id']}"
    seeded.registered = dict(zip(people, (RESIDENT_PHONE, ELDER_PHONE, VOLUNTEER_PHONE), strict=True))
    seeded.own = {
        "resident": ({"/me", "/people/me", people[0]}, {RESIDENT_PHONE}),
        "stranger": ({"/me"}, {STRANGER_PHONE}),
        "volunteer": ({"/me", "/people/me", "/volunteers/me", people[2], f"/volunteers/{volunteer['id']}"},
                      {VOLUNTEER_PHONE, EMERGENCY_PHONE}),
    }
    return seeded


def _urls(template: str, fill: dict[str, Any]) -> list[str]:
    names = [part.split("}")[0] for part in template.split("{")[1:]]
    choices = []
    for name in names:
        values = fill.get(name)
        if isinstance(values, dict):
            values = values.get(template)
        assert values, f"no value for {{{name}}} in {template}: add it to the walk's fill"
        choices.append(values)
    urls = []
    for combo in product(*choices):
        url = template
        for name, value in zip(names, combo, strict=True):
            url = url.replace("{" + name + "}", str(value))
        urls.append(url)
    return urls


def _entitled(role: str, url: str, seeded: Seeded) -> set[str]:
    """The numbers this role may read in clear at this URL (see the module's docstring)."""
    own_urls, own_numbers = seeded.own.get(role, (set(), set()))
    allowed = set(own_numbers) if url in own_urls else set()
    if url in seeded.registered and role in ("unit_staff", "agent", "dispatcher", "admin"):
        allowed |= {seeded.registered[url]}
    return allowed


async def test_no_role_reads_a_number_in_clear_it_is_not_entitled_to(client, app, clock):
    seeded = await seed_personal_data(client, app, clock)
    spec = app.openapi()
    templates = [path for path, item in spec["paths"].items() if "get" in item and path not in STREAMS]
    leaks, answered = [], 0
    for template in templates + OUTSIDE_SCHEMA:
        for url, role in product(_urls(template, seeded.fill), ROLES):
            response = await client.get(url, headers=seeded.headers[role])
            answered += response.status_code == 200
            found = set(unmasked_numbers(response.text)) - _entitled(role, url, seeded) - NOT_PERSONAL
            if found:
                leaks.append(f"{role} GET {url} -> {response.status_code}: {sorted(found)}")
    assert not leaks, "\n".join(leaks)
    assert answered > 150  # the walk read real answers, not only refusals


def test_the_scanner_finds_numbers_in_clear_and_passes_masked_ones():
    assert unmasked_numbers(f'{{"id": "{care.ELDER_ID}", "phone": "13800138000"}}') == [care.ELDER_ID, "13800138000"]
    assert unmasked_numbers('{"id": "110***********0033", "phone": "138****8000"}') == []
    assert unmasked_numbers("110105194403120034") == []  # a wrong check digit is not an ID number
    assert unmasked_numbers("order 201380013800099 at 1700000000") == []  # longer runs are not phones
