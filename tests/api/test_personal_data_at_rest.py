"""Personal data in the tables: caller phones and ID numbers are ciphertext when read raw, clear only via the API."""

from sqlalchemy import text

from tests import factories as f

PHONE = "13800138000"


async def _raw(app, sql: str, **params):
    async with app.state.sessionmaker() as session:
        return (await session.execute(text(sql), params)).scalar_one()


async def test_caller_phone_is_encrypted_at_rest_and_clear_only_when_revealed(client, app):
    agent = await f.login_as(app, "agent")
    case = await f.case(client, agent, caller_phone=PHONE)
    raw = await _raw(app, "SELECT caller_phone FROM cases WHERE id = :id", id=case["id"])
    assert PHONE not in raw and raw.startswith("gAAAA")  # a Fernet token
    assert case["requester"]["phone"] == "138****8000"
    revealed = (await client.get(f"/cases/{case['id']}", params={"reveal": "contact"}, headers=agent)).json()
    assert revealed["requester"]["phone"] == PHONE
    history = (await client.get(f"/hotline/callers/{PHONE}/orders", headers=agent)).json()
    assert case["id"] in [o["id"] for o in history["items"]]  # found through the keyed hash, not the column


async def test_an_applicants_id_number_is_not_stored_in_clear(client, app):
    resident = await f.login_as(app, "resident")
    item = (await client.get("/affairs/items/ELD-ALLOWANCE")).json()
    materials = [{"code": m["code"], "source": "upload", "file_ref": "f/x"} for m in item["materials"] if m["key"]]
    response = await client.post("/affairs/applications", headers=resident, json={
        "item_code": "ELD-ALLOWANCE", "applicant": {"id_number": "110105194403120033"},
        "region_code": "440304002017", "materials": materials})
    assert response.status_code == 201, response.text
    raw = await _raw(app, "SELECT CAST(payload AS TEXT) FROM cases WHERE id = :id", id=response.json()["id"])
    assert "110105194403120033" not in raw and "gAAAA" in raw


async def test_the_register_and_volunteers_keep_numbers_as_ciphertext_and_keyed_hashes(client, app):
    from tests import care

    _, staff = await care.workstation(app)
    person = await care.person(client, staff, care.ELDER_ID, "李建国", phone=PHONE)
    row = await _raw(app, "SELECT id_cipher || '|' || id_hash || '|' || id_masked || '|' || phone FROM people "
                          "WHERE id = :id", id=person["id"])
    assert care.ELDER_ID not in row and PHONE not in row
    assert row.startswith("gAAAA") and "|110***********0033|gAAAA" in row
    volunteer = await care.volunteer(client, staff, care.CHILD_ID, "小明", emergency_contact=None,
                                     guardian={"name": "王父", "phone": "13600136000", "relationship": "parent",
                                               "consent": True})
    row = await _raw(app, "SELECT emergency_phone || '|' || guardian_phone || '|' || CAST(guardian AS TEXT) "
                          "FROM volunteers WHERE id = :id", id=volunteer["id"])
    assert "13600136000" not in row and row.count("gAAAA") == 2
    case = await care.order(client, staff, person["id"], "meal")
    raw = await _raw(app, "SELECT CAST(payload AS TEXT) || caller_phone FROM cases WHERE id = :id", id=case["id"])
    assert care.ELDER_ID not in raw and PHONE not in raw
