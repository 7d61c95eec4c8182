"""Every query of the resident register."""

from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Person, PersonFlag, PersonLink


async def get(session: AsyncSession, person_id: int) -> Person | None:
    return await session.get(Person, person_id)


async def by_hash(session: AsyncSession, id_hash: str) -> Person | None:
    return (await session.execute(select(Person).where(Person.id_hash == id_hash))).scalar_one_or_none()


async def by_user(session: AsyncSession, user_id: int) -> Person | None:
    return (await session.execute(select(Person).where(Person.user_id == user_id))).scalar_one_or_none()


async def get_many(session: AsyncSession, ids: Iterable[int]) -> dict[int, Person]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = (await session.execute(select(Person).where(Person.id.in_(wanted)))).scalars()  # type: ignore[union-attr]
    return {p.id: p for p in rows if p.id is not None}


async def flags(session: AsyncSession, person_id: int, *, active_only: bool = False) -> list[PersonFlag]:
    q = select(PersonFlag).where(PersonFlag.person_id == person_id)
    if active_only:
        q = q.where(PersonFlag.active.is_(True))  # type: ignore[attr-defined]
    return list((await session.execute(q.order_by(PersonFlag.id))).scalars())


async def flag(session: AsyncSession, person_id: int, flag_id: int) -> PersonFlag | None:
    row = await session.get(PersonFlag, flag_id)
    return row if row is not None and row.person_id == person_id else None


async def links(session: AsyncSession, person_id: int) -> list[PersonLink]:
    q = select(PersonLink).where(PersonLink.person_id == person_id).order_by(PersonLink.id)
    return list((await session.execute(q)).scalars())


async def link_between(session: AsyncSession, a: int, b: int) -> list[PersonLink]:
    q = select(PersonLink).where(or_((PersonLink.person_id == a) & (PersonLink.relative_id == b),
                                     (PersonLink.person_id == b) & (PersonLink.relative_id == a)))
    return list((await session.execute(q)).scalars())


async def relation_of(session: AsyncSession, person_id: int, relative_id: int) -> str | None:
    """What `relative_id` is to `person_id` (spouse, child, …), or None when they are not linked."""
    q = select(PersonLink.relation).where(PersonLink.person_id == person_id, PersonLink.relative_id == relative_id)
    return (await session.execute(q)).scalar_one_or_none()


async def search(session: AsyncSession, *, region_prefixes: Iterable[str | None], name: str | None, after_id: int,
                 limit: int) -> list[Person]:
    q = select(Person).where(Person.id > after_id)  # type: ignore[operator]
    for prefix in region_prefixes:  # the caller's scope and the filter asked for: both must hold
        if prefix:
            q = q.where(Person.region_code.startswith(prefix))  # type: ignore[union-attr]
    if name:
        q = q.where(Person.name.contains(name))  # type: ignore[attr-defined]
    return list((await session.execute(q.order_by(Person.id).limit(limit))).scalars())
