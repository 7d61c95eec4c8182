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
    revealed = (await client.get(f"/cases/{case['id']}", params={"reveal": "contact", "reason": "回访"},
                                 headers=agent)).json()
    assert revealed["requester"]["phone"] == PHONE
    history = (await client.post("/hotline/callers/orders", json={"phone": PHONE}, headers=agent)).json()
    assert case["id"] in [o["id"] for o in history["items"]]  # found through the keyed hash, not the column


async def test_an_applicants_id_number_is_not_stored_in_clear(client, app):
    resident = await f.login_as(app, "resident")
    item = (await client.get("/affairs/items/ELD-ALLOWANCE")).json()
    materials = [{"code": m["code"], "source": "electronic_licence", "file_ref": "f/x"} for m in item["materials"]
                 if m["key"]]
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


# Columns that hold a number in clear on purpose: the login name, which a resident may choose to be her mobile.
CLEAR_BY_DESIGN = {("users", "username")}
# Found by this test and not yet fixed (app/accounts is being changed in another part of issue 11): the account's
# mobile is a plain column. Listed so the rest is enforced; the test fails once it is fixed, to drop it from here.
KNOWN_FINDINGS = {"users.phone"}


async def test_no_table_holds_an_id_or_phone_number_in_clear_and_hashes_are_keyed(client, app, clock):
    """Every column of every table, read raw after a data set with every kind of personal number is written."""
    import hashlib

    from sqlmodel import SQLModel

    from tests.api.test_personal_data_walk import NOT_PERSONAL, seed_personal_data
    from tests.pii_logs import unmasked_numbers

    await seed_personal_data(client, app, clock)
    admin = await f.login_as(app, "admin")
    flag = await client.post("/affairs/credit-flags", headers=admin,
                             json={"id_number": "440305199304150069", "reason": "虚假承诺", "source": "信用中国"})
    key = await client.post("/admin/api-keys", headers=admin, json={"name": "测试系统", "kind": "open311"})
    assert flag.status_code == 201 and key.status_code == 201, (flag.text, key.text)
    found, rows = [], 0
    async with app.state.sessionmaker() as session:
        for table in SQLModel.metadata.sorted_tables:
            result = await session.execute(text(f"SELECT * FROM {table.name}"))
            for row in result.mappings():
                rows += 1
                for column, value in row.items():
                    if value is None or (table.name, column) in CLEAR_BY_DESIGN:
                        continue
                    if numbers := [n for n in unmasked_numbers(str(value)) if n not in NOT_PERSONAL]:
                        found.append(f"{table.name}.{column}: {numbers}")
                    if isinstance(value, str) and key.json()["key"] in value:
                        found.append(f"{table.name}.{column}: the API key in clear")
        hashes = set((await session.execute(text(
            "SELECT id_hash FROM people UNION SELECT id_hash FROM credit_flags UNION "
            "SELECT caller_phone_hash FROM cases WHERE caller_phone_hash IS NOT NULL"))).scalars())
    assert {place.split(":")[0] for place in found} == KNOWN_FINDINGS, found
    assert rows > 500  # the seeded reference data and the personal data set were both read
    plain = {hashlib.sha256(n.encode()).hexdigest() for n in ("440305199304150069", "110105194403120033",
                                                              PHONE, "13912340021")}
    assert hashes and not hashes & plain  # keyed (HMAC): a dictionary of numbers cannot be hashed to match them


def test_the_raw_scan_sees_a_number_in_clear():
    from tests.pii_logs import unmasked_numbers

    assert unmasked_numbers('{"parties": [{"phone": "13700137001"}]}') == ["13700137001"]
    assert unmasked_numbers('{"phone_cipher": "gAAAAABnX1k..."}') == []
