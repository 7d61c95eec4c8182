"""Files through HTTP, against the real disk (the test's data directory), on both databases: a resident's ID card
and household register in an application, a report's photo without its GPS data, a unit's reply photo, an
Open311 client's photo and its media_url, who may read what, signed links, sharing bytes, and the sweep."""

import os
from datetime import timedelta

from sqlalchemy import select

from app.files import service as files_service
from app.files.store import blob_key
from app.models import AuditLog, FileBlob, StoredFile
from tests import factories as f
from tests import files as t
from tests.api.test_affairs import YUANDONG, _apply, _item, _workstation
from tests.api.test_open311 import NOISE, _key

REPORT = {"work_order_type": "complaint", "category": "env.noise", "region_code": "440304001020",
          "address": "南园街道南园社区某小区", "description": "楼下工地晚上十一点还在施工，噪音很大，影响休息"}


async def test_a_resident_uploads_id_card_and_household_register_scans_and_applies_with_them(client, app):
    await _item(client, app, "TEST-ALLOWANCE", 15)
    unit, staff = await _workstation(app)
    resident = await f.login_as(app, "resident", username="13912345678")
    id_card = await t.upload(client, resident, t.scan("ID card"), "身份证.pdf", kind="id_card")
    register = await t.upload(client, resident, t.photo_with_gps(80, 60), "户口簿.jpg", kind="household_register")
    assert (id_card["mime"], id_card["kind"], id_card["sensitive"], id_card["name"]) == (
        "application/pdf", "id_card", True, "身份证.pdf")
    assert register["mime"] == "image/jpeg" and register["sensitive"] is True and register["thumbnail_url"]

    case = await _apply(client, resident, "TEST-ALLOWANCE", [
        {"code": "id_card", "source": "upload", "file_id": id_card["id"]},
        {"code": "hukou_book", "source": "upload", "file_id": register["id"]},
        {"code": "bank_card", "source": "electronic_licence", "file_ref": "EL-440304-0001"}])
    assert [m.get("file_id") for m in case["payload"]["materials"]] == [id_card["id"], register["id"], None]

    # The applicant and the handling unit see the materials; each is a personal document.
    for reader in (resident, staff):
        r = await client.get(f"/cases/{case['id']}/files", headers=reader)
        assert r.status_code == 200, r.text
        attached = r.json()
        assert [(a["id"], a["purpose"], a["ref"], a["sensitive"]) for a in attached] == [
            (id_card["id"], "material", "id_card", True), (register["id"], "material", "hukou_book", True)]
    r = await t.fetch(client, attached[0]["url"])
    assert r.content == t.scan("ID card") and r.headers["content-type"] == "application/pdf"
    assert r.headers["cache-control"] == "no-store"
    async with app.state.sessionmaker() as session:
        audits = (await session.execute(select(AuditLog).where(AuditLog.action == "file.download"))).scalars().all()
    assert [(a.actor_user_id, a.target_id, a.detail["kind"]) for a in audits] == [
        (int(staff_user_id(app, staff)), str(id_card["id"]), "id_card")]

    # Anyone else: no such file, no link, and the file cannot be used in their own application.
    neighbour = await f.login_as(app, "resident", username="13912340000")
    other_unit = await f.login_as(app, "unit_staff", unit=await f.unit_by_kind(app, "440305000000",
                                                                               "ecology_environment_bureau"))
    for outsider in (neighbour, other_unit):
        r = await client.get(f"/files/{id_card['id']}", headers=outsider)
        assert (r.status_code, r.json()["code"]) == (404, "file_not_found")
        assert (await client.get(f"/cases/{case['id']}/files", headers=outsider)).status_code == 404
    r = await client.post("/affairs/applications", json={
        "item_code": "TEST-ALLOWANCE", "applicant": {"id_number": "440304199506080023", "name": "王芳"},
        "region_code": YUANDONG, "materials": [{"code": "id_card", "source": "upload", "file_id": id_card["id"]}]},
        headers=neighbour)
    assert (r.status_code, r.json()["code"]) == (422, "file_not_yours")
    assert r.json()["errors"][0]["field"] == "materials.0.file_id"
    assert unit


def staff_user_id(app, headers: dict[str, str]) -> int:
    from app.core.security import read_token

    token = headers["Authorization"].removeprefix("Bearer ")
    return int(read_token(app.state.keys.jwt_secret, token, app.state.clock.now())["sub"])


async def test_a_report_carries_a_photo_whose_gps_data_is_gone(client, app):
    resident = await f.login_as(app, "resident", username="13912345678")
    original = t.photo_with_gps()
    exif, gps, _ = t.exif_of(original)
    assert gps and exif[271] == "Apple"  # the phone's photo has a position and a make
    photo = await t.upload(client, resident, original, "IMG_0001.jpg", kind="photo")
    assert (photo["width"], photo["height"], photo["sensitive"]) == (32, 64, False)  # turned upright
    r = await client.post("/reports", json={**REPORT, "files": [photo["id"]]}, headers=resident)
    assert r.status_code == 201, r.text
    case = r.json()

    [attached] = (await client.get(f"/cases/{case['id']}/files", headers=resident)).json()
    assert (attached["id"], attached["purpose"]) == (photo["id"], "report")
    stored = (await t.fetch(client, attached["url"])).content
    exif, gps, size = t.exif_of(stored)
    assert (exif, gps, size) == ({}, {}, (32, 64))
    assert b"iPhone" not in stored and b"taken at home" not in stored
    thumb = (await t.fetch(client, attached["thumbnail_url"])).content
    assert t.exif_of(thumb)[:2] == ({}, {})
    # What is on disk is what was served: no copy with the position anywhere.
    for path in t.on_disk(app)["store"]:
        assert b"iPhone" not in path.read_bytes()
    assert t.on_disk(app)["spool"] == []

    # The unit at work sees it too; a hotline agent attaches what a caller sent.
    lead = await f.login_as(app, "unit_staff", unit=case["lead_unit"]["id"])
    assert len((await client.get(f"/cases/{case['id']}/files", headers=lead)).json()) == 1
    agent = await f.login_as(app, "agent")
    sent = await t.upload(client, agent, t.photo_with_gps(colour=(10, 200, 10)), "来电人微信发来的照片.jpg")
    r = await client.post("/hotline/orders", json={**REPORT, "caller_phone": "13800138000", "files": [sent["id"]]},
                          headers=agent)
    assert r.status_code == 201, r.text
    [order_file] = (await client.get(f"/cases/{r.json()['id']}/files", headers=agent)).json()
    assert order_file["purpose"] == "order"


async def test_a_unit_replies_with_a_photo_of_the_work_done_and_the_resident_sees_it(client, app):
    resident = await f.login_as(app, "resident", username="13912345678")
    case = (await client.post("/reports", json=REPORT, headers=resident)).json()
    lead = await f.login_as(app, "unit_staff", unit=case["lead_unit"]["id"])
    case = await f.act(client, lead, case, "sign")
    done = await t.upload(client, lead, t.photo_with_gps(colour=(0, 0, 250)), "修复后.jpg", kind="photo")
    mine = await t.upload(client, resident, t.photo_with_gps(colour=(1, 1, 1)))
    # The resident's file is not the unit's to attach; the unit's own is.
    r = await client.post(f"/cases/{case['id']}/actions/reply",
                          json={"text": "已停工", "signer": "王科长", "files": [mine["id"]]},
                          headers={**lead, "If-Match": f'"{case["version"]}"'})
    assert (r.status_code, r.json()["code"], r.json()["errors"][0]["field"]) == (422, "file_not_yours", "files.0")
    case = await f.act(client, lead, case, "reply", {"text": "已责令工地夜间停工", "signer": "王科长",
                                                      "files": [done["id"]]})
    assert case["reply"]["files"] == [done["id"]] and case["timeline"][-1]["data"]["files"] == [done["id"]]
    [attached] = (await client.get(f"/cases/{case['id']}/files", headers=resident)).json()
    assert (attached["id"], attached["purpose"]) == (done["id"], "reply")
    shown = (await client.get(f"/files/{done['id']}", headers=resident)).json()
    assert t.exif_of((await t.fetch(client, shown["url"])).content)[:2] == ({}, {})


async def test_an_open311_client_posts_a_photo_and_reads_its_media_url(client, app):
    key = await _key(client, app)
    r = await client.post("/open311/v2/requests.json", data={**NOISE, "api_key": key},
                          files={"media": ("pothole.jpg", t.photo_with_gps(), "image/jpeg")})
    assert r.status_code == 201, r.text
    number = r.json()[0]["service_request_id"]
    for url in (f"/open311/v2/requests/{number}.json", "/open311/v2/requests.json"):
        [req] = (await client.get(url)).json()
        assert req["media_url"].startswith("http://test/files/")
    photo = await t.fetch(client, req["media_url"].removeprefix("http://test"))
    assert photo.headers["content-type"] == "image/jpeg" and photo.headers["cache-control"].startswith("public")
    assert t.exif_of(photo.content)[:2] == ({}, {})
    xml = (await client.get(f"/open311/v2/requests/{number}.xml")).text
    assert "<media_url>http://test/files/" in xml
    # The same link for a while: clients and caches keep it.
    assert (await client.get(f"/open311/v2/requests/{number}.json")).json()[0]["media_url"] == req["media_url"]

    # A media_url given by the client is shown as it came.
    r = await client.post("/open311/v2/requests.json",
                          data={**NOISE, "api_key": key, "media_url": "https://img.example.org/a.jpg"})
    [req] = (await client.get(f"/open311/v2/requests/{r.json()[0]['service_request_id']}.json")).json()
    assert req["media_url"] == "https://img.example.org/a.jpg"

    before = await t.counts(app)
    r = await client.post("/open311/v2/requests.json", data={**NOISE, "api_key": key, "media_url": "https://x/a.jpg"},
                          files={"media": ("p.jpg", t.photo_with_gps(), "image/jpeg")})
    assert (r.status_code, r.json()[0]["description"]) == (400, "send media or media_url, not both")
    r = await client.post("/open311/v2/requests.json", data={**NOISE, "api_key": key},
                          files={"media": ("p.jpg", t.scan("x"), "image/jpeg")})
    assert r.status_code == 415 and "application/pdf" in r.json()[0]["description"]
    r = await client.post("/open311/v2/requests.json", data={**NOISE, "api_key": "csc_wrong"},
                          files={"media": ("p.jpg", t.photo_with_gps(), "image/jpeg")})
    assert r.status_code == 403
    assert await t.counts(app) == before and t.on_disk(app)["spool"] == []


async def test_signed_links_expire_and_cannot_be_altered(client, app, clock):
    resident = await f.login_as(app, "resident", username="13912345678")
    shown = await t.upload(client, resident, t.scan("x"), "a.pdf")
    other = await t.upload(client, resident, t.photo_with_gps(), "b.jpg")
    await t.fetch(client, shown["url"])
    forged = shown["url"].replace(f"/files/{shown['id']}/", f"/files/{other['id']}/")
    r = await t.fetch(client, forged, 403)
    assert r.json()["code"] == "file_link_invalid"
    r = await t.fetch(client, shown["url"].replace("v=file", "v=thumbnail"), 403)
    assert r.json()["code"] == "file_link_invalid"
    r = await t.fetch(client, f"/files/{shown['id']}/content", 403)
    assert r.json()["code"] == "file_link_invalid"
    clock.advance(seconds=app.state.settings.files_url_ttl_seconds)
    r = await t.fetch(client, shown["url"], 403)
    assert r.json()["code"] == "file_link_expired"
    fresh = (await client.get(f"/files/{shown['id']}", headers=resident)).json()
    await t.fetch(client, fresh["url"])


async def test_the_same_bytes_are_stored_once(client, app):
    one = await f.login_as(app, "resident", username="13912345678")
    two = await f.login_as(app, "resident", username="13912340000")
    photo = t.photo_with_gps()
    a = await t.upload(client, one, photo)
    b = await t.upload(client, two, photo, "same.jpg")
    c = await t.upload(client, one, t.scan("x"), "x.pdf")
    d = await t.upload(client, two, t.scan("x"), "x.pdf")
    assert a["id"] != b["id"] and a["sha256"] == b["sha256"] and c["sha256"] == d["sha256"]
    assert await t.counts(app) == {"files": 4, "file_blobs": 2, "file_links": 0}
    assert len(t.on_disk(app)["store"]) == 3  # two blobs and the photo's thumbnail
    # Sharing bytes shares nothing else: each upload is its owner's.
    assert (await client.get(f"/files/{a['id']}", headers=two)).status_code == 404


async def test_files_no_record_references_are_swept_after_the_grace_period(client, app, clock):
    resident = await f.login_as(app, "resident", username="13912345678")
    kept = await t.upload(client, resident, t.photo_with_gps())
    dropped = await t.upload(client, resident, t.scan("draft"), "draft.pdf")
    shared = await t.upload(client, resident, t.photo_with_gps(), "again.jpg")  # same bytes as the kept one
    r = await client.post("/reports", json={**REPORT, "files": [kept["id"]]}, headers=resident)
    assert r.status_code == 201, r.text
    # Leftovers of a crash: a spool file, and an object whose upload never committed.
    store = app.state.settings.data_dir / "files"
    stray_spool = store / "incoming" / "crashed.part"
    stray_spool.write_bytes(b"partial")
    stray = store / "store" / blob_key("f" * 64)
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"orphan")
    old = (clock.now() - timedelta(days=3)).timestamp()  # written long before, by the application's clock
    for path in (stray_spool, stray):
        os.utime(path, (old, old))

    done = await files_service.sweep(app.state)
    # The uploads are within their grace period; the leftovers are long past theirs.
    assert done == {"files_removed": 0, "blobs_removed": 0, "objects_removed": 1, "spool_removed": 1}
    assert not stray.exists() and not stray_spool.exists()
    clock.advance(hours=app.state.settings.files_orphan_grace_hours + 1)
    done = await files_service.sweep(app.state)
    assert done == {"files_removed": 2, "blobs_removed": 1, "objects_removed": 0, "spool_removed": 0}
    async with app.state.sessionmaker() as session:
        left = (await session.execute(select(StoredFile.id))).scalars().all()
        blobs = (await session.execute(select(FileBlob.sha256))).scalars().all()
    assert left == [kept["id"]] and blobs == [kept["sha256"]]
    assert sorted(p.name for p in t.on_disk(app)["store"]) == [kept["sha256"], kept["sha256"] + ".jpg"]
    assert t.on_disk(app)["spool"] == []
    assert (await client.get(f"/files/{dropped['id']}", headers=resident)).status_code == 404
    assert (await client.get(f"/files/{shared['id']}", headers=resident)).status_code == 404
    await t.fetch(client, (await client.get(f"/files/{kept['id']}", headers=resident)).json()["url"])


async def test_a_case_carries_at_most_the_configured_number_of_files(client, app):
    app.state.settings.files_max_per_case = 2
    resident = await f.login_as(app, "resident", username="13912345678")
    ids = [(await t.upload(client, resident, t.photo_with_gps(colour=(i, i, i))))["id"] for i in range(3)]
    r = await client.post("/reports", json={**REPORT, "files": ids}, headers=resident)
    assert (r.status_code, r.json()["code"]) == (422, "files_too_many")
    r = await client.post("/reports", json={**REPORT, "files": ids[:2]}, headers=resident)
    assert r.status_code == 201, r.text


# --- bad input: each a specific problem+json, nothing stored, no partial file left on disk ---------------------

BOUNDARY = "csc-test-boundary"


def multipart(content: bytes, name: str = "photo.jpg", field: str = "file") -> bytes:
    return (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
            f"Content-Type: image/jpeg\r\n\r\n").encode() + content + f"\r\n--{BOUNDARY}--\r\n".encode()


async def _pieces(body: bytes, size: int = 64 * 1024):
    for start in range(0, len(body), size):
        yield body[start:start + size]


async def test_bad_uploads_are_refused_with_their_own_problem_and_leave_nothing(client, app):
    app.state.settings.files_max_bytes = 200 * 1024
    resident = await f.login_as(app, "resident", username="13912345678")
    kind = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    big = t.photo_with_gps() + os.urandom(300 * 1024)
    image = t.photo_with_gps()
    cases = [
        # over the limit, refused from its declared length before a byte is read
        (dict(content=multipart(big), headers={**resident, **kind}), 413, "file_too_large"),
        # over the limit, without a length (chunked): refused as the bytes pass the limit
        (dict(content=_pieces(multipart(big)), headers={**resident, **kind}), 413, "file_too_large"),
        # an executable renamed .jpg; a web page; an image that is not one
        (dict(content=multipart(t.ELF, "holiday.jpg"), headers={**resident, **kind}), 415, "file_type_not_allowed"),
        (dict(content=multipart(b"<html><script>alert(1)</script></html>", "a.jpg"), headers={**resident, **kind}),
         415, "file_type_not_allowed"),
        (dict(content=multipart(image[:40] + b"\x00" * 400), headers={**resident, **kind}), 422, "file_unreadable"),
        # an empty file
        (dict(content=multipart(b""), headers={**resident, **kind}), 422, "file_empty"),
        # the body ends before the closing boundary (the connection dropped)
        (dict(content=_pieces(multipart(image)[:-60], 100), headers={**resident, **kind}), 400, "upload_truncated"),
        (dict(content=multipart(image)[: len(multipart(image)) // 2], headers={**resident, **kind}), 400,
         "upload_truncated"),
        # not an upload at all; an upload without its file; a field that is not one; a kind that is not one
        (dict(json={"file": "aGVsbG8="}, headers=resident), 415, "upload_not_multipart"),
        (dict(data={"kind": "photo"}, files={"other": ("a.jpg", image)}, headers=resident), 400, "upload_malformed"),
        (dict(files={"kind": (None, "photo")}, headers=resident), 422, "upload_no_file"),
        (dict(data={"kind": "passport"}, files={"file": ("a.jpg", image)}, headers=resident), 422,
         "upload_field_invalid"),
        (dict(data={"owner": "1"}, files={"file": ("a.jpg", image)}, headers=resident), 422, "upload_field_invalid"),
    ]
    for request, status, code in cases:
        r = await client.post("/files", **request)
        assert (r.status_code, r.headers["content-type"], r.json()["code"]) == (
            status, "application/problem+json", code), (code, r.text)
        assert await t.counts(app) == {"files": 0, "file_blobs": 0, "file_links": 0}, code
        assert t.on_disk(app) == {"store": [], "spool": []}, code
    r = await client.post("/files", content=multipart(t.ELF, "holiday.jpg"), headers={**resident, **kind,
                                                                                       "Accept-Language": "en"})
    assert "application/x-executable" in r.json()["detail"] and "image/jpeg" in r.json()["detail"]

    app.state.settings.files_max_image_pixels = 1000
    r = await client.post("/files", files={"file": ("a.jpg", image)}, headers=resident)
    assert (r.status_code, r.json()["code"]) == (422, "image_too_large")
    assert t.on_disk(app) == {"store": [], "spool": []} and await t.counts(app) == {
        "files": 0, "file_blobs": 0, "file_links": 0}


async def test_a_record_cannot_name_someone_elses_file_or_one_that_does_not_exist(client, app):
    await _item(client, app, "TEST-ALLOWANCE", 15)
    resident = await f.login_as(app, "resident", username="13912345678")
    neighbour = await f.login_as(app, "resident", username="13912340000")
    theirs = await t.upload(client, neighbour, t.photo_with_gps())
    before = await t.counts(app)
    for body, field, code in (({**REPORT, "files": [theirs["id"]]}, "files.0", "file_not_yours"),
                              ({**REPORT, "files": [theirs["id"] + 1000]}, "files.0", "file_not_found")):
        r = await client.post("/reports", json=body, headers=resident)
        assert (r.status_code, r.json()["code"], r.json()["errors"][0]["field"]) == (422, code, field), r.text
    r = await client.post("/reports", json={**REPORT, "files": [1, 1]}, headers=resident)
    assert (r.status_code, r.json()["code"]) == (422, "validation_failed")
    for material, code in (({"source": "upload", "file_id": theirs["id"]}, "file_not_yours"),
                           ({"source": "upload", "file_id": 999999}, "file_not_found"),
                           ({"source": "upload"}, "validation_failed"),
                           ({"source": "upload", "file_ref": "files/id.pdf"}, "validation_failed")):
        r = await client.post("/affairs/applications", json={
            "item_code": "TEST-ALLOWANCE", "applicant": {"id_number": "110105194403120033", "name": "李秀英"},
            "region_code": YUANDONG, "materials": [{"code": "id_card", **material}]}, headers=resident)
        assert (r.status_code, r.json()["code"]) == (422, code), r.text
    async with app.state.sessionmaker() as session:
        from app.models import Case

        assert (await session.execute(select(Case.id))).first() is None  # nothing was filed
    assert await t.counts(app) == before


async def test_a_mediation_agreement_carries_its_draft_and_the_sealed_scan(client, app):
    from tests.api.test_mediation import AGREEMENT, _resident_party, dispute
    from tests.factories import act_latest

    resident, me = await _resident_party(client, app)
    case = (await client.post("/mediation/cases", json=dispute(me["id"]), headers=resident)).json()
    staff = await f.login_as(app, "unit_staff", unit=case["lead_unit"]["id"])
    await act_latest(client, staff, case["id"], "hold_session", {
        "held_on": "2026-11-23", "mediator": "刘调解员", "participants": ["李建华", "张三"], "notes": "双方陈述"})
    draft = await t.upload(client, staff, t.scan("draft"), "调解协议书（草稿）.pdf", kind="agreement")
    drafted = await act_latest(client, staff, case["id"], "draft_agreement", {**AGREEMENT, "files": [draft["id"]]})
    assert drafted["payload"]["agreement"]["files"] == [draft["id"]]
    for party in ({"party": 0}, {"party": 1}, {"mediator": True}):
        await act_latest(client, staff, case["id"], "sign_agreement", party)
    sealed_scan = await t.upload(client, staff, t.scan("sealed"), "调解协议书.pdf", kind="agreement")
    sealed = await act_latest(client, staff, case["id"], "seal_agreement",
                              {"seal_no": "YL-2026-118", "files": [sealed_scan["id"]]})
    assert sealed["payload"]["agreement"]["files"] == [sealed_scan["id"]]
    shown = (await client.get(f"/cases/{case['id']}/files", headers=resident)).json()
    assert [(a["id"], a["purpose"], a["sensitive"]) for a in shown] == [
        (draft["id"], "agreement", True), (sealed_scan["id"], "agreement", True)]
    assert (await t.fetch(client, shown[1]["url"])).content == t.scan("sealed")
