"""HTTP for files: upload, read (signed links), download, and a case's files."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from app.cases import service as cases
from app.core.auth import ClockDep, SessionDep
from app.core.context import CtxDep
from app.core.db import UnitOfWorkRoute
from app.core.errors import AppError
from app.files import intake, service
from app.files.schemas import FILE_KINDS, AttachedFile, FileRead
from app.files.store import store_for

router = APIRouter(tags=["files"], route_class=UnitOfWorkRoute)

UPLOAD_DOC = """multipart/form-data with one file in the field `file`, and optionally `kind` (id_card,
household_register, certificate, photo, agreement, document, other) and `sensitive` (true/false). The body is
streamed to disk while it is hashed and counted, never held in memory. The type is read from the bytes (the
file's name and declared type are not trusted); images are re-encoded without their EXIF data (GPS position,
camera) and get a thumbnail. The same bytes uploaded twice are stored once. An upload belongs to its uploader
until a record (an application's materials, a report, a reply, an agreement) names its id; one that no record
names is removed after the grace period. ID cards and household registers are personal documents: every download
of them is audited."""


UPLOAD_BODY = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary"},
        "kind": {"type": "string", "enum": list(FILE_KINDS), "default": "other"},
        "sensitive": {"type": "boolean", "default": False}}}}}}


@router.post("/files", status_code=201, response_model=FileRead, summary="Upload a file (multipart, streamed)",
             description=UPLOAD_DOC, openapi_extra={"requestBody": UPLOAD_BODY},
             responses={413: {"description": "file_too_large"}, 415: {"description": "file_type_not_allowed, "
                                                                                    "upload_not_multipart"},
                        400: {"description": "upload_truncated, upload_malformed"}})
async def upload(ctx: CtxDep, request: Request) -> FileRead:
    # The caller is known: the connection goes back to the pool while the body streams in (SQLite has one, and a
    # slow phone would hold it for the whole upload). Nothing was written; the upload opens its own transaction.
    await ctx.session.rollback()
    settings = ctx.state.settings
    received = await intake.receive(request, store_for(settings).spool, max_bytes=settings.files_max_bytes,
                                    file_fields=frozenset({"file"}))
    async with received:
        spooled = received.file("file")
        if spooled is None:
            raise AppError("upload_no_file", 422, field="file",
                           field_errors=[{"field": "file", "code": "upload_no_file"}])
        return await service.upload(ctx, spooled, received.fields)


@router.get("/files/{file_id}", response_model=FileRead,
            summary="A file's details with fresh signed links (its uploader, or whoever may read its record)")
async def read(ctx: CtxDep, file_id: int) -> FileRead:
    return await service.read(ctx, file_id)


@router.get("/cases/{case_id}/files", response_model=list[AttachedFile],
            summary="The files attached to a case, with signed links (whoever may read the case)")
async def case_files(ctx: CtxDep, case_id: int) -> list[AttachedFile]:
    await cases.load_visible(ctx, case_id, with_children=False)
    return await service.case_files(ctx, case_id)


@router.get("/files/{file_id}/content", response_class=StreamingResponse,
            summary="Download through a signed link (no login: the link is the permission, until it expires)",
            responses={200: {"content": {"application/octet-stream": {}}},
                       403: {"description": "file_link_invalid, file_link_expired"}})
async def content(file_id: int, request: Request, session: SessionDep, clock: ClockDep,
                  v: Annotated[str | None, Query(description="rendition: file or thumbnail")] = None,
                  h: Annotated[str | None, Query(description="the holder the link was signed for")] = None,
                  e: Annotated[str | None, Query(description="expiry, Unix seconds")] = None,
                  s: Annotated[str | None, Query(description="the signature")] = None) -> StreamingResponse:
    # Declared so that other parameters are refused; a missing or malformed part is a bad link (403), not a 422.
    link = {k: value for k, value in {"v": v, "h": h, "e": e, "s": s}.items() if value is not None}
    found = await service.download(request.app.state, session, file_id, link, clock.now(),
                                   request.client.host if request.client else None)
    return StreamingResponse(found.pieces, media_type=found.media_type, headers=found.headers)
