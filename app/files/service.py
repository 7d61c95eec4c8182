"""Files: checked and cleaned, stored once per content, linked to the records they belong to, read through signed
links by those who may read those records, and swept when nothing references them. Never commits (the sweep,
background work, commits its own batches).
"""

import asyncio
import hashlib
import logging
import os
import unicodedata
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession

from app.cases.access import can_see
from app.core import audit
from app.core.context import Ctx
from app.core.db import id_of
from app.core.errors import AppError, NotFound
from app.core.observability import redact
from app.core.roles import Role
from app.core.state import AppState
from app.files import images, repository, signing, sniffing
from app.files.intake import Spooled
from app.files.schemas import FILE_KINDS, PERSONAL_KINDS, AttachedFile, FileRead
from app.files.store import FileStore, blob_key, sha_of_key, store_for, thumbnail_key
from app.models import FileBlob, FileLink, StoredFile

log = logging.getLogger("app.files")
HASH_CHUNK = 1024 * 1024


@dataclass
class Prepared:
    """An upload checked and cleaned, still in the spool, not yet stored or recorded."""

    filename: str
    mime: str
    path: Path  # what will be stored: the upload itself, or the cleaned image
    sha256: str
    size: int
    width: int | None = None
    height: int | None = None
    thumbnail: Path | None = None
    made: list[Path] = field(default_factory=list)  # spool files made here, removed by discard()

    def discard(self) -> None:
        for path in self.made:
            path.unlink(missing_ok=True)


def _hash_and_sync(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as fh:
        while chunk := fh.read(HASH_CHUNK):
            digest.update(chunk)
            size += len(chunk)
        os.fsync(fh.fileno())
    return digest.hexdigest(), size


def safe_name(raw: str, mime: str) -> str:
    """The sender's file name, kept for display: no path, no control characters, at most 200 characters, and no
    phone or ID number in clear (a scan named after its owner's ID number is common)."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().strip(".")
    return redact(name or {"application/pdf": "document.pdf"}.get(mime, "image"))[-200:]


async def prepare(state: AppState, spooled: Spooled, *, allowed: Sequence[str] | None = None) -> Prepared:
    """Sniffs the type from the bytes and cleans an image (metadata dropped, a thumbnail made). No database."""
    settings = state.settings
    mime = sniffing.accepted_type(spooled.head, allowed or settings.files_allowed_types, spooled.field)
    prepared = Prepared(filename=safe_name(spooled.filename, mime), mime=mime, path=spooled.path,
                        sha256=spooled.sha256, size=spooled.size)
    if not sniffing.is_image(mime):
        return prepared
    store = store_for(settings)
    stem = uuid.uuid4().hex
    cleaned, thumbnail = store.spool / f"{stem}.image", store.spool / f"{stem}.thumb"
    prepared.made += [cleaned, thumbnail]
    try:
        shape = await asyncio.to_thread(images.clean, spooled.path, cleaned, thumbnail, mime,
                                        max_pixels=settings.files_max_image_pixels,
                                        thumbnail_px=settings.files_thumbnail_px)
        prepared.sha256, prepared.size = await asyncio.to_thread(_hash_and_sync, cleaned)
    except BaseException:
        prepared.discard()
        raise
    prepared.path, prepared.thumbnail, prepared.width, prepared.height = cleaned, thumbnail, shape.width, shape.height
    return prepared


async def _put(store: FileStore, prepared: Prepared) -> None:
    if prepared.thumbnail is not None:
        await store.put(thumbnail_key(prepared.sha256), prepared.thumbnail)
    await store.put(blob_key(prepared.sha256), prepared.path)  # last: a blob's object means its thumbnail is in


async def keep(ctx: Ctx, prepared: Prepared, *, kind: str, sensitive: bool) -> tuple[StoredFile, FileBlob]:
    """Stores the bytes once per content and records the upload, owned by the caller."""
    store = store_for(ctx.state.settings)
    key = blob_key(prepared.sha256)
    present = await store.exists(key)
    if not present:
        await _put(store, prepared)  # before the transaction takes its locks: the database waits for no disk
    if await repository.touch_blob(ctx.session, prepared.sha256, ctx.now):
        blob = await repository.blob(ctx.session, prepared.sha256)
        assert blob is not None
    else:
        if present:  # the sweep took the blob between the look and now: store the bytes again
            await _put(store, prepared)
        blob = FileBlob(sha256=prepared.sha256, size=prepared.size, mime=prepared.mime, width=prepared.width,
                        height=prepared.height, thumbnail=prepared.thumbnail is not None, created_at=ctx.now,
                        last_used_at=ctx.now)
        await repository.add_blob(ctx.session, blob)
    row = StoredFile(sha256=prepared.sha256, owner_user_id=ctx.principal.user_id, name=prepared.filename,
                     mime=prepared.mime, size=prepared.size, kind=kind,
                     sensitive=sensitive or kind in PERSONAL_KINDS, created_at=ctx.now)
    repository.add(ctx.session, row)
    await ctx.session.flush()
    return row, blob


def upload_options(fields: dict[str, str]) -> tuple[str, bool]:
    """The upload's `kind` and `sensitive` form fields; nothing else may come with the file."""
    unknown = sorted(set(fields) - {"kind", "sensitive"})
    if unknown:
        raise AppError("upload_field_invalid", 422, field=unknown[0],
                       field_errors=[{"field": unknown[0], "code": "upload_field_invalid"}])
    kind = fields.get("kind") or "other"
    if kind not in FILE_KINDS:
        raise AppError("upload_field_invalid", 422, field="kind",
                       field_errors=[{"field": "kind", "code": "upload_field_invalid",
                                      "message": ", ".join(FILE_KINDS)}])
    raw = (fields.get("sensitive") or "false").lower()
    if raw not in ("true", "false", "1", "0"):
        raise AppError("upload_field_invalid", 422, field="sensitive",
                       field_errors=[{"field": "sensitive", "code": "upload_field_invalid"}])
    return kind, raw in ("true", "1")


async def upload(ctx: Ctx, spooled: Spooled, fields: dict[str, str]) -> FileRead:
    kind, sensitive = upload_options(fields)
    prepared = await prepare(ctx.state, spooled)
    try:
        row, blob = await keep(ctx, prepared, kind=kind, sensitive=sensitive)
    finally:
        prepared.discard()
    return present(ctx.state, row, blob, holder=ctx.principal.user_id or signing.PUBLIC, now=ctx.now)


# --- links to records ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FileRef:
    """A file id named in a request, with where it was named (for the field error) and what it is within the record."""

    file_id: int
    field: str
    ref: str | None = None


def refs(ids: Sequence[int], field: str) -> list[FileRef]:
    return [FileRef(file_id, f"{field}.{i}") for i, file_id in enumerate(ids)]


async def claim(ctx: Ctx, named: Sequence[FileRef]) -> list[tuple[FileRef, StoredFile]]:
    """The files a request names, each one uploaded by the caller; any other is refused with the field named."""
    found = await repository.files_by_ids(ctx.session, [r.file_id for r in named], lock=True)
    out = []
    for r in named:
        row = found.get(r.file_id)
        if row is None:
            raise AppError("file_not_found", 422, field_errors=[{"field": r.field, "code": "file_not_found"}])
        if ctx.principal.user_id is None or row.owner_user_id != ctx.principal.user_id:
            raise AppError("file_not_yours", 422, field_errors=[{"field": r.field, "code": "file_not_yours"}])
        out.append((r, row))
    return out


async def link(ctx: Ctx, case_id: int, claimed: Sequence[tuple[FileRef, StoredFile]], *, purpose: str,
               sensitive: bool = False, public: bool = False) -> list[int]:
    """Attaches claimed files to a case (who attached them, when, why); personal documents stay marked."""
    if not claimed:
        return []
    limit = ctx.state.settings.files_max_per_case
    if await repository.count_links(ctx.session, case_id) + len(claimed) > limit:
        raise AppError("files_too_many", 422, limit=limit,
                       field_errors=[{"field": claimed[0][0].field.rsplit(".", 1)[0], "code": "files_too_many"}])
    for r, row in claimed:
        if sensitive and not row.sensitive:
            row.sensitive = True
        repository.add(ctx.session, FileLink(file_id=id_of(row), case_id=case_id, purpose=purpose, ref=r.ref,
                                             public=public, attached_by_user_id=ctx.principal.user_id,
                                             attached_at=ctx.now))
    return [id_of(row) for _, row in claimed]


async def attach(ctx: Ctx, case_id: int, named: Sequence[FileRef], *, purpose: str,
                 sensitive: bool = False) -> list[int]:
    return await link(ctx, case_id, await claim(ctx, named), purpose=purpose, sensitive=sensitive)


async def attach_upload(ctx: Ctx, case_id: int, spooled: Spooled, *, purpose: str, kind: str, public: bool,
                        allowed: Sequence[str] | None = None) -> int:
    """Stores a file that came with the record's own request (Open311's `media`) and attaches it at once."""
    prepared = await prepare(ctx.state, spooled, allowed=allowed)
    try:
        row, _ = await keep(ctx, prepared, kind=kind, sensitive=False)
    finally:
        prepared.discard()
    await link(ctx, case_id, [(FileRef(id_of(row), spooled.field), row)], purpose=purpose, public=public)
    return id_of(row)


# --- reading --------------------------------------------------------------------------------------------------------

def present(state: AppState, row: StoredFile, blob: FileBlob, *, holder: int, now: datetime) -> FileRead:
    key = signing.url_key(state.keys.jwt_secret)
    ttl = state.settings.files_url_ttl_seconds
    assert row.id is not None
    link_ = signing.issue(row.id, "file", holder, now, ttl)
    thumb = signing.issue(row.id, "thumbnail", holder, now, ttl).path(key) if blob.thumbnail else None
    return FileRead(id=row.id, name=row.name, mime=row.mime, size=row.size, sha256=row.sha256, kind=row.kind,
                    sensitive=row.sensitive, width=blob.width, height=blob.height, created_at=row.created_at,
                    url=link_.path(key), thumbnail_url=thumb,
                    urls_expire_at=datetime.fromtimestamp(link_.expires, UTC))


async def readable(ctx: Ctx, file_id: int) -> StoredFile:
    """The file, when the caller may read it: its uploader, an administrator, or whoever may read a case it is
    attached to. Anyone else is told it does not exist."""
    row = await repository.get_file(ctx.session, file_id)
    if row is None:
        raise NotFound("file_not_found")
    principal = ctx.principal
    if principal.role == Role.admin or (principal.user_id is not None and row.owner_user_id == principal.user_id):
        return row
    links = await repository.links_of_file(ctx.session, file_id)
    cases = await repository.cases_with_assignments(ctx.session, {link.case_id for link in links})
    if any(can_see(case, principal) for case in cases):
        return row
    raise NotFound("file_not_found")


async def read(ctx: Ctx, file_id: int) -> FileRead:
    row = await readable(ctx, file_id)
    blob = await repository.blob(ctx.session, row.sha256)
    assert blob is not None
    return present(ctx.state, row, blob, holder=ctx.principal.user_id or signing.PUBLIC, now=ctx.now)


async def case_files(ctx: Ctx, case_id: int) -> list[AttachedFile]:
    """The files of a case the caller may read (the caller's visibility was checked by loading the case)."""
    out = []
    for link_, row, blob in await repository.links_of_case(ctx.session, case_id):
        shown = present(ctx.state, row, blob, holder=ctx.principal.user_id or signing.PUBLIC, now=ctx.now)
        out.append(AttachedFile(**shown.model_dump(), purpose=link_.purpose, ref=link_.ref, public=link_.public,
                                attached_at=link_.attached_at))
    return out


async def public_media_urls(state: AppState, session: AsyncSession, case_ids: Sequence[int], now: datetime,
                            base_url: str) -> dict[int, str]:
    """Case id -> an absolute link to its first public image (Open311's media_url)."""
    key = signing.url_key(state.keys.jwt_secret)
    out: dict[int, str] = {}
    for case_id, file_id in await repository.public_images(session, case_ids):
        if case_id not in out:
            link_ = signing.issue_public(file_id, "file", now, state.settings.files_public_url_ttl_seconds)
            out[case_id] = base_url.rstrip("/") + link_.path(key)
    return out


@dataclass(frozen=True)
class Download:
    pieces: Iterator[bytes]
    headers: dict[str, str]
    media_type: str


def _disposition(name: str, inline: bool) -> str:
    ascii_name = name.encode("ascii", "replace").decode("ascii").replace('"', "'").replace("?", "_")
    return f"{'inline' if inline else 'attachment'}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


async def download(state: AppState, session: AsyncSession, file_id: int, query: dict[str, str], now: datetime,
                   ip: str | None) -> Download:
    """The bytes a signed link grants; a personal document's download is audited in the holder's name."""
    try:
        variant, holder, expires, sig = query["v"], int(query["h"]), int(query["e"]), query["s"]
    except (KeyError, ValueError) as exc:
        raise AppError("file_link_invalid", 403) from exc
    signing.verify(signing.url_key(state.keys.jwt_secret), file_id, variant, holder, expires, sig, now)
    row = await repository.get_file(session, file_id)
    blob = await repository.blob(session, row.sha256) if row is not None else None
    if row is None or blob is None or (variant == "thumbnail" and not blob.thumbnail):
        raise NotFound("file_not_found")
    key = blob_key(row.sha256) if variant == "file" else thumbnail_key(row.sha256)
    try:
        pieces = await store_for(state.settings).open(key)
    except FileNotFoundError as exc:
        log.error("stored object missing", extra={"detail": {"file_id": file_id, "variant": variant}})
        raise AppError("file_missing_in_store", 503) from exc
    if row.sensitive:
        audit.record(session, at=now, action="file.download", actor_user_id=holder or None, target_type="file",
                     target_id=file_id, ip=ip, detail={"kind": row.kind, "variant": variant})
    image = blob.mime.startswith("image/")
    mime = "image/jpeg" if variant == "thumbnail" else row.mime
    size = None if variant == "thumbnail" else row.size
    remaining = max(0, expires - int(now.timestamp()))
    cache = ("no-store" if row.sensitive else
             f"public, max-age={remaining}" if holder == signing.PUBLIC else f"private, max-age={remaining}")
    headers = {"Content-Disposition": _disposition(row.name, inline=image), "Cache-Control": cache,
               "ETag": f'"{row.sha256}"' if variant == "file" else f'"{row.sha256}-t"'}
    if size is not None:
        headers["Content-Length"] = str(size)
    return Download(pieces=pieces, headers=headers, media_type=mime)


# --- the sweep ------------------------------------------------------------------------------------------------------

BATCH = 500
STORE_SCAN_EVERY = timedelta(hours=1)
_last_scan: dict[str, datetime] = {}


async def sweep(state: AppState) -> dict[str, int]:
    """Removes uploads no record references after the grace period, then the bytes no upload names, then any
    object or spool file a failed request or a crash left behind. Commits per batch."""
    now = state.clock.now()
    cutoff = now - timedelta(hours=state.settings.files_orphan_grace_hours)
    store = store_for(state.settings)
    done = {"files_removed": 0, "blobs_removed": 0, "objects_removed": 0, "spool_removed": 0}
    while True:
        async with state.sessionmaker() as session:
            rows = await repository.unreferenced_files(session, cutoff, BATCH)
            await repository.delete_files(session, [r.id for r in rows if r.id is not None])
            await session.commit()
        done["files_removed"] += len(rows)
        if len(rows) < BATCH:
            break
    while True:
        async with state.sessionmaker() as session:
            blobs = await repository.unreferenced_blobs(session, cutoff, BATCH)
            for blob in blobs:  # objects first, inside the transaction that holds the rows
                await store.delete(blob_key(blob.sha256))
                await store.delete(thumbnail_key(blob.sha256))
            await repository.delete_blobs(session, [b.sha256 for b in blobs])
            await session.commit()
        done["blobs_removed"] += len(blobs)
        if len(blobs) < BATCH:
            break
    scanned = _last_scan.get(str(store.spool))
    if scanned is None or now - scanned >= STORE_SCAN_EVERY:
        _last_scan[str(store.spool)] = now
        done["objects_removed"] = await _leftover_objects(state, store, cutoff)
        done["spool_removed"] = _leftover_spool(store, cutoff)
    return done


async def _leftover_objects(state: AppState, store: FileStore, cutoff: datetime) -> int:
    """Objects older than the grace period whose blob row never committed (a request failed after the put)."""
    removed = 0
    for prefix in ("blobs/", "thumbs/"):
        old = await store.older_than(prefix, cutoff)
        for start in range(0, len(old), BATCH):
            batch = old[start:start + BATCH]
            async with state.sessionmaker() as session:
                known = await repository.known_blobs(session, {s for o in batch if (s := sha_of_key(o.key))})
            for obj in batch:
                if sha_of_key(obj.key) not in known:
                    await store.delete(obj.key)
                    removed += 1
    return removed


def _leftover_spool(store: FileStore, cutoff: datetime) -> int:
    """Spool files of uploads a crash interrupted."""
    removed = 0
    for path in store.spool.iterdir():
        try:
            if datetime.fromtimestamp(path.stat().st_mtime, UTC) < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed
