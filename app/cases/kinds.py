"""Case kinds as plug-ins over the spine.

A kind brings its own payload schema, its checks, the facts it gives the
router and its first stage. The spine only talks to this interface, so a new
kind registers itself here and needs no change in the spine.
"""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from app.calendar.deadlines import Limit
from app.cases.stages import StageMachine
from app.core.errors import AppError


class EmptyPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class KindPlugin:
    name: str
    title: str
    title_en: str
    payload_model: type[BaseModel] = EmptyPayload
    initial_stage: str | None = None
    # Channels through which a case of this kind may be created.
    channels: frozenset[str] = field(default_factory=lambda: frozenset(
        {"hotline", "counter", "app", "web", "open311", "staff"}))
    # The kind's own stage actions, their bodies and effects (async (ctx, case, actor, body, view) -> data).
    stages: StageMachine | None = None
    stage_bodies: Mapping[str, type[BaseModel]] = field(default_factory=dict)
    stage_effects: Mapping[str, Callable[..., Awaitable[dict[str, Any]]]] = field(default_factory=dict)
    # The kind's facts for its stage guards, read from the case (pure).
    stage_facts: Callable[[Any], Mapping[str, Any]] = lambda case: {}
    # Brings facts kept on the case up to date before a stage action is decided: async (ctx, case) -> None.
    refresh_facts: Callable[[Any, Any], Awaitable[None]] | None = None
    # Spine actions that make no sense for the kind (an affair is decided, never answered directly).
    blocked_actions: frozenset[str] = frozenset()
    # Who is responsible, when the kind knows better than the category rules: (routing snapshot, case) -> Decision.
    route: Callable[[Any, Any], Any] | None = None
    # The handling limit, when the kind sets it (an affair's promised working days): case -> Limit | None.
    handling_limit: Callable[[Any], Limit | None] | None = None
    # True when the handling limit is the applicant's, not the unit's: a new lead inherits the handling due instead
    # of a fresh clock (aid: the whole process 25 working days, whoever holds it). A redo still starts a new one.
    limit_follows_case: bool = False
    # The extension cap in working days, when the kind's law fixes it (aid: 25 extendable to 40): case -> int.
    extension_cap: Callable[[Any], int] | None = None
    # Called by the sweep when the case's stage_due has passed: async (ctx, case) -> None.
    on_stage_due: Callable[[Any, Any], Awaitable[None]] | None = None
    # The payload as a response shows it: (payload, principal) -> dict; personal data masked here.
    present_payload: Callable[[dict[str, Any], Any], dict[str, Any]] = lambda payload, principal: payload
    # False when the kind has its own intake endpoint that checks what POST /cases cannot (an affair's item).
    generic_intake: bool = True

    def parse_payload(self, raw: dict[str, Any] | None) -> dict[str, Any]:
        try:
            return self.payload_model.model_validate(raw or {}).model_dump(mode="json")
        except ValidationError as exc:
            errors = [{"field": "payload." + ".".join(str(p) for p in e["loc"]), "code": e["type"],
                       "message": e["msg"]} for e in exc.errors()]
            raise AppError("validation_failed", 422, field_errors=errors) from exc


def update_payload(case: Any, **changes: Any) -> None:
    """A kind's facts changed on the case: a new dict, so the JSON column is written."""
    case.payload = {**case.payload, **changes}


def recorded_by(ctx: Any) -> dict[str, Any]:
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


_REGISTRY: dict[str, KindPlugin] = {}


def register(plugin: KindPlugin) -> KindPlugin:
    _REGISTRY[plugin.name] = plugin
    return plugin


def get_kind(name: str) -> KindPlugin:
    plugin = _REGISTRY.get(name)
    if plugin is None:
        raise AppError("kind_unknown", 422, kind=name,
                       field_errors=[{"field": "kind", "code": "kind_unknown", "message": f"{sorted(_REGISTRY)}"}])
    return plugin


def registered() -> list[KindPlugin]:
    return list(_REGISTRY.values())


def stage_action_names() -> frozenset[str]:
    return frozenset(a for p in _REGISTRY.values() if p.stages for a in p.stages.actions)


class HotlinePayload(BaseModel):
    """What intake worked out for the agent rather than being told."""

    model_config = ConfigDict(extra="forbid")

    category_suggested: bool = False
    region_resolved: bool = False


# The 12345 work order is the spine's own kind; the hotline package extends its intake.
register(KindPlugin(name="hotline", title="12345 工单", title_en="12345 work order", payload_model=HotlinePayload))
