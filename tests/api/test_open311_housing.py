"""Residence registration through Open311 like any kind: the service is listed with metadata, its definition gives
the tenancy's attributes as GeoReport v2 describes them, a partner app's request files a tenancy through the kind's
own service (routed to the community, verified there like any filing), and its refusals are the spec's error
documents naming the attribute, with nothing written."""

from xml.etree import ElementTree as ET

from sqlalchemy import func, select

from app.models import Case
from app.models.housing import HousingRegistration, HousingResident
from tests import care
from tests import factories as f
from tests.api.test_housing import LANDLORD_ID, ROOMMATE_ID, TENANT_ID, end_of, local
from tests.factories import act_latest as _act

CODE = "housing.rental_registration"
ATTRIBUTE_FIELDS = {"variable", "code", "datatype", "required", "datatype_description", "order", "description"}
TENANCY = {"service_code": CODE, "address_id": care.YUANDONG, "address_string": "园岭街道园东社区园东花园 3 栋 502",
           "attribute[filed_by]": "landlord", "attribute[landlord_name]": "王秀兰",
           "attribute[landlord_id_number]": LANDLORD_ID, "attribute[landlord_phone]": "13800138000",
           "attribute[tenant_1_name]": "李建华", "attribute[tenant_1_id_number]": TENANT_ID,
           "attribute[tenant_2_name]": "陈小红", "attribute[tenant_2_id_number]": ROOMMATE_ID,
           "attribute[start_date]": "2026-11-20", "attribute[end_date]": "2027-05-31",
           "description": "两人合租", "jurisdiction_id": "", "lat": "", "long": ""}


async def _key(client, app) -> str:
    r = await client.post("/admin/api-keys", json={"name": "出租屋管理平台", "kind": "open311"},
                          headers=await f.login_as(app, "admin"))
    return r.json()["key"]


async def _count(app, model) -> int:
    async with app.state.sessionmaker() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_the_service_and_its_definition(client):
    services = (await client.get("/open311/v2/services.json")).json()
    [entry] = [s for s in services if s["service_code"] == CODE]
    assert (entry["metadata"], entry["type"], entry["group"]) == (True, "realtime", "住房与物业")
    definition = (await client.get(f"/open311/v2/services/{CODE}.json")).json()
    attributes = {a["code"]: a for a in definition["attributes"]}
    assert all(set(a) - {"values"} == ATTRIBUTE_FIELDS for a in attributes.values())
    assert [a["order"] for a in definition["attributes"]] == sorted(a["order"] for a in definition["attributes"])
    assert {k for k, a in attributes.items() if a["required"]} == {
        "filed_by", "landlord_name", "landlord_id_number", "start_date", "end_date", "tenant_1_name",
        "tenant_1_id_number"}
    assert [v["key"] for v in attributes["filed_by"]["values"]] == ["landlord", "tenant"]
    assert attributes["start_date"]["datatype"] == "datetime" and "YYYY-MM-DD" in attributes["start_date"][
        "datatype_description"]
    assert "tenant_5_id_number" in attributes and "tenant_6_name" not in attributes
    assert "work_order_type" not in attributes
    xml = ET.fromstring((await client.get(f"/open311/v2/services/{CODE}.xml")).content)
    assert xml.find("attributes/attribute/values/value/key").text == "landlord"
    # Other services keep the work-order definition.
    generic = (await client.get("/open311/v2/services/env.noise.json")).json()
    assert generic["attributes"][0]["code"] == "work_order_type"


async def test_an_app_files_a_tenancy_the_community_verifies_it(client, app, clock):
    key = await _key(client, app)
    r = await client.post("/open311/v2/requests.json", data={**TENANCY, "api_key": key})
    assert r.status_code == 201, r.text
    [created] = r.json()
    number = created["service_request_id"]
    assert "居住登记凭证" in created["service_notice"]
    assert LANDLORD_ID not in r.text and TENANT_ID not in r.text

    station, staff = await care.workstation(app)
    [queued] = (await client.get("/cases", params={"kind": "housing"}, headers=staff)).json()["items"]
    case = await f.desk(client, app, queued["id"])
    assert (case["kind"], case["channel"], case["stage"], case["status"]) == ("housing", "open311", "filed",
                                                                              "dispatched")
    assert (case["number"], case["lead_unit"]["id"]) == (number, station)
    assert case["deadlines"]["handle_due"] == end_of(2026, 11, 26)  # three working days, as any filing
    assert [t["id_number"] for t in case["payload"]["tenants"]] == ["440***********0069", "440***********0023"]
    assert case["timeline"][0]["data"]["app"] == "出租屋管理平台"
    assert await _count(app, HousingResident) == 2

    # The public list shows the request, never the tenancy's words or address.
    [req] = (await client.get(f"/open311/v2/requests/{number}.json")).json()
    assert (req["status"], req["service_code"], req["address_id"]) == ("open", CODE, care.YUANDONG)
    assert (req["description"], req["address"]) == ("出租屋居住登记", None)
    assert req["agency_responsible"].endswith("园东社区工作站")

    clock.set(local(2026, 11, 24, 15))
    verified = await _act(client, staff, case["id"], "verify", {"checked_on": "2026-11-24", "method": "online"})
    assert (verified["stage"], verified["payload"]["certificate_no"]) == ("registered", f"JZDJ-{number}")
    [req] = (await client.get("/open311/v2/requests.json", params={"service_request_id": number})).json()
    assert req["status_notes"] is None  # the reply carries the certificate: the filer reads it, not the public


async def test_missing_or_bad_attributes_are_the_specs_errors_and_write_nothing(client, app, clock):
    key = await _key(client, app)
    bad_number = LANDLORD_ID[:-1] + ("7" if LANDLORD_ID[-1] != "7" else "8")
    without = {k: v for k, v in TENANCY.items() if k != "attribute[tenant_1_id_number]"}
    for data, descriptions in (
        (without, ["attribute[tenant_1_id_number]: Field required"]),
        ({**TENANCY, "attribute[landlord_id_number]": bad_number},
         ["attribute[landlord_id_number]: The check character does not match"]),
        ({**TENANCY, "attribute[tenant_2_id_number]": "44030519930415006"},
         ["attribute[tenant_2_id_number]: "]),
        ({**TENANCY, "attribute[tenant_2_id_number]": LANDLORD_ID},
         ["attribute[tenant_2_id_number]: The landlord cannot also be a tenant"]),
        ({**TENANCY, "attribute[end_date]": "2026-11-01"},
         ["attribute[end_date]: The tenancy must end after it starts"]),
        ({**TENANCY, "attribute[start_date]": "next week"}, ["attribute[start_date]: "]),
        ({**TENANCY, "attribute[filed_by]": "agent"}, ["attribute[filed_by]: "]),
        ({**TENANCY, "attribute[rent]": "3000", "attribute[landlord_name]": ""},
         ["attribute[rent]: Unknown field", "attribute[landlord_name]: Field required"]),
        ({k: v for k, v in TENANCY.items() if k != "address_string"}, ["address_string: Field required"]),
        ({**TENANCY, "media_url": "https://example.org/a.jpg"}, [f"service_code {CODE} takes no media"]),
    ):
        r = await client.post("/open311/v2/requests.json", data={**data, "api_key": key})
        assert r.status_code == 400, (data, r.text)
        errors = r.json()
        assert [e["code"] for e in errors] == [400] * len(descriptions), r.text
        assert all(e["description"].startswith(d) for e, d in zip(errors, descriptions, strict=True)), r.text
    r = await client.post("/open311/v2/requests.xml", data={**without, "api_key": key})
    xml = ET.fromstring(r.content)
    assert (r.status_code, xml.find("error/description").text) == (400, "attribute[tenant_1_id_number]: Field required")
    r = await client.post("/open311/v2/requests.json", data={**TENANCY})
    assert (r.status_code, r.json()[0]["description"]) == (403, "api_key is required")
    for model in (Case, HousingRegistration, HousingResident):
        assert await _count(app, model) == 0
    assert (await client.get("/open311/v2/requests.json")).json() == []
