"""What a package brings to the application, and the one object that holds them all.

Every domain package exports a `PLUGIN` (kinds export a richer plug-in that
carries one of these). `app.registry` lists them; `create_app`, the worker,
seeding, the message catalogue, the deadline-profile parser and the OpenAPI
tags read what they need from the `Plugins` built from that list. Nothing
registers itself by being imported.
"""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Case

if TYPE_CHECKING:
    from app.core.context import Ctx
    from app.core.seeds import SeedRun
    from app.core.state import AppState

Messages = Mapping[str, tuple[str, str]]  # code -> (Chinese, English)


# Loads the package's seed files: (session, the run) -> rows written, by name. Never commits.
SeedStep = Callable[[AsyncSession, "SeedRun"], Awaitable[Mapping[str, int]]]
# A loop that runs beside the worker's passes (webhook delivery): (state) -> never returns until cancelled.
Loop = Callable[["AppState"], Awaitable[None]]
# A periodic job of the worker: one pass, its own transactions; answers what it did, by name.
Sweep = Callable[["AppState"], Awaitable[Mapping[str, int]]]
# Called for every timeline event, in its transaction (the outbox listens): (ctx, case, event type, data).
EventListener = Callable[["Ctx", Case, str, dict[str, Any]], None]
# Called in the request that changed the working calendar (a year's schedule loaded): (ctx) -> cases touched.
CalendarListener = Callable[["Ctx"], Awaitable[int]]
# Called in the import that retired or moved units (机构改革: a unit closed, merged, or given another place or kind),
# after the import's rows are written and before it commits: (ctx, the changed units' ids each with its kind before
# the import, dry run) -> by changed unit, (open cases moved to the units the router now names, open cases no unit
# could take). With dry run, or when any case could not be taken, it writes nothing (the import is then refused and
# rolled back).
UnitsChangedListener = Callable[["Ctx", Mapping[int, str], bool], Awaitable[Mapping[int, tuple[int, int]]]]
# Who calls with an X-API-Key (a unit's own system): (request, key, now) -> the key's service account's user id.
KeyCheck = Callable[[Request, str, datetime], Awaitable[int]]
# A section of the deadline profile that a package reads (aid's limits), parsed when the profile is loaded.
ProfileParser = Callable[[Mapping[str, Any]], object]


@dataclass(frozen=True)
class ServiceAttribute:
    """One attribute of an Open311 (GeoReport v2) service definition, sent back as `attribute[code]`."""

    code: str
    datatype: str  # the spec's: string, number, datetime, text, singlevaluelist, multivaluelist
    required: bool
    description: str
    order: int
    datatype_description: str = ""
    values: Sequence[tuple[str, str]] = ()  # (key, name) of a value list


@dataclass(frozen=True)
class PublicRequest:
    """An Open311 request for a kind's own intake, as the Open311 package took it in: the standard parameters
    checked (the app's key, the place), the attributes as sent."""

    app: str  # the partner app's key name
    region_code: str | None  # the community the location resolved to; None when it could not be placed
    address: str | None
    latitude: float | None
    longitude: float | None
    description: str | None
    name: str | None
    phone: str | None
    attributes: Mapping[str, str]


@dataclass(frozen=True)
class PublicService:
    """A kind with its own intake, offered to partner apps as an Open311 service under its category's code.

    `create` files the kind's case through the kind's own service from the request, as the app's principal; it
    refuses with an AppError whose field_errors name attributes (`attribute[code]`) or standard parameters, and the
    Open311 package answers each in the spec's error document. Whatever it refuses writes nothing."""

    service_code: str
    attributes: Sequence[ServiceAttribute]
    create: Callable[["Ctx", PublicRequest], Awaitable[Case]]
    notice: str  # the service_notice a taken request is answered with


@dataclass(frozen=True)
class Package:
    name: str
    routers: Sequence[APIRouter] = ()
    # Routers built when the application is assembled, after the kinds are installed (the case actions' routes).
    router_factories: Sequence[Callable[[], APIRouter]] = ()
    tags: Sequence[Mapping[str, str]] = ()  # OpenAPI tag metadata: {"name": ..., "description": ...}
    messages: Messages = field(default_factory=dict)
    titles: Messages = field(default_factory=dict)  # RFC 9457 titles for codes whose messages carry details
    seed: SeedStep | None = None
    sweeps: Sequence[Sweep] = ()
    loops: Sequence[Loop] = ()
    event_listeners: Sequence[EventListener] = ()
    calendar_listeners: Sequence[CalendarListener] = ()
    units_changed_listeners: Sequence[UnitsChangedListener] = ()
    profile_sections: Mapping[str, ProfileParser] = field(default_factory=dict)
    api_key_check: KeyCheck | None = None
    public_services: Sequence[PublicService] = ()  # a kind's own intake through Open311


@dataclass(frozen=True)
class Plugins:
    """Every package of the application, in the order they are seeded and their routes are added."""

    packages: Sequence[Package]
    # Packages whose routers are matched before the others'. FastAPI tries an included router's routes one by
    # one, and a request to the last router paid for matching the 160 routes before it (0.4 ms an intake). No
    # route of one router matches a path another's does (tests/unit/test_route_order.py), so the order of the
    # routers changes no answer, only how soon the busiest requests find theirs.
    routes_first: Sequence[str] = ()

    @property
    def event_listeners(self) -> list[EventListener]:
        return [listener for p in self.packages for listener in p.event_listeners]

    @property
    def calendar_listeners(self) -> list[CalendarListener]:
        return [listener for p in self.packages for listener in p.calendar_listeners]

    @property
    def units_changed_listeners(self) -> list[UnitsChangedListener]:
        return [listener for p in self.packages for listener in p.units_changed_listeners]

    @property
    def sweeps(self) -> list[Sweep]:
        return [sweep for p in self.packages for sweep in p.sweeps]

    @property
    def loops(self) -> list[Loop]:
        return [loop for p in self.packages for loop in p.loops]

    @property
    def routers(self) -> list[APIRouter]:
        first = {name: i for i, name in enumerate(self.routes_first)}
        ordered = sorted(self.packages, key=lambda p: first.get(p.name, len(first)))  # stable: the rest as listed
        return [router for p in ordered for router in (*p.routers, *(f() for f in p.router_factories))]

    @property
    def tags(self) -> list[dict[str, str]]:
        return [dict(tag) for p in self.packages for tag in p.tags]

    @property
    def api_key_check(self) -> KeyCheck | None:
        checks = [p.api_key_check for p in self.packages if p.api_key_check is not None]
        if len(checks) > 1:
            raise ValueError("two packages check API keys")
        return checks[0] if checks else None

    @property
    def public_services(self) -> dict[str, PublicService]:
        out: dict[str, PublicService] = {}
        for p in self.packages:
            for service in p.public_services:
                if service.service_code in out:
                    raise ValueError(f"Open311 service {service.service_code!r} claimed twice")
                out[service.service_code] = service
        return out

    @property
    def profile_sections(self) -> dict[str, ProfileParser]:
        out: dict[str, ProfileParser] = {}
        for p in self.packages:
            for key, parser in p.profile_sections.items():
                if key in out:
                    raise ValueError(f"profile section {key!r} claimed twice")
                out[key] = parser
        return out

    def messages(self) -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]]]:
        """(messages, titles) of every package; a code defined by two packages is an error."""
        messages: dict[str, tuple[str, str]] = {}
        titles: dict[str, tuple[str, str]] = {}
        for p in self.packages:
            for target, source in ((messages, p.messages), (titles, p.titles)):
                clash = target.keys() & source.keys()
                if clash:
                    raise ValueError(f"{p.name} defines codes another package defines: {sorted(clash)}")
                target.update(source)
        return messages, titles
