"""Case kinds as plug-ins over the spine.

A kind brings its own payload schema, its checks, the facts it gives the
router and its first stage. The spine only talks to this interface, so a new
kind registers itself here and needs no change in the spine.
"""

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

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

    def parse_payload(self, raw: dict[str, Any] | None) -> dict[str, Any]:
        try:
            return self.payload_model.model_validate(raw or {}).model_dump(mode="json")
        except ValidationError as exc:
            errors = [{"field": "payload." + ".".join(str(p) for p in e["loc"]), "code": e["type"],
                       "message": e["msg"]} for e in exc.errors()]
            raise AppError("validation_failed", 422, field_errors=errors) from exc


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


class HotlinePayload(BaseModel):
    """What intake worked out for the agent rather than being told."""

    model_config = ConfigDict(extra="forbid")

    category_suggested: bool = False
    region_resolved: bool = False


# The 12345 work order is the spine's own kind; the hotline package extends its intake.
register(KindPlugin(name="hotline", title="12345 工单", title_en="12345 work order", payload_model=HotlinePayload))
