"""Every query the knowledge base makes."""

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import KnowledgeArticle


async def get(session: AsyncSession, code: str) -> KnowledgeArticle | None:
    stmt = select(KnowledgeArticle).where(KnowledgeArticle.code == code)
    return (await session.execute(stmt)).scalar_one_or_none()


async def all_active(session: AsyncSession) -> list[KnowledgeArticle]:
    stmt = select(KnowledgeArticle).where(KnowledgeArticle.active.is_(True)).order_by(KnowledgeArticle.code)
    return list((await session.execute(stmt)).scalars())


async def page(session: AsyncSession, *, category: str | None, after: str | None, limit: int,
               include_inactive: bool) -> list[KnowledgeArticle]:
    stmt = select(KnowledgeArticle)
    if not include_inactive:
        stmt = stmt.where(KnowledgeArticle.active.is_(True))
    if category:
        stmt = stmt.where((KnowledgeArticle.category_code == category)
                          | KnowledgeArticle.category_code.startswith(category + "."))
    if after:
        stmt = stmt.where(KnowledgeArticle.code > after)
    return list((await session.execute(stmt.order_by(KnowledgeArticle.code).limit(limit))).scalars())


async def claim_version(session: AsyncSession, article_id: int, expected: int) -> bool:
    result = await session.execute(
        update(KnowledgeArticle).where(KnowledgeArticle.id == article_id, KnowledgeArticle.version == expected)
        .values(version=expected + 1).execution_options(synchronize_session=False))
    return result.rowcount == 1
