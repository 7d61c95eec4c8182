"""The audit trail: every privileged read leaves one record (who, what, when, why); no route changes or deletes a
record; the database refuses UPDATE and early DELETE itself; `purge-audit` deletes only what is 180+ days old."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from app.cli import main
from app.core import audit
from app.models import AuditLog
from tests import factories as f
from tests.api.test_personal_data_walk import seed_personal_data


async def _records(app) -> list[AuditLog]:
    async with app.state.sessionmaker() as session:
        return list((await session.execute(select(AuditLog).order_by(AuditLog.id))).scalars())


async def test_every_privileged_read_leaves_one_record_with_who_what_when_and_why(client, app, clock):
    seeded = await seed_personal_data(client, app, clock)
    staff, agent = seeded.headers["unit_staff"], seeded.headers["agent"]
    [hotline, _, _, mediation, *_] = seeded.fill["case_id"]
    [elder, *_, volunteer_person] = seeded.fill["person_id"]
    [volunteer] = seeded.fill["volunteer_id"]
    reads = [  # (headers, method, url, body, the action, the target, the reason when one is asked)
        (agent, "GET", f"/cases/{hotline}?reveal=contact&reason=回访来电人", None, "case.reveal_contact", str(hotline),
         "回访来电人"),
        (agent, "GET", "/cases/export", None, "case.export", None, None),
        (staff, "GET", f"/people/{elder}", None, "person.read", str(elder), None),
        (staff, "POST", f"/people/{elder}/reveal", {"reason": "核对补贴发放"}, "person.reveal", str(elder),
         "核对补贴发放"),
        (staff, "GET", f"/volunteers/{volunteer}/record", None, "volunteer.record", str(volunteer_person), None),
        (staff, "GET", f"/timebank/accounts/{volunteer_person}", None, "timebank.read", str(volunteer_person), None),
    ]
    committee = await f.unit_by_kind(app, "440304002000", "mediation_committee")
    mediator = await f.login_as(app, "unit_staff", unit=committee)
    reads.append((mediator, "POST", f"/mediation/cases/{mediation}/parties/1/reveal", {"reason": "电话通知调解"},
                  "mediation.reveal_party", str(mediation), "电话通知调解"))
    for headers, method, url, body, action, target, reason in reads:
        before = len(await _records(app))
        response = await client.request(method, url, json=body, headers=headers)
        assert response.status_code == 200, (url, response.text)
        new = (await _records(app))[before:]
        assert [r.action for r in new] == [action], url
        [record] = new
        assert record.actor_user_id is not None and record.at == clock.now() and record.target_id == target, url
        if reason:
            assert record.detail.get("reason") == reason, url


async def test_a_refused_reveal_writes_nothing_and_shows_nothing(client, app, clock):
    seeded = await seed_personal_data(client, app, clock)
    before = len(await _records(app))
    hotline = seeded.fill["case_id"][0]
    response = await client.get(f"/cases/{hotline}?reveal=contact&reason=回访", headers=seeded.headers["volunteer"])
    assert response.status_code in (403, 404) and "13800138000" not in response.text
    assert len(await _records(app)) == before


def test_no_route_changes_or_deletes_audit_records(app):
    paths = app.openapi()["paths"]
    writers = [f"{method.upper()} {path}" for path, item in paths.items() for method in item
               if "audit" in path.lower() and method in ("post", "put", "patch", "delete")]
    assert writers == []
    assert len(paths) > 50  # the schema was really read


async def test_the_database_refuses_to_change_or_delete_recent_records(client, app):
    await f.login_as(app, "admin")  # account.create writes a record
    for statement in ("UPDATE audit_log SET result = 'forged'", "DELETE FROM audit_log"):
        async with app.state.sessionmaker() as session:
            with pytest.raises(Exception, match="append-only"):
                await session.execute(text(statement))
    async with app.state.sessionmaker() as session:
        assert (await session.execute(select(func.count()).select_from(AuditLog))).scalar_one() > 0


async def test_purge_deletes_only_records_older_than_the_retention_and_never_below_180_days(client, app):
    now = datetime.now(UTC)  # the triggers judge age by the database's own clock
    async with app.state.sessionmaker() as session:
        for days in (400, 200, 100):
            audit.record(session, at=now - timedelta(days=days), action=f"test.aged_{days}")
        await session.commit()
    async with app.state.sessionmaker() as session:
        with pytest.raises(ValueError, match="180"):
            await audit.purge(session, now=now, older_than_days=179)
        assert await audit.purge(session, now=now, older_than_days=300) == 1
        await session.commit()
    async with app.state.sessionmaker() as session:
        with pytest.raises(Exception, match="append-only"):  # the database refuses an early purge on its own
            await session.execute(text("DELETE FROM audit_log WHERE action = 'test.aged_100'"))
    async with app.state.sessionmaker() as session:
        assert await audit.purge(session, now=now, older_than_days=180) == 1
        await session.commit()
    left = {r.action for r in await _records(app)}
    assert "test.aged_100" in left and not {"test.aged_400", "test.aged_200"} & left


def test_the_purge_command_refuses_fewer_than_180_days(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["purge-audit", "--older-than-days", "90"])
    assert exit_info.value.code == 2 and "180" in capsys.readouterr().err

