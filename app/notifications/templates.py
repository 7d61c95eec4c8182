"""Which events tell the resident, and in what words: the seed file parsed and checked, and messages rendered.
Pure: no database, no clock."""

import hashlib
import json
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any

import yaml

from app.core.security import mask_id_number, mask_phone

LOCALES = ("zh", "en")
# What the code fills; a template naming anything else is refused when the file is read.
PLACEHOLDERS = frozenset({"number", "unit", "due_date", "rate_link", "missing", "supplement_due", "item"})
CHANNELS = frozenset({"sms", "webhook", "wechat"})
FALLBACK = "case_update"

_ID_LIKE = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_MOBILE_LIKE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


class TemplateError(ValueError):
    """The seed file is wrong: `code` names what (template_placeholder_unknown, ...), `where` the place."""

    def __init__(self, code: str, where: str):
        super().__init__(f"{code}: {where}")
        self.code, self.where = code, where


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time
    channels: frozenset[str]
    except_urgency: frozenset[str]


@dataclass(frozen=True)
class Policy:
    quiet: QuietHours | None
    rate_count: int
    rate_window_minutes: int
    dedup_hours: int
    max_attempts: int
    backoff_base_seconds: float
    backoff_cap_seconds: float


@dataclass(frozen=True)
class Catalogue:
    templates: Mapping[str, Mapping[str, str]]  # name -> locale -> text
    events: Mapping[str, Sequence[str]]  # event type -> template names
    policy: Policy

    def for_event(self, event_type: str, data: Mapping[str, Any]) -> Sequence[str]:
        """The templates an event sends: its own list, else the fallback when a kind asks to tell the resident."""
        if event_type in self.events:
            return self.events[event_type]
        return (FALLBACK,) if data.get("notify_requester") else ()


def placeholders(text: str) -> set[str]:
    names: set[str] = set()
    for _, name, spec, conv in string.Formatter().parse(text):
        if name is None:
            continue
        if not name.isidentifier() or spec or conv:
            raise TemplateError("template_placeholder_invalid", name)
        names.add(name)
    return names


def _clock(raw: str, where: str) -> time:
    try:
        return time.fromisoformat(raw)
    except (TypeError, ValueError) as exc:
        raise TemplateError("notification_policy_invalid", where) from exc


def parse(raw: Mapping[str, Any]) -> Catalogue:
    templates: dict[str, dict[str, str]] = {}
    for name, texts in (raw.get("templates") or {}).items():
        if not isinstance(texts, Mapping) or "zh" not in texts:
            raise TemplateError("template_invalid", f"templates.{name}")
        for locale, text in texts.items():
            if locale not in LOCALES or not isinstance(text, str) or not text.strip():
                raise TemplateError("template_invalid", f"templates.{name}.{locale}")
            try:
                unknown = placeholders(text) - PLACEHOLDERS
            except ValueError as exc:  # an unbalanced brace
                raise TemplateError("template_placeholder_invalid", f"templates.{name}.{locale}") from exc
            if unknown:
                raise TemplateError("template_placeholder_unknown", f"templates.{name}.{locale}: {sorted(unknown)}")
        templates[name] = dict(texts)
    if FALLBACK not in templates:
        raise TemplateError("template_missing", FALLBACK)
    events: dict[str, tuple[str, ...]] = {}
    for event_type, names in (raw.get("events") or {}).items():
        for name in names or ():
            if name not in templates:
                raise TemplateError("template_missing", f"events.{event_type}: {name}")
        events[event_type] = tuple(names or ())
    p = raw.get("policy") or {}
    q = p.get("quiet_hours")
    quiet = None
    if q:
        channels = frozenset(q.get("channels") or ())
        if channels - CHANNELS:
            raise TemplateError("notification_policy_invalid", "policy.quiet_hours.channels")
        quiet = QuietHours(_clock(q.get("start"), "policy.quiet_hours.start"),
                           _clock(q.get("end"), "policy.quiet_hours.end"), channels,
                           frozenset(q.get("except_urgency") or ()))
    rate = p.get("rate_limit") or {}
    try:
        policy = Policy(quiet=quiet, rate_count=int(rate.get("count", 5)),
                        rate_window_minutes=int(rate.get("window_minutes", 60)),
                        dedup_hours=int(p.get("dedup_hours", 72)), max_attempts=int(p.get("max_attempts", 5)),
                        backoff_base_seconds=float(p.get("backoff_base_seconds", 30)),
                        backoff_cap_seconds=float(p.get("backoff_cap_seconds", 3600)))
    except (TypeError, ValueError) as exc:
        raise TemplateError("notification_policy_invalid", "policy") from exc
    if policy.rate_count < 1 or policy.max_attempts < 1:
        raise TemplateError("notification_policy_invalid", "policy")
    return Catalogue(templates=templates, events=events, policy=policy)


_CACHE: dict[Path, tuple[float, Catalogue]] = {}


def load(seed_dir: Path) -> Catalogue:
    """The catalogue of seed_dir/notifications.yaml, read again when the file changes."""
    path = seed_dir / "notifications.yaml"
    stamp = path.stat().st_mtime
    cached = _CACHE.get(path)
    if cached is None or cached[0] != stamp:
        cached = (stamp, parse(yaml.safe_load(path.read_text(encoding="utf-8")) or {}))
        _CACHE[path] = cached
    return cached[1]


def scrub(text: str) -> str:
    """Masks anything that looks like an ID number or a mobile number (a material named after its owner)."""
    text = _ID_LIKE.sub(lambda m: mask_id_number(m.group()) or "", text)
    return _MOBILE_LIKE.sub(lambda m: mask_phone(m.group()) or "", text)


def render(catalogue: Catalogue, name: str, locale: str, values: Mapping[str, Any]) -> str:
    texts = catalogue.templates.get(name) or catalogue.templates[FALLBACK]
    text = texts.get(locale) or texts["zh"]
    filled = {k: ("" if values.get(k) is None else str(values[k])) for k in placeholders(text)}
    return scrub(text.format(**filled))


def ordered_params(catalogue: Catalogue, name: str, values: Mapping[str, Any]) -> dict[str, str]:
    """The Chinese template's placeholders in the order they appear, with their values (what a provider's
    approved template takes: Aliyun by name, Tencent by position)."""
    texts = catalogue.templates.get(name) or catalogue.templates[FALLBACK]
    order = [n for _, n, _, _ in string.Formatter().parse(texts["zh"]) if n]
    return {k: scrub("" if values.get(k) is None else str(values[k])) for k in dict.fromkeys(order)}


def dedup_key(recipient: str, template: str, case_id: int, params: Mapping[str, Any]) -> str:
    raw = json.dumps([recipient, template, case_id, params], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()
