"""Real cases to clone: a few orders driven through the real API to each point of the lifecycle.

The generator copies these rows rather than re-implementing the lifecycle, so
the bulk data has exactly the columns, event types and JSON shapes that the
application itself writes.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from httpx import ASGITransport, AsyncClient

from app.core.clock import FrozenClock
from tests import factories as f

ECO_DISTRICT = "440304000000"
REPLY = {"text": "已到现场核查并责令整改，现已处理完毕", "signer": "王科长", "basis": "相关法规"}

# name -> the actions taken after filing, each (hours after the previous step, action, body)
FLOWS: dict[str, list[tuple[float, str, dict]]] = {
    "dispatched": [],
    "signed": [(2, "sign", {})],
    "replied": [(2, "sign", {}), (70, "reply", REPLY)],
    "closed_satisfied": [(2, "sign", {}), (70, "reply", REPLY),
                         (26, "callback", {"reached": True, "solved": True, "satisfaction": "satisfied"})],
    "closed_basic": [(1, "sign", {}), (120, "reply", REPLY),
                     (30, "callback", {"reached": True, "solved": True, "satisfaction": "basically_satisfied"})],
}


@dataclass(frozen=True)
class Template:
    name: str
    case_id: int
    lead_unit_id: int
    span: timedelta  # from filing to the last event


async def make_templates(app, clock: FrozenClock, start: datetime) -> list[Template]:
    out = []
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://bench") as client:
        clock.set(start)
        agent = await f.login_as(app, "agent")
        eco = await f.unit_by_kind(app, ECO_DISTRICT, "ecology_environment_bureau")
        staff = await f.login_as(app, "unit_staff", unit=eco)
        for name, steps in FLOWS.items():
            clock.set(start)
            case = await f.case(client, agent)
            elapsed = timedelta()
            for hours, action, body in steps:
                clock.advance(hours=hours)
                elapsed += timedelta(hours=hours)
                who = agent if action == "callback" else staff
                case = await f.act(client, who, case, action, body)
            out.append(Template(name, case["id"], eco, elapsed))
    return out
