"""Open311 GeoReport v2: every endpoint in both formats, against the spec's field lists; a request posted by an
app followed to closed; the spec's errors."""

from xml.etree import ElementTree as ET

from tests import factories as f

SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}
NOISE = {"service_code": "env.noise", "attribute[work_order_type]": "complaint", "lat": "22.5431",
         "long": "114.0579", "address_id": "440304001020", "address_string": "南园街道南园社区某小区",
         "description": "楼下工地晚上十一点还在施工，噪音很大", "first_name": "伟", "last_name": "张",
         "phone": "13800138000", "jurisdiction_id": "", "media_url": ""}


async def _key(client, app) -> str:
    r = await client.post("/admin/api-keys", json={"name": "随手拍", "kind": "open311"},
                          headers=await f.login_as(app, "admin"))
    return r.json()["key"]


async def test_discovery_services_and_definitions_in_both_formats(client):
    r = await client.get("/open311/v2/discovery.json")
    assert r.json()["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    doc = ET.fromstring((await client.get("/open311/v2/discovery.xml")).content)
    assert doc.tag == "discovery" and doc.find("endpoints/endpoint/formats/format").text == "text/xml"

    services = (await client.get("/open311/v2/services.json")).json()
    assert isinstance(services, list) and {s["service_code"] for s in services} >= {"env.noise"}
    assert all(set(s) == SERVICE_FIELDS for s in services)
    assert not any(s["service_code"].startswith(("mediation.", "civil.")) for s in services)
    xml = ET.fromstring((await client.get("/open311/v2/services.xml")).content)
    assert xml.tag == "services" and len(xml.findall("service")) == len(services)
    assert {c.tag for c in xml.find("service")} == SERVICE_FIELDS

    definition = (await client.get("/open311/v2/services/env.noise.json")).json()
    attribute = definition["attributes"][0]
    assert (attribute["code"], attribute["datatype"], attribute["required"]) == (
        "work_order_type", "singlevaluelist", True)
    assert {v["key"] for v in attribute["values"]} >= {"complaint", "report"}
    xml = ET.fromstring((await client.get("/open311/v2/services/env.noise.xml")).content)
    assert xml.tag == "service_definition" and xml.find("attributes/attribute/values/value/key") is not None
    r = await client.get("/open311/v2/services/no.such.json")
    assert (r.status_code, r.json()[0]["code"]) == (404, 404)
    r = await client.get("/open311/v2/services.yaml")
    assert r.status_code == 404


async def test_an_app_posts_a_request_and_follows_it_to_closed(client, app):
    key = await _key(client, app)
    r = await client.post("/open311/v2/requests.json", data={**NOISE, "api_key": key})
    assert r.status_code == 201, r.text
    [created] = r.json()
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    number = created["service_request_id"]

    [req] = (await client.get(f"/open311/v2/requests/{number}.json")).json()
    assert set(req) == REQUEST_FIELDS
    assert (req["status"], req["service_code"], req["address_id"]) == ("open", "env.noise", "440304001020")
    assert req["agency_responsible"] == "深圳市生态环境局福田管理局" and req["expected_datetime"].endswith("Z")
    assert "13800138000" not in r.text and "13800138000" not in str(req)
    xml = ET.fromstring((await client.get(f"/open311/v2/requests/{number}.xml")).content)
    assert xml.tag == "service_requests" and xml.find("request/service_request_id").text == number
    assert {c.tag for c in xml.find("request")} == REQUEST_FIELDS
    [token] = (await client.get(f"/open311/v2/tokens/{number}.json")).json()
    assert token["service_request_id"] == number
    xml = ET.fromstring((await client.get(f"/open311/v2/tokens/{number}.xml")).content)
    assert xml.find("request/token").text == number
    xml = ET.fromstring((await client.get("/open311/v2/requests.xml", params={"service_request_id": number})).content)
    assert [e.text for e in xml.findall("request/service_request_id")] == [number]

    # The unit replies, the centre calls back: closed, with the reply as the status notes.
    agent = await f.login_as(app, "agent")
    case = (await client.get("/cases", params={"status": "dispatched"}, headers=agent)).json()["items"][0]
    unit = await f.unit_by_kind(app, "440304000000", "ecology_environment_bureau")
    staff = await f.login_as(app, "unit_staff", unit=unit)
    case = (await client.get(f"/cases/{case['id']}", headers=staff)).json()
    reply = {"text": "已责令工地停止夜间施工", "signer": "王科长"}
    callback = {"reached": True, "solved": True, "satisfaction": "satisfied"}
    for action, body, who in (("sign", {}, staff), ("reply", reply, staff), ("callback", callback, agent)):
        case = await f.act(client, who, case, action, body)
    assert case["status"] == "closed"
    listed = (await client.get("/open311/v2/requests.json", params={"status": "closed", "service_code": "env.noise"}))
    [req] = listed.json()
    assert (req["service_request_id"], req["status"], req["status_notes"]) == (number, "closed", reply["text"])
    assert (await client.get("/open311/v2/requests.json", params={"status": "open"})).json() == []
    both = (await client.get("/open311/v2/requests.json", params={"status": "open,closed"})).json()
    assert [r["service_request_id"] for r in both] == [number]
    by_id = (await client.get("/open311/v2/requests.json", params={"service_request_id": number, "status": "open"}))
    assert [r["status"] for r in by_id.json()] == ["closed"]  # with ids, the other filters are ignored


async def test_the_specs_errors_and_nothing_written(client, app):
    key = await _key(client, app)
    cases = [
        ({**NOISE}, 403, "api_key is required"),
        ({**NOISE, "api_key": "csc_wrong"}, 403, "api_key is not valid"),
        ({**NOISE, "api_key": key, "service_code": "no.such"}, 404, "service_code no.such is not a service"),
        ({**NOISE, "api_key": key, "service_code": "mediation.neighbour"}, 404, None),
        ({**{k: v for k, v in NOISE.items() if k not in ("address_id", "address_string", "lat", "long")},
          "api_key": key}, 400, None),
        ({**{k: v for k, v in NOISE.items() if k not in ("address_id", "address_string", "long")},
          "api_key": key}, 400, "lat and long come together"),
        ({**{k: v for k, v in NOISE.items() if k != "attribute[work_order_type]"}, "api_key": key}, 400,
         "attribute[work_order_type] is required"),
        ({**NOISE, "api_key": key, "lat": "north"}, 400, "lat and long must be numbers"),
        ({**NOISE, "api_key": key, "lat": "inf"}, 400, "lat must be within ±90 and long within ±180"),
    ]
    for data, status, description in cases:
        r = await client.post("/open311/v2/requests.json", data=data)
        assert r.status_code == status, (data, r.text)
        assert r.json()[0]["code"] == status and (description is None or r.json()[0]["description"] == description)
    r = await client.post("/open311/v2/requests.xml", data={**NOISE})
    xml = ET.fromstring(r.content)
    assert (r.status_code, xml.tag, xml.find("error/code").text) == (403, "errors", "403")
    for params, description in (({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"},
                                 "the date window may not exceed 90 days"),
                                ({"start_date": "yesterday"}, "start_date is not a W3C date-time"),
                                ({"status": "pending"}, "status must be open or closed")):
        r = await client.get("/open311/v2/requests.json", params=params)
        assert (r.status_code, r.json()[0]["description"]) == (400, description)
    r = await client.get("/open311/v2/requests/440304-20261123-999999.json")
    assert (r.status_code, r.json()[0]["code"]) == (404, 404)
    assert (await client.get("/open311/v2/requests.json")).json() == []


async def test_coordinates_alone_are_taken_in_and_placed_by_an_agent(client, app):
    key = await _key(client, app)
    data = {k: v for k, v in NOISE.items() if k not in ("address_id", "address_string")}
    r = await client.post("/open311/v2/requests.json", data={**data, "api_key": key})
    assert r.status_code == 201, r.text
    [created] = r.json()
    assert "确定所在社区" in created["service_notice"]
    [req] = (await client.get(f"/open311/v2/requests/{created['service_request_id']}.json")).json()
    assert (req["status"], req["agency_responsible"], req["lat"], req["long"]) == ("open", None, 22.5431, 114.0579)

    agent = await f.login_as(app, "agent")  # an agent without a district sees the whole city
    [held] = (await client.get("/cases", params={"status": "received"}, headers=agent)).json()["items"]
    case = (await client.get(f"/cases/{held['id']}", headers=agent)).json()
    assert (case["payload"]["open311"]["placement_needed"], case["location"]["region_code"]) == (True, "440300000000")
    r = await client.patch(f"/cases/{case['id']}", json={"region_code": "440304001020", "reason": "按坐标在地图上定位"},
                           headers={**agent, "If-Match": f'"{case["version"]}"'})
    assert r.status_code == 200, r.text
    dispatched = await f.act(client, agent, r.json(), "dispatch")
    assert dispatched["lead_unit"]["name"] == "深圳市生态环境局福田管理局"
    [req] = (await client.get(f"/open311/v2/requests/{created['service_request_id']}.json")).json()
    assert req["agency_responsible"] == "深圳市生态环境局福田管理局"


async def test_a_form_of_unescaped_utf8_is_read_as_utf8_and_other_encodings_are_refused(client, app):
    """curl -d and some SDKs post Chinese without percent-encoding it; the text must arrive as written."""
    from app.models.cases import Case

    key = await _key(client, app)
    form = {**NOISE, "api_key": key}
    raw = "&".join(f"{k}={v}" for k, v in form.items() if k != "description").encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    r = await client.post("/open311/v2/requests.json", content=raw + "&description=楼下工地晚上还在施工".encode(),
                          headers=headers)
    assert r.status_code == 201, r.text
    [req] = (await client.get(f"/open311/v2/requests/{r.json()[0]['service_request_id']}.json")).json()
    assert req["description"] == "楼下工地晚上还在施工"

    before = await f.count_rows(app, Case)
    for body in (raw + b"&description=" + "工地噪音".encode("gbk"),   # raw GBK bytes
                 raw + b"&description=%B9%A4%B5%D8"):                       # GBK, percent-encoded
        r = await client.post("/open311/v2/requests.json", content=body, headers=headers)
        assert (r.status_code, r.json()[0]["description"]) == (400, "the form must be encoded in UTF-8")
    assert await f.count_rows(app, Case) == before
