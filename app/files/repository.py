"""Every query of the files package."""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlmodel import col

from app.core.db import dialect_of, related, rowcount
from app.models import Case, FileBlob, FileLink, StoredFile


async def touch_blob(session: AsyncSession, sha256: str, now: datetime) -> bool:
    """Marks a blob as just used (the sweep leaves it alone); False when there is no such blob (any more)."""
    result = await session.execute(update(FileBlob).where(col(FileBlob.sha256) == sha256)
                                   .values(last_used_at=now))
    return rowcount(result) > 0


async def blob(session: AsyncSession, sha256: str) -> FileBlob | None:
    return await session.get(FileBlob, sha256)


async def add_blob(session: AsyncSession, row: FileBlob) -> None:
    """Inserts the blob unless a concurrent upload of the same bytes did it first."""
    values = {c: getattr(row, c) for c in ("sha256", "size", "mime", "width", "height", "thumbnail", "created_at",
                                           "last_used_at")}
    insert = pg_insert if dialect_of(session) == "postgresql" else sqlite_insert
    await session.execute(insert(FileBlob).values(**values).on_conflict_do_nothing(index_elements=["sha256"]))


def add(session: AsyncSession, row: StoredFile | FileLink) -> None:
    session.add(row)


async def files_by_ids(session: AsyncSession, ids: Iterable[int], *, lock: bool = False) -> dict[int, StoredFile]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    q = select(StoredFile).where(col(StoredFile.id).in_(wanted))
    if lock and dialect_of(session) == "postgresql":
        q = q.with_for_update(of=StoredFile)  # the sweep skips a file being attached
    return {f.id: f for f in (await session.execute(q)).scalars() if f.id is not None}


async def get_file(session: AsyncSession, file_id: int) -> StoredFile | None:
    return await session.get(StoredFile, file_id)


async def blobs_by_sha(session: AsyncSession, shas: Iterable[str]) -> dict[str, FileBlob]:
    wanted = sorted(set(shas))
    if not wanted:
        return {}
    rows = (await session.execute(select(FileBlob).where(col(FileBlob.sha256).in_(wanted)))).scalars()
    return {b.sha256: b for b in rows}


async def count_links(session: AsyncSession, case_id: int) -> int:
    q = select(func.count()).select_from(FileLink).where(col(FileLink.case_id) == case_id)
    return int((await session.execute(q)).scalar_one())


async def links_of_file(session: AsyncSession, file_id: int) -> list[FileLink]:
    q = select(FileLink).where(col(FileLink.file_id) == file_id).order_by(col(FileLink.id))
    return list((await session.execute(q)).scalars())


async def links_of_case(session: AsyncSession, case_id: int) -> list[tuple[FileLink, StoredFile, FileBlob]]:
    q = (select(FileLink, StoredFile, FileBlob).join(StoredFile, col(StoredFile.id) == col(FileLink.file_id))
         .join(FileBlob, col(FileBlob.sha256) == col(StoredFile.sha256))
         .where(col(FileLink.case_id) == case_id).order_by(col(FileLink.id)))
    return [(link, f, b) for link, f, b in (await session.execute(q)).all()]


async def public_images(session: AsyncSession, case_ids: Iterable[int]) -> list[tuple[int, int]]:
    """(case id, file id) of the public images of these cases, first attached first."""
    wanted = sorted(set(case_ids))
    if not wanted:
        return []
    q = (select(col(FileLink.case_id), col(FileLink.file_id)).where(col(FileLink.case_id).in_(wanted),
                                                          col(FileLink.public).is_(True))
         .order_by(col(FileLink.id)))
    return [(case_id, file_id) for case_id, file_id in (await session.execute(q)).all()]


async def cases_with_assignments(session: AsyncSession, case_ids: Iterable[int]) -> list[Case]:
    wanted = sorted(set(case_ids))
    if not wanted:
        return []
    q = select(Case).where(col(Case.id).in_(wanted)).options(selectinload(related(Case, "assignments")))
    return list((await session.execute(q)).scalars())


# --- the sweep ---------------------------------------------------------------------------------------------------

async def unreferenced_files(session: AsyncSession, before: datetime, limit: int) -> list[StoredFile]:
    """Uploads older than `before` that no record links, locked (PostgreSQL) so a concurrent attach waits."""
    q = (select(StoredFile).where(col(StoredFile.created_at) < before,
                                  ~exists().where(col(FileLink.file_id) == col(StoredFile.id)))
         .order_by(col(StoredFile.id)).limit(limit))
    if dialect_of(session) == "postgresql":
        q = q.with_for_update(skip_locked=True, of=StoredFile)
    return list((await session.execute(q)).scalars())


async def delete_files(session: AsyncSession, ids: list[int]) -> None:
    if ids:
        await session.execute(delete(StoredFile).where(col(StoredFile.id).in_(ids)))


async def unreferenced_blobs(session: AsyncSession, before: datetime, limit: int) -> list[FileBlob]:
    """Blobs no upload names and no upload has used since `before`, locked (PostgreSQL): an upload of the same
    bytes touching one waits, then finds it gone and stores the bytes again."""
    q = (select(FileBlob).where(col(FileBlob.last_used_at) < before,
                                ~exists().where(col(StoredFile.sha256) == col(FileBlob.sha256)))
         .order_by(col(FileBlob.sha256)).limit(limit))
    if dialect_of(session) == "postgresql":
        q = q.with_for_update(skip_locked=True, of=FileBlob)
    return list((await session.execute(q)).scalars())


async def delete_blobs(session: AsyncSession, shas: list[str]) -> None:
    if shas:
        await session.execute(delete(FileBlob).where(col(FileBlob.sha256).in_(shas)))


async def known_blobs(session: AsyncSession, shas: Iterable[str]) -> set[str]:
    wanted = sorted(set(shas))
    if not wanted:
        return set()
    q = select(col(FileBlob.sha256)).where(col(FileBlob.sha256).in_(wanted))
    return set((await session.execute(q)).scalars())
