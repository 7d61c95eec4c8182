async def test_health_and_ready(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


async def test_numbers_the_database_cannot_hold_are_a_422_not_a_500(client, app):
    """Found by the contract fuzzer: an id past 64 bits (SQLite) or past the column's type (PostgreSQL) was a 500."""
    from tests import factories as f

    agent = await f.login_as(app, "agent")
    for case_id in (2**63, 2**40):
        response = await client.get(f"/cases/{case_id}", headers=agent)
        assert response.status_code in (404, 422), response.text
        assert response.headers["content-type"] == "application/problem+json"
    huge = await client.get(f"/cases/{2**63}", headers=agent)
    assert huge.status_code == 422 and huge.json()["code"] == "value_out_of_range"


async def test_a_body_that_cannot_be_decoded_is_a_400_with_its_own_code(client):
    """Found by the contract fuzzer: bytes that are not UTF-8 under a JSON content type answered code `not_found`."""
    response = await client.post("/auth/register", content=b'{"username": "\xff"}',
                                 headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["code"] == "body_unreadable"
    assert response.headers["content-type"] == "application/problem+json"
