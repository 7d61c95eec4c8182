"""Open311 GeoReport v2 over the case spine: services are the categories the public may report, a request is
an ordinary case (channel `open311`) routed like any other. Never commits.

Parameters are as the spec sends them (form or query strings); empty ones count as absent. Errors are
raised as Open311Error and answered in the spec's error document.
"""

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.cases import service as cases
from app.core.auth import Principal
from app.core.context import Ctx
from app.core.db import id_of
from app.core.errors import AppError
from app.core.observability import redact
from app.core.plugins import PublicRequest, PublicService, ServiceAttribute
from app.core.roles import Role
from app.core.state import AppState
from app.core.validators import caller_phone_of
from app.delivery import keys
from app.files import service as files
from app.files.intake import Spooled
from app.models import ApiKey, Case, Category, Unit
from app.open311 import repository
from app.regions import repository as regions_repo
from app.regions import service as resolution
from app.routing.schemas import WorkOrderType

# Kinds with their own procedure take their own intake (aid at the civil affairs counter, mediation by its
# parties); everything else a resident may report through Open311.
NOT_PUBLIC_GROUPS = frozenset({"civil", "mediation"})
WORK_ORDER_TYPES = WorkOrderType.__args__  # type: ignore[attr-defined]
TYPE_NAMES = {"consultation": "咨询", "help": "求助", "complaint": "投诉", "report": "举报", "suggestion": "建议",
              "praise": "表扬", "other": "其他"}
MAX_WINDOW_DAYS, MAX_RESULTS = 90, 1000


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


def clean(params: dict[str, Any]) -> dict[str, Any]:
    """Empty optional parameters are absent (clients send `lat=&long=`)."""
    return {k: v for k, v in params.items() if v not in (None, "")}


def intakes(state: AppState) -> Mapping[str, PublicService]:
    """The kinds' own intakes offered as Open311 services, by service code (the plug-ins bring them)."""
    return state.plugins.public_services


async def public_services(session: AsyncSession, own: Mapping[str, PublicService]) -> list[tuple[Category, Category]]:
    """(leaf, group) for every category the public may report, and every category a kind's intake serves."""
    rows = await repository.active_categories(session)
    groups = {c.code: c for c in rows if c.parent_code is None}
    return [(c, groups[c.parent_code]) for c in rows
            if c.parent_code in groups and (c.parent_code not in NOT_PUBLIC_GROUPS or c.code in own)]


def service_entry(leaf: Category, group: Category) -> dict[str, Any]:
    return {"service_code": leaf.code, "service_name": leaf.name, "description": leaf.description or leaf.name_en,
            "metadata": True, "type": "realtime", "keywords": ",".join((leaf.name, leaf.name_en)),
            "group": group.name}


def attribute_entry(a: ServiceAttribute) -> dict[str, Any]:
    entry: dict[str, Any] = {"variable": True, "code": a.code, "datatype": a.datatype, "required": a.required,
                             "datatype_description": a.datatype_description or None, "order": a.order,
                             "description": a.description}
    if a.values:
        entry["values"] = [{"key": k, "name": n} for k, n in a.values]
    return entry


def definition(code: str, own: PublicService | None = None) -> dict[str, Any]:
    if own is not None:  # a kind's own intake: its attributes
        return {"service_code": code, "attributes": [attribute_entry(a) for a in own.attributes]}
    return {"service_code": code, "attributes": [
        {"variable": True, "code": "work_order_type", "datatype": "singlevaluelist", "required": True,
         "datatype_description": "诉求类型 / the kind of request", "order": 1,
         "description": "诉求类型（咨询、求助、投诉、举报、建议、表扬、其他）",
         "values": [{"key": k, "name": TYPE_NAMES[k]} for k in WORK_ORDER_TYPES]},
        {"variable": True, "code": "anonymous", "datatype": "singlevaluelist", "required": False,
         "datatype_description": "是否匿名 / report anonymously", "order": 2, "description": "匿名反映",
         "values": [{"key": "true", "name": "是"}, {"key": "false", "name": "否"}]},
    ]}


async def app_key(session: AsyncSession, state: AppState, raw: str | None) -> ApiKey:
    if not raw:
        raise Open311Error(403, "api_key is required")
    try:
        key = await keys.find(session, state, raw)
    except AppError as exc:
        raise Open311Error(403, "api_key is not valid") from exc
    if key.kind != "open311":
        raise Open311Error(403, "api_key is not an Open311 key")
    return key


async def _place(ctx: Ctx, p: dict[str, Any]) -> tuple[str | None, str | None, float | None, float | None]:
    """(community, address, lat, long); no community when only coordinates came: an agent places it."""
    lat, lng = p.get("lat"), p.get("long")
    try:
        latitude = float(lat) if lat is not None else None
        longitude = float(lng) if lng is not None else None
    except ValueError as exc:
        raise Open311Error(400, "lat and long must be numbers") from exc
    if (latitude is None) != (longitude is None):
        raise Open311Error(400, "lat and long come together")
    if latitude is not None and not (math.isfinite(latitude) and math.isfinite(longitude)  # type: ignore[arg-type]
                                     and -90 <= latitude <= 90 and -180 <= longitude <= 180):  # type: ignore[operator]
        raise Open311Error(400, "lat must be within ±90 and long within ±180")
    address = p.get("address_string")
    # Coordinates a loaded community boundary holds place the request on their own (point-in-polygon).
    located = (await resolution.community_at(ctx.state, ctx.session, latitude, longitude)
               if latitude is not None and longitude is not None else None)
    if p.get("address_id"):
        region = await regions_repo.get(ctx.session, p["address_id"])
        if region is None or region.level != "community":
            raise Open311Error(400, "address_id must be a community's 12-digit region code")
        return region.code, address, latitude, longitude
    if address:
        found = await resolution.resolve(ctx.state, ctx.session, address)
        if found.region_code is None or found.level != "community" or found.ambiguous:
            if located is not None:
                return located, address, latitude, longitude
            raise Open311Error(400, "address_string could not be placed in a community; send address_id")
        return found.region_code, address, latitude, longitude
    if latitude is not None:
        return located, None, latitude, longitude
    raise Open311Error(400, "a location is required: lat/long with address_string, address_string, or address_id")


def _app_ctx(ctx_state: AppState, session: AsyncSession, key: ApiKey, now: datetime) -> Ctx:
    principal = Principal(user_id=None, username=f"open311:{key.prefix}", name=key.name,  # type: ignore[arg-type]
                          role=Role.resident, unit_id=None, unit_kind=None, unit_region=None)
    return Ctx(state=ctx_state, session=session, principal=principal, now=now)


def _phone(p: dict[str, Any]) -> str | None:
    try:
        return caller_phone_of(p.get("phone"))
    except AppError as exc:
        raise Open311Error(400, "phone is not a valid phone number") from exc


async def create(ctx_state: AppState, session: AsyncSession, params: dict[str, Any], attributes: dict[str, str],
                 now: datetime, media: Spooled | None = None) -> tuple[Case, str]:
    """The request's case and the service notice it is answered with."""
    p = clean(params)
    if media is not None and p.get("media_url"):
        raise Open311Error(400, "send media or media_url, not both")
    if p.get("media_url") and not str(p["media_url"]).lower().startswith(("https://", "http://")):
        raise Open311Error(400, "media_url must be an http(s) URL")
    key = await app_key(session, ctx_state, p.get("api_key"))
    own = intakes(ctx_state)
    services = await public_services(session, own)
    code = p.get("service_code")
    if not code:
        raise Open311Error(400, "service_code is required")
    if code not in {leaf.code for leaf, _ in services}:
        raise Open311Error(404, f"service_code {code} is not a service")
    ctx = _app_ctx(ctx_state, session, key, now)
    if code in own:
        return await _create_own(ctx, own[code], key, p, attributes, media)
    kind = attributes.get("work_order_type")
    if not kind:
        raise Open311Error(400, "attribute[work_order_type] is required")
    if kind not in WORK_ORDER_TYPES:
        raise Open311Error(400, f"attribute[work_order_type] must be one of {', '.join(WORK_ORDER_TYPES)}")
    service_name = next(leaf.name for leaf, _ in services if leaf.code == code)
    description = p.get("description") or service_name  # optional in the spec
    region, address, latitude, longitude = await _place(ctx, p)
    placed = region is not None
    if region is None:
        # No loaded boundary holds the coordinates: the request is taken in and held at the city level for an
        # agent to place from the map (PATCH the region, then dispatch).
        region = await repository.jurisdiction_root(session)
    phone = _phone(p)
    case = Case(kind="hotline", channel="open311", category_code=code, work_order_type=kind, urgency="normal",
                title=description[:60], description=description[:4000], region_code=region, address=address,
                latitude=latitude, longitude=longitude, caller_name=_name(p), caller_phone=phone,
                anonymous=attributes.get("anonymous") == "true", payload={
                    "category_suggested": False, "region_resolved": "address_id" not in p,
                    "open311": {"app": key.name, "key_prefix": key.prefix, "media_url": p.get("media_url"),
                                "device_id": p.get("device_id"), "account_id": p.get("account_id"),
                                "placement_needed": not placed}})
    case = await cases.open_case(ctx, case, hold=not placed)
    if media is not None:  # a photo only, cleaned of its EXIF data, shown to anyone as the request's media_url
        images = [t for t in ctx_state.settings.files_allowed_types if t.startswith("image/")]
        await files.attach_upload(ctx, id_of(case), media, purpose="open311_media", kind="photo", public=True,
                                  allowed=images)
    notice = ("已受理并派单，办理时限按工作日计算" if case.status == "dispatched"
              else "已受理，待工作人员根据坐标确定所在社区后派单")
    return case, notice


def _name(p: dict[str, Any]) -> str | None:
    return " ".join(x for x in (p.get("last_name"), p.get("first_name")) if x) or None


async def _create_own(ctx: Ctx, own: PublicService, key: ApiKey, p: dict[str, Any], attributes: dict[str, str],
                      media: Spooled | None) -> tuple[Case, str]:
    """A kind's own intake: the place and the caller checked here, the rest by the kind's service."""
    if media is not None or p.get("media_url"):
        raise Open311Error(400, f"service_code {own.service_code} takes no media")
    region, address, latitude, longitude = await _place(ctx, p)
    request = PublicRequest(app=key.name, region_code=region, address=address, latitude=latitude,
                            longitude=longitude, description=p.get("description"), name=_name(p), phone=_phone(p),
                            attributes=attributes)
    return await own.create(ctx, request), own.notice


def _dt(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def request_entry(case: Case, units: dict[int, Unit], categories: dict[str, str],
                  media: dict[int, str] | None = None, private: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The public entry of a request. A kind's own intake (`private` service codes) files personal records (a
    tenancy): the public list shows their service, status and dates, never their words, address or reply."""
    closed = case.status in ("closed", "withdrawn")
    reply = (case.reply or {}).get("text") if case.reply else None
    # The list is public: numbers a resident typed into their own words are masked.
    entry: dict[str, Any] = {
        "service_request_id": case.number, "status": "closed" if closed else "open",
        "status_notes": redact(reply) if reply else None, "service_name": categories.get(case.category_code),
        "service_code": case.category_code, "description": redact(case.description or ""),
        "agency_responsible": units[case.lead_unit_id].name if case.lead_unit_id in units else None,
        "service_notice": "受理后按工作日时限办理，可凭编号查询进度", "requested_datetime": _dt(case.created_at),
        "updated_datetime": _dt(case.updated_at), "expected_datetime": _dt(case.handle_due),
        "address": case.address, "address_id": case.region_code, "zipcode": None,
        "lat": case.latitude, "long": case.longitude,
        "media_url": (media or {}).get(case.id or 0) or ((case.payload or {}).get("open311") or {}).get("media_url")}
    if case.category_code in private:
        entry.update(description=entry["service_name"], status_notes=None, address=None, lat=None, long=None,
                     media_url=None)
    return entry


def parse_date(value: str, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Open311Error(400, f"{name} is not a W3C date-time") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def window(p: dict[str, Any], now: datetime) -> tuple[datetime, datetime]:
    end = parse_date(p["end_date"], "end_date") if "end_date" in p else now
    start = parse_date(p["start_date"], "start_date") if "start_date" in p else end - timedelta(days=MAX_WINDOW_DAYS)
    if start > end:
        raise Open311Error(400, "start_date is after end_date")
    if end - start > timedelta(days=MAX_WINDOW_DAYS):
        raise Open311Error(400, f"the date window may not exceed {MAX_WINDOW_DAYS} days")
    return start, end
