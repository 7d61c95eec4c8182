"""The knowledge base: vetted answers, searchable by segmented words, cited by direct answers. Never commits."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import audit
from app.core.concurrency import changes_of
from app.core.db import after_commit
from app.core.errors import AppError, NotFound
from app.core.segment import words
from app.core.state import AppState
from app.knowledge import repository
from app.knowledge.schemas import ArticleCreate, ArticleRead, ArticleUpdate, SearchHit, SearchResult
from app.knowledge.search import Doc, Index
from app.models import KnowledgeArticle
from app.routing import service as routing
from app.routing.repository import category_names

CACHE_KEY = "knowledge_index"


def local_today(state: AppState, now: datetime) -> date:
    return now.astimezone(ZoneInfo(state.settings.timezone)).date()


def in_force(article: KnowledgeArticle, today: date) -> bool:
    return article.active and article.valid_from <= today and (article.valid_to is None or today <= article.valid_to)


def present(article: KnowledgeArticle, names: dict[str, str], today: date) -> ArticleRead:
    return ArticleRead(
        code=article.code, category={"code": article.category_code,
                                     "name": names.get(article.category_code, article.category_code)},
        question=article.question, answer=article.answer, keywords=list(article.keywords or []),
        policy_title=article.policy_title, document_number=article.document_number, valid_from=article.valid_from,
        valid_to=article.valid_to, note=article.note, active=article.active, in_force=in_force(article, today),
        updated_at=article.updated_at, version=article.version)


async def _index(state: AppState, session: AsyncSession) -> tuple[Index, dict[str, KnowledgeArticle]]:
    async def load() -> tuple[Index, dict[str, KnowledgeArticle]]:
        rows = await repository.all_active(session)
        docs = [Doc(a.code, a.question, tuple(a.keywords or ()), a.answer) for a in rows]
        return Index(docs), {a.code: a for a in rows}

    return await state.cache.get(CACHE_KEY, load)


async def search(state: AppState, session: AsyncSession, q: str, now: datetime, category: str | None,
                 limit: int) -> SearchResult:
    index, by_code = await _index(state, session)
    today = local_today(state, now)
    hits = []
    for hit in index.search(q, limit=len(by_code)):
        article = by_code[hit.code]
        if not in_force(article, today):
            continue
        if category and not (article.category_code == category or article.category_code.startswith(category + ".")):
            continue
        hits.append((hit, article))
        if len(hits) == limit:
            break
    names = await category_names(session, {a.category_code for _, a in hits})
    return SearchResult(query_words=list(dict.fromkeys(words(q))),
                        items=[SearchHit(article=present(a, names, today), score=h.score, matched=list(h.matched))
                               for h, a in hits])


async def usable_article(state: AppState, session: AsyncSession, code: str, now: datetime,
                         field: str = "article_code") -> KnowledgeArticle:
    article = await repository.get(session, code)
    if article is None or not article.active:
        raise AppError("article_not_found", 422, code=code, field_errors=[{"field": field,
                                                                          "code": "article_not_found"}])
    if not in_force(article, local_today(state, now)):
        raise AppError("article_not_in_force", 422, code=code, field_errors=[{"field": field,
                                                                             "code": "article_not_in_force"}])
    return article


async def _check_category(state: AppState, session: AsyncSession, code: str) -> None:
    snap = await routing.snapshot(state, session)
    if code not in routing.leaf_codes(snap):
        known = code in snap.categories and snap.categories[code].active
        raise AppError("category_not_leaf" if known else "category_not_found", 422, code=code,
                       field_errors=[{"field": "category", "code": "category_not_found"}])


async def get(session: AsyncSession, code: str) -> KnowledgeArticle:
    article = await repository.get(session, code)
    if article is None:
        raise NotFound("article_not_found", code=code)
    return article


async def create(state: AppState, session: AsyncSession, body: ArticleCreate, now: datetime,
                 user_id: int) -> KnowledgeArticle:
    await _check_category(state, session, body.category)
    if await repository.get(session, body.code) is not None:
        raise AppError("article_code_taken", 409, code=body.code)
    data = body.model_dump(exclude={"category"})
    article = KnowledgeArticle(**data, category_code=body.category, created_at=now, updated_at=now)
    session.add(article)
    await session.flush()
    audit.record(session, at=now, action="knowledge.create", actor_user_id=user_id, target_type="knowledge_article",
                 target_id=article.code)
    # After the commit: a reload before it (here or in another process) would keep the old articles.
    after_commit(session, CACHE_KEY, lambda: state.cache.invalidate(CACHE_KEY))
    return article


async def update(state: AppState, session: AsyncSession, code: str, body: ArticleUpdate, expected: int | None,
                 now: datetime, user_id: int) -> KnowledgeArticle:
    article = await get(session, code)
    changes = changes_of(body, expected, article.version)
    if "category" in changes:
        await _check_category(state, session, changes["category"])
        changes["category_code"] = changes.pop("category")
    valid_from = changes.get("valid_from", article.valid_from)
    valid_to = changes.get("valid_to", article.valid_to)
    if valid_from is None or (valid_to is not None and valid_to < valid_from):
        raise AppError("validation_failed", 422, field_errors=[{"field": "valid_to", "code": "value_error",
                                                               "message": "valid_to comes after valid_from"}])
    if not await repository.claim_version(session, article.id, article.version):
        raise AppError("version_stale", 412, current="?")
    for key, value in changes.items():
        setattr(article, key, value)
    article.version += 1
    article.updated_at = now
    audit.record(session, at=now, action="knowledge.update", actor_user_id=user_id, target_type="knowledge_article",
                 target_id=article.code, detail={"fields": sorted(changes)})
    await session.flush()
    # After the commit: a reload before it (here or in another process) would keep the old articles.
    after_commit(session, CACHE_KEY, lambda: state.cache.invalidate(CACHE_KEY))
    return article
