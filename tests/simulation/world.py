"""The simulated district: the real app in-process, its actors, and what they did.

A `World` holds one app (built on its own database copy, with a FrozenClock), an httpx client over ASGI, the
people who act (residents, hotline agents, dispatchers, an administrator, staff of every unit of 福田区, made
as they are first needed) and the cases they opened. The actors' steps live in tests/simulation/actors.py; the
invariants in tests/simulation/invariants.py. Every request goes through `call`, which records the answer: a 5xx
is itself a violation, and so is a 4xx that wrote something.
"""

import itertools
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from httpx import AsyncClient, Response
from sqlalchemy import func, select

from app.core.clock import FrozenClock
from app.models import Case, CaseEvent, OutboxEvent, Region, Unit
from tests import factories as f

DISTRICT = "440304"  # 福田区: every case of the simulation happens here


class Violation(AssertionError):
    """An invariant did not hold; the message names it and what was found."""

    def __init__(self, invariant: str, detail: str) -> None:
        super().__init__(f"invariant {invariant!r} violated: {detail}")
        self.invariant = invariant


@dataclass
class Stats:
    steps: int = 0
    actions: dict[str, int] = field(default_factory=dict)
    answers: dict[int, int] = field(default_factory=dict)
    checks: dict[str, int] = field(default_factory=dict)  # after each step, on what it touched
    full_checks: dict[str, int] = field(default_factory=dict)  # in the full sweeps, over everything
    full_sweeps: int = 0
    full_seconds: float = 0.0
    full_parts: dict[str, float] = field(default_factory=dict)  # the full sweeps' seconds, by part
    refusals: dict[str, int] = field(default_factory=dict)  # which refusals the steps met, by problem code

    def count(self, table: dict, key: Any) -> None:
        table[key] = table.get(key, 0) + 1


@dataclass
class Seen:
    """What the invariants remember of a case between steps: the timeline's ids and types as first read."""

    version: int = 0
    events: list[tuple[int, str, str | None]] = field(default_factory=list)


class World:
    def __init__(self, app: Any, client: AsyncClient, clock: FrozenClock, rnd: random.Random) -> None:
        self.app, self.client, self.clock, self.rnd = app, client, clock, rnd
        # A simulated year: a token minted in November must still open the door in January (found by seed 20261207).
        app.state.test_token_ttl = timedelta(days=800)
        self.stats = Stats()
        self.cases: list[int] = []
        self.requester_of: dict[int, int] = {}  # case id -> resident index
        self.category: dict[int, str] = {}  # case id -> its category as last set (duplicates merge within one)
        self.phones: list[str] = []  # callers so far: repeat callers dial again
        self.last_event_id = 0
        self.seen: dict[int, Seen] = {}
        self.touched: set[int] = set()  # cases a step changed or tried to change
        self.touched_tasks: set[int] = set()  # volunteer tasks a step acted on (tests/simulation/timebank.py)
        self.touched_people: set[int] = set()  # people whose time-bank hours a step moved
        self.timebank_marks = {"entry": 0, "account": 0, "hours": 0}  # the newest rows already checked, by id
        self.checked_at: datetime | None = None  # the simulated instant of the last check
        self.calendar_loaded = False
        self.housing: list[int] = []  # tenancies filed (tests/simulation/housing.py)
        self.housing_key: str | None = None  # the partner app's Open311 key, issued when first needed
        self.swept_at: datetime | None = None  # when the worker's sweeps last ran
        self.workstations: dict[str, int] | None = None  # community -> its workstation (tests/simulation/timebank.py)
        self.volunteers: list[dict[str, Any]] = []  # approved volunteers: ids, their headers, a linked parent
        self.tasks: list[int] = []  # volunteer tasks published
        self.aid: list[int] = []  # aid applications (tests/simulation/aid.py)
        self.mediation: list[int] = []  # disputes filed (tests/simulation/mediation.py)
        self.affairs: list[int] = []  # one-stop applications (tests/simulation/affair.py)
        self.care: list[int] = []  # eldercare orders (tests/simulation/eldercare.py)
        self.affair_filers: dict[int, dict[str, Any]] = {}  # application -> who filed it, how, the applicant's number
        self.affair_items: dict[str, dict[str, Any]] = {}  # the guide's items as the API reads them
        self.aid_bodies: dict[int, dict[str, Any]] = {}  # aid application -> the household as declared
        self.leaders: dict[int, dict[str, str]] = {}  # unit -> a leader (分管领导) of its staff, who may override
        self.log: list[str] = []  # the steps, for the report of a violation
        self._phone = itertools.count(13800000000 + rnd.randrange(1_000_000) * 100)
        self.staff: dict[int, dict[str, str]] = {}
        self.pace = 1.0  # scales the time steps: a long run spreads its steps over a year

    async def setup(self) -> None:
        app = self.app
        self.admin = await f.login_as(app, "admin")
        self.agents = [await f.login_as(app, "agent") for _ in range(3)]
        self.dispatchers = [await f.login_as(app, "dispatcher") for _ in range(2)]
        self.residents: list[tuple[int, dict[str, str]]] = []
        for i in range(4):
            uid = await f.user(app, "resident", username=f"1370000{1000 + i}", name=f"居民{i}")
            self.residents.append((uid, f.bearer(app, uid, "resident")))
        async with app.state.sessionmaker() as session:
            units = (await session.execute(select(Unit.id, Unit.kind, Unit.code).where(
                Unit.code.like(f"{DISTRICT}%"), Unit.active.is_(True)).order_by(Unit.id))).all()
            regions = (await session.execute(select(Region.code, Region.level, Region.parent_code))).all()
            self.communities = sorted(r.code for r in regions if r.level == "community" and r.code.startswith(
                DISTRICT))
            self.parents = {r.code: r.parent_code for r in regions}
            self.unit_region = dict((await session.execute(select(Unit.id, Unit.region_code))).all())
            self.last_event_id = (await session.execute(select(func.max(CaseEvent.id)))).scalar() or 0
            self.last_outbox_id = (await session.execute(select(func.max(OutboxEvent.id)))).scalar() or 0
        self.first_event_id, self.first_outbox_id = self.last_event_id, self.last_outbox_id  # the seed's, if any
        self.units = [u.id for u in units]
        self.unit_kind = {u.id: u.kind for u in units}
        self.retired: set[int] = set()  # units an import retired (and not restored)
        self.unit_seq = 0  # units and categories the administrators added
        self.new_categories: dict[str, str] = {}  # categories the administrators added -> what a caller says

    async def units_changed(self) -> None:
        """After an import of units: the active ones, where they serve, the retired ones."""
        async with self.app.state.sessionmaker() as session:
            units = (await session.execute(select(Unit.id, Unit.kind, Unit.region_code, Unit.active).where(
                Unit.code.like(f"{DISTRICT}%") | Unit.code.like("sim-%")).order_by(Unit.id))).all()
        self.units = [u.id for u in units if u.active]
        self.unit_kind = {u.id: u.kind for u in units}
        self.unit_region.update({u.id: u.region_code for u in units})
        self.retired = {u.id for u in units if not u.active}

    # --- requests ------------------------------------------------------------------------------------------------

    async def staff_of(self, unit_id: int) -> dict[str, str]:
        if unit_id not in self.staff:
            self.staff[unit_id] = await f.login_as(self.app, "unit_staff", unit=unit_id)
        return self.staff[unit_id]

    async def call(self, method: str, url: str, headers: dict[str, str], *, case_id: int | None = None,
                   **kwargs: Any) -> Response:
        """One request. A 5xx is a violation; a refused request must leave its case as it was."""
        before = await self.case_version(case_id) if case_id is not None else None
        response = await self.client.request(method, url, headers=headers, **kwargs)
        self.stats.count(self.stats.answers, response.status_code)
        if 400 <= response.status_code < 500:
            body = response.json() if response.headers.get("content-type", "").endswith("json") else None
            code = body.get("code") if isinstance(body, dict) else "open311" if isinstance(body, list) else "?"
            self.stats.count(self.stats.refusals, f"{method} {url.split('/')[1]} {response.status_code} {code}")
        if response.status_code >= 500:
            raise Violation("no_server_errors", f"{method} {url} -> {response.status_code}: {response.text[:500]}")
        if case_id is not None:
            self.touched.add(case_id)
            if response.status_code >= 400 and await self.case_version(case_id) != before:
                raise Violation("refusals_write_nothing",
                                f"{method} {url} -> {response.status_code} changed case {case_id}")
        return response

    async def case_version(self, case_id: int) -> int | None:
        async with self.app.state.sessionmaker() as session:
            return (await session.execute(select(Case.version).where(Case.id == case_id))).scalar()

    async def read(self, case_id: int, headers: dict[str, str] | None = None) -> dict[str, Any] | None:
        r = await self.call("GET", f"/cases/{case_id}", headers or self.admin)
        return r.json() if r.status_code == 200 else None

    async def act(self, headers: dict[str, str], case: dict[str, Any], action: str,
                  body: dict[str, Any] | None = None) -> Response:
        self.note(f"{action} on case {case['id']} ({case['status']}) body={body}")
        r = await self.call("POST", f"/cases/{case['id']}/actions/{action}", {**headers,
                            "If-Match": f'"{case["version"]}"'}, case_id=case["id"], json=body or {})
        if r.status_code == 409 and r.json().get("code") == "action_not_allowed" and action in case.get(
                "allowed_actions", ()):
            raise Violation("allowed_actions_are_allowed",
                            f"{action} was offered on case {case['id']} but refused: {r.text[:300]}")
        return r

    # --- choices -------------------------------------------------------------------------------------------------

    def note(self, text: str) -> None:
        self.log.append(f"[{self.clock.now():%Y-%m-%d %H:%M}] {text}")
        del self.log[:-40]

    def today(self) -> date:
        """The simulated day in the deployment's time zone."""
        return self.clock.now().astimezone(ZoneInfo(self.app.state.settings.timezone)).date()

    def new_phone(self) -> str:
        phone = str(next(self._phone))
        self.phones.append(phone)
        return phone

    def pick_case(self) -> int | None:
        if not self.cases:
            return None
        recent = self.cases[-60:]  # most work is on recent cases; sometimes an old one comes back
        return self.rnd.choice(recent if self.rnd.random() < 0.8 else self.cases)

    def other_unit(self, *exclude: int | None) -> int:
        while True:
            unit = self.rnd.choice(self.units)
            if unit not in exclude:
                return unit

    def advance(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)
        self.note(f"time passes: {timedelta(minutes=minutes)}")
