"""An application the station left unanswered past the materials-list limit is accepted by rule: the case goes to
in_progress, and the station's lead assignment is signed with it (it stayed 'dispatched' before, so the case and its
assignment disagreed; found by the simulation, tests/simulation, seed 2 of its smoke run, step ~240)."""


from sqlalchemy import select

from app.models import Assignment
from app.supervision.service import expire_stages
from tests import care
from tests import factories as f
from tests.api.test_aid import household


async def test_acceptance_by_rule_signs_the_stations_assignment(client, app, clock):
    resident = await f.login_as(app, "resident", username="13912340071")
    me = (await client.post("/people/me", json={"name": "李建华", "id_number": care.ADULT_ID,
                                                "region_code": care.YUANDONG}, headers=resident)).json()
    case = (await client.post("/aid/applications", json=household(me["id"]), headers=resident)).json()
    clock.advance(days=10)  # past 5 working days, no list of missing materials
    assert await expire_stages(app.state) == 1
    view = await f.desk(client, app, case["id"])
    assert (view["stage"], view["status"], view["timeline"][-1]["type"]) == ("accepted", "in_progress",
                                                                            "accept_by_rule")
    async with app.state.sessionmaker() as session:
        lead = (await session.execute(select(Assignment).where(Assignment.case_id == case["id"],
                                                               Assignment.role == "lead"))).scalar_one()
    assert (lead.status, lead.signed_by) == ("signed", None)
