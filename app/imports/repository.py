"""Every query of the imports package: the reference tables, read whole (a city's catalogue is thousands of rows,
not millions), and the catalogue's versions."""

from typing import Any, TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import (
    Boundary,
    CatalogueVersion,
    Category,
    ClassifierExample,
    DeadlineProfile,
    KnowledgeArticle,
    LifeEvent,
    Place,
    Region,
    RoutingRule,
    ServiceItem,
    Unit,
    UnitKind,
    UnitWebhook,
)

T = TypeVar("T")

# The reference tables an import reads whole, each in the order its rows are compared and exported.
ORDER: dict[type, Any] = {
    Region: Region.code,
    UnitKind: UnitKind.code,
    Unit: Unit.code,
    UnitWebhook: UnitWebhook.unit_id,
    Category: Category.code,
    RoutingRule: RoutingRule.id,
    DeadlineProfile: DeadlineProfile.code,
    Place: Place.id,
    Boundary: Boundary.community_code,
    KnowledgeArticle: KnowledgeArticle.code,
}


async def all_rows(session: AsyncSession, model: type[T]) -> list[T]:
    """Every row of one of the reference tables (ORDER), in its order."""
    return list((await session.execute(select(model).order_by(ORDER[model]))).scalars())


async def current_items(session: AsyncSession) -> list[ServiceItem]:
    stmt = select(ServiceItem).where(ServiceItem.current.is_(True)).order_by(ServiceItem.code)
    return list((await session.execute(stmt)).scalars())


async def life_event_codes(session: AsyncSession) -> set[str]:
    return set((await session.execute(select(LifeEvent.code))).scalars())


async def retire_item(session: AsyncSession, code: str) -> None:
    await session.execute(update(ServiceItem).where(ServiceItem.code == code, ServiceItem.current.is_(True))
                          .values(current=False))


async def latest_version(session: AsyncSession) -> CatalogueVersion | None:
    stmt = select(CatalogueVersion).order_by(CatalogueVersion.id.desc()).limit(1)
    return (await session.execute(stmt)).scalar_one_or_none()


async def version_count(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(CatalogueVersion))).scalar_one())


def add(session: AsyncSession, row: Any) -> None:
    session.add(row)


async def flush(session: AsyncSession) -> None:
    await session.flush()


async def leaf_categories(session: AsyncSession) -> set[str]:
    """The active categories a case can carry: those under a group."""
    stmt = select(Category.code).where(Category.parent_code.is_not(None), Category.active.is_(True))  # type: ignore[union-attr,attr-defined]
    return set((await session.execute(stmt)).scalars())


async def history_by_hash(session: AsyncSession, hashes: list[str]) -> dict[str, ClassifierExample]:
    out: dict[str, ClassifierExample] = {}
    for i in range(0, len(hashes), 500):
        stmt = select(ClassifierExample).where(ClassifierExample.text_sha256.in_(hashes[i:i + 500]))  # type: ignore[attr-defined]
        out.update({row.text_sha256: row for row in (await session.execute(stmt)).scalars()})
    return out


async def unit_ids(session: AsyncSession, codes: list[str]) -> dict[str, int]:
    rows = await session.execute(select(Unit.code, Unit.id).where(Unit.code.in_(codes)))  # type: ignore[attr-defined]
    return {code: unit_id for code, unit_id in rows}
