"""Open311 GeoReport v2 under /open311/v2/: `.json` or `.xml` by suffix, the spec's documents and errors."""

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.core.auth import ClockDep, SessionDep
from app.core.db import LenientRoute
from app.core.errors import AppError, message
from app.core.forms import is_url_encoded, utf8_form
from app.core.ratelimit import limit_open311
from app.files import intake
from app.files import service as files
from app.files.store import store_for
from app.open311 import render, repository, service
from app.open311.service import Open311Error, clean

# GeoReport v2 lets clients send parameters a server does not use (jurisdiction_id, api_key, extensions):
# Open311 routes read what they know and leave the rest, as its specification gives.
router = APIRouter(prefix="/open311/v2", tags=["open311"], route_class=LenientRoute)
FORMATS = ("json", "xml")


def _fmt(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Open311Error(404, "format must be .json or .xml")
    return fmt


async def _params(request: Request, form: dict[str, str] | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """Query and form together (api_key and jurisdiction_id may come in either); attribute[code] apart."""
    params: dict[str, Any] = dict(request.query_params)
    if form is not None:
        params.update(form)
    elif request.method == "POST" and is_url_encoded(request):
        try:
            params.update(await utf8_form(request))
        except UnicodeDecodeError as exc:
            raise Open311Error(400, "the form must be encoded in UTF-8") from exc
    elif request.method == "POST":
        form_data = await request.form()
        params.update({k: v for k, v in form_data.items() if isinstance(v, str)})
    attributes = {k[len("attribute["):-1]: v for k, v in params.items()
                  if k.startswith("attribute[") and k.endswith("]")}
    return clean(params), clean(attributes)


async def _media(request: Request, session: Any, rows: list[Any], now: Any) -> dict[int, str]:
    """media_url of the requests that came with a photo: a signed link that lives about an hour (the list is
    public; the photos were cleaned of their EXIF data when they arrived)."""
    return await files.public_media_urls(request.app.state, session, [c.id for c in rows], now,
                                         str(request.base_url))


def _descriptions(exc: AppError) -> list[str]:
    """One error a field names (`attribute[tenant_1_id_number]: …`), else the refusal's own text."""
    if not exc.field_errors:
        return [message(exc.code, True, **exc.params)]
    return [f"{e['field']}: {message(e['code'], True, **{**exc.params, **e.get('params', {})})}"
            for e in exc.field_errors]


@router.get("/discovery.{fmt}", summary="Open311 discovery")
async def discovery(fmt: str, request: Request) -> Response:
    try:
        f = _fmt(fmt)
    except Open311Error as exc:
        return render.error("json", exc.status, exc.description)
    base = str(request.base_url).rstrip("/") + "/open311/v2/"
    data = {"changeset": "2026-11-23T00:00:00Z", "contact": "12345 政务服务便民热线", "key_service": "由中心管理员签发",
            "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": base,
                           "changeset": "2026-11-23T00:00:00Z", "type": "production",
                           "formats": ["text/xml", "application/json"]}]}
    return render.respond(f, data, root="discovery", item=None)


@router.get("/services.{fmt}", summary="Open311 service list: the categories the public may report")
async def services(fmt: str, request: Request, session: SessionDep) -> Response:
    try:
        f = _fmt(fmt)
    except Open311Error as exc:
        return render.error("json", exc.status, exc.description)
    own = service.intakes(request.app.state)
    rows = [service.service_entry(leaf, group) for leaf, group in await service.public_services(session, own)]
    return render.respond(f, rows, root="services", item="service")


@router.get("/services/{code}.{fmt}", summary="Open311 service definition (attributes)")
async def service_definition(code: str, fmt: str, request: Request, session: SessionDep) -> Response:
    own = service.intakes(request.app.state)
    try:
        f = _fmt(fmt)
        if code not in {leaf.code for leaf, _ in await service.public_services(session, own)}:
            raise Open311Error(404, f"service_code {code} is not a service")
    except Open311Error as exc:
        return render.error(fmt if fmt in FORMATS else "json", exc.status, exc.description)
    return render.respond(f, service.definition(code, own.get(code)), root="service_definition", item=None)


@router.post("/requests.{fmt}", summary="Open311: post a service request (form-encoded, api_key)",
             dependencies=[Depends(limit_open311(render.error))])
async def post_request(fmt: str, request: Request, session: SessionDep, clock: ClockDep) -> Response:
    f = fmt if fmt in FORMATS else "json"
    upload: intake.Upload | None = None
    try:
        _fmt(fmt)
        if request.headers.get("content-type", "").startswith("multipart/"):  # `media`: a photo, streamed to disk
            settings = request.app.state.settings
            upload = await intake.receive(request, store_for(settings).spool, max_bytes=settings.files_max_bytes,
                                          file_fields=frozenset({"media"}))
        params, attributes = await _params(request, upload.fields if upload else None)
        case, notice = await service.create(request.app.state, session, params, attributes, clock.now(),
                                            media=upload.file("media") if upload else None)
    except Open311Error as exc:
        return render.error(f, exc.status, exc.description)
    except AppError as exc:  # the spine's and the kinds' own refusals, in the spec's error document
        await session.rollback()
        return render.errors(f, exc.status if exc.status in (413, 415) else 400, _descriptions(exc))
    finally:
        if upload is not None:
            upload.discard()
    entry = {"service_request_id": case.number, "service_notice": notice, "account_id": None}
    return render.respond(f, [entry], root="service_requests", item="request", status=201)


@router.get("/requests.{fmt}", summary="Open311: requests, by ids, services, dates and status (90-day window)")
async def get_requests(fmt: str, request: Request, session: SessionDep, clock: ClockDep) -> Response:
    f = fmt if fmt in FORMATS else "json"
    try:
        _fmt(fmt)
        p, _ = await _params(request)
        ids = [x.strip() for x in p.get("service_request_id", "").split(",") if x.strip()]
        codes = [x.strip() for x in p.get("service_code", "").split(",") if x.strip()]
        statuses = {x.strip() for x in p.get("status", "").split(",") if x.strip()}
        if not statuses <= {"open", "closed"}:
            raise Open311Error(400, "status must be open or closed")
        status = statuses.pop() if len(statuses) == 1 else None
        if ids:  # the spec: with ids, every other parameter is ignored
            codes, status, start, end = [], None, None, None
        else:
            start, end = service.window(p, clock.now())
        try:
            page = int(p.get("page", 1))
            size = min(int(p.get("page_size", service.MAX_RESULTS)), service.MAX_RESULTS)
        except ValueError as exc:
            raise Open311Error(400, "page and page_size must be whole numbers") from exc
        if page < 1 or size < 1:
            raise Open311Error(400, "page and page_size start at 1")
    except Open311Error as exc:
        return render.error(f, exc.status, exc.description)
    rows = await repository.requests(session, numbers=ids, codes=codes, status=status, start=start, end=end,
                                     offset=(page - 1) * size, limit=size)
    units, cats = await repository.names(session, rows)
    media = await _media(request, session, rows, clock.now())
    private = frozenset(service.intakes(request.app.state))
    return render.respond(f, [service.request_entry(c, units, cats, media, private) for c in rows],
                          root="service_requests", item="request")


@router.get("/requests/{request_id}.{fmt}", summary="Open311: one request")
async def get_request(request_id: str, fmt: str, request: Request, session: SessionDep, clock: ClockDep) -> Response:
    f = fmt if fmt in FORMATS else "json"
    rows = await repository.requests(session, numbers=[request_id], codes=[], status=None, start=None, end=None,
                                     offset=0, limit=1)
    if fmt not in FORMATS:
        return render.error("json", 404, "format must be .json or .xml")
    if not rows:
        return render.error(f, 404, f"service_request_id {request_id} not found")
    units, cats = await repository.names(session, rows)
    media = await _media(request, session, rows, clock.now())
    private = frozenset(service.intakes(request.app.state))
    return render.respond(f, [service.request_entry(rows[0], units, cats, media, private)],
                          root="service_requests", item="request")


@router.get("/tokens/{token}.{fmt}", summary="Open311: the request a token stands for")
async def get_token(token: str, fmt: str, session: SessionDep) -> Response:
    f = fmt if fmt in FORMATS else "json"
    rows = await repository.requests(session, numbers=[token], codes=[], status=None, start=None, end=None,
                                     offset=0, limit=1)
    if fmt not in FORMATS or not rows:
        return render.error(f, 404, f"token {token} not found")
    # Requests are answered with their id at once; a token is that id.
    return render.respond(f, [{"service_request_id": rows[0].number, "token": token}], root="service_requests",
                          item="request")
