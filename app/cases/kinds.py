"""Case kinds as plug-ins over the spine.

A kind brings its own payload schema, its checks, the facts it gives the
router, its stage machine and hooks, and the package it lives in (router,
messages, seed loader, profile section, sweeps). The spine only talks to
this interface; `app.registry` installs the kinds when the application is
assembled, so a new kind is a new package and one line there.
"""

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from app.calendar.deadlines import Limit
from app.cases.lifecycle import Actor, CaseView
from app.cases.stages import StageMachine
from app.core.auth import Principal
from app.core.context import Ctx
from app.core.errors import AppError
from app.core.plugins import Package
from app.models import Case
from app.routing.rules import Decision, Snapshot

P = TypeVar("P", bound=BaseModel)
ALL_CHANNELS = frozenset({"hotline", "counter", "app", "web", "open311", "staff"})


class EmptyPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StageEffect(Protocol):
    """What a stage action changes, once the stage machine allowed it: (ctx, case, actor, body, view) -> data for
    the timeline event. The body is the action's own validated model."""

    def __call__(self, ctx: Ctx, case: Case, actor: Actor, body: Any, view: CaseView, /) -> Awaitable[dict[str, Any]]:
        ...


CaseHook = Callable[[Ctx, Case], Awaitable[None]]


def _no_facts(case: Case) -> Mapping[str, Any]:
    return {}


def _as_is(payload: dict[str, Any], principal: Principal) -> dict[str, Any]:
    return payload


@dataclass(frozen=True)
class KindPlugin(Generic[P]):
    name: str
    title: str
    title_en: str
    package: Package
    payload_model: type[P]
    initial_stage: str | None = None
    # Channels through which a case of this kind may be created.
    channels: frozenset[str] = ALL_CHANNELS
    # The kind's own stage actions, their bodies and effects.
    stages: StageMachine | None = None
    stage_bodies: Mapping[str, type[BaseModel]] = field(default_factory=dict)
    stage_effects: Mapping[str, StageEffect] = field(default_factory=dict)
    # The kind's facts for its stage guards, read from the case (pure).
    stage_facts: Callable[[Case], Mapping[str, Any]] = _no_facts
    # Brings facts kept on the case up to date before a stage action is decided.
    refresh_facts: CaseHook | None = None
    # Spine actions that make no sense for the kind (an affair is decided, never answered directly).
    blocked_actions: frozenset[str] = frozenset()
    # Who is responsible, when the kind knows better than the category rules.
    route: Callable[[Snapshot, Case], Decision] | None = None
    # The handling limit, when the kind sets it (an affair's promised working days).
    handling_limit: Callable[[Case], Limit | None] | None = None
    # True when the handling limit is the applicant's, not the unit's: a new lead inherits the handling due instead
    # of a fresh clock (aid: the whole process 25 working days, whoever holds it). A redo still starts a new one.
    limit_follows_case: bool = False
    # The extension cap in working days, when the kind's law fixes it (aid: 25 extendable to 40).
    extension_cap: Callable[[Case], int] | None = None
    # Called by the sweep when the case's stage_due has passed.
    on_stage_due: CaseHook | None = None
    # The payload as a response shows it; personal data masked here.
    present_payload: Callable[[dict[str, Any], Principal], dict[str, Any]] = _as_is
    # False when the kind has its own intake endpoint that checks what POST /cases cannot (an affair's item).
    generic_intake: bool = True

    def parse_payload(self, raw: dict[str, Any] | None) -> dict[str, Any]:
        """An intake's payload, checked by the kind's model and stored as JSON."""
        try:
            return self.payload_model.model_validate(raw or {}).model_dump(mode="json")
        except ValidationError as exc:
            errors = [{"field": "payload." + ".".join(str(p) for p in e["loc"]), "code": e["type"],
                       "message": e["msg"]} for e in exc.errors()]
            raise AppError("validation_failed", 422, field_errors=errors) from exc

    def payload_of(self, case: Case) -> P:
        """The case's payload as the kind's model."""
        return self.payload_model.model_validate(case.payload)

    def store(self, case: Case, payload: P) -> None:
        """Writes the kind's model back (a new dict, so the JSON column is written)."""
        case.payload = payload.model_dump(mode="json")


def update_payload(case: Case, **changes: Any) -> None:
    """A kind's facts changed on the case: a new dict, so the JSON column is written."""
    case.payload = {**case.payload, **changes}


def recorded_by(ctx: Ctx) -> dict[str, Any]:
    """When and by whom, as a kind keeps it with what a stage action recorded."""
    return {"at": ctx.now.isoformat(), "by_user_id": ctx.principal.user_id}


def parse_instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def without_keys(value: Any, keys: frozenset[str]) -> Any:
    """A payload with some keys dropped at every depth (which staff member recorded what stays with the staff)."""
    if isinstance(value, dict):
        return {k: without_keys(v, keys) for k, v in value.items() if k not in keys}
    if isinstance(value, list):
        return [without_keys(v, keys) for v in value]
    return value


# The installed kinds, filled by `install` when the application is assembled (app.registry), never by an import.
_INSTALLED: dict[str, KindPlugin[Any]] = {}


def install(kinds: Iterable[KindPlugin[Any]]) -> None:
    """Installs the application's kinds (idempotent; a second kind with a taken name is an error)."""
    for kind in kinds:
        if _INSTALLED.get(kind.name, kind) is not kind:
            raise ValueError(f"two kinds are named {kind.name}")
        _INSTALLED[kind.name] = kind


def get_kind(name: str) -> KindPlugin[Any]:
    plugin = _INSTALLED.get(name)
    if plugin is None:
        raise AppError("kind_unknown", 422, kind=name,
                       field_errors=[{"field": "kind", "code": "kind_unknown", "message": f"{sorted(_INSTALLED)}"}])
    return plugin


def installed() -> list[KindPlugin[Any]]:
    return list(_INSTALLED.values())


def stage_action_names() -> frozenset[str]:
    return frozenset(a for p in _INSTALLED.values() if p.stages for a in p.stages.actions)
