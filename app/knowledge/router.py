"""HTTP for the knowledge base: search for everyone signed in, changes for administrators."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from app.core.auth import AdminUser, ClockDep, CurrentUser, SessionDep
from app.core.concurrency import etag, parse_if_match
from app.core.db import UnitOfWorkRoute
from app.core.pagination import MAX_LIMIT, Page, decode_cursor, encode_cursor
from app.knowledge import repository, service
from app.knowledge.schemas import ArticleCreate, ArticleRead, ArticleUpdate, SearchResult
from app.routing.repository import category_names

router = APIRouter(prefix="/knowledge", tags=["knowledge base"], route_class=UnitOfWorkRoute)


async def _read(request: Request, session: SessionDep, article, now, status: int = 200) -> JSONResponse:
    names = await category_names(session, {article.category_code})
    body = service.present(article, names, service.local_today(request.app.state, now))
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers={"ETag": etag(article.version)})


@router.get("/search", response_model=SearchResult, summary="Articles ranked by segmented-word relevance",
            description="The query is cut into words (jieba) and ranked with BM25 over each article's question, "
                        "keywords (weighted) and answer. Only articles in force today are returned.")
async def search(request: Request, session: SessionDep, principal: CurrentUser, clock: ClockDep,
                 q: Annotated[str, Query(min_length=1, max_length=200)],
                 category: Annotated[str | None, Query(max_length=64)] = None,
                 limit: Annotated[int, Query(ge=1, le=50)] = 10) -> SearchResult:
    return await service.search(request.app.state, session, q, clock.now(), category, limit)


@router.get("/articles", response_model=Page[ArticleRead], summary="Articles by code")
async def list_articles(request: Request, session: SessionDep, principal: CurrentUser, clock: ClockDep,
                        category: Annotated[str | None, Query(max_length=64)] = None,
                        include_inactive: bool = False, cursor: str | None = None,
                        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50) -> Page[ArticleRead]:
    after = decode_cursor(cursor, 1) if cursor else None
    rows = await repository.page(session, category=category, after=after[0] if after else None, limit=limit + 1,
                                 include_inactive=include_inactive)
    names = await category_names(session, {a.category_code for a in rows})
    today = service.local_today(request.app.state, clock.now())
    items = [service.present(a, names, today) for a in rows[:limit]]
    return Page(items=items, next_cursor=encode_cursor([rows[limit - 1].code]) if len(rows) > limit else None)


@router.get("/articles/{code}", response_model=ArticleRead, summary="One article")
async def get_article(code: str, request: Request, session: SessionDep, principal: CurrentUser,
                      clock: ClockDep) -> JSONResponse:
    return await _read(request, session, await service.get(session, code), clock.now())


@router.post("/articles", response_model=ArticleRead, status_code=201, summary="Add an article (administrators)")
async def create_article(body: ArticleCreate, request: Request, session: SessionDep, admin: AdminUser,
                         clock: ClockDep) -> JSONResponse:
    article = await service.create(request.app.state, session, body, clock.now(), admin.user_id)
    return await _read(request, session, article, clock.now(), 201)


@router.patch("/articles/{code}", response_model=ArticleRead,
              summary="Change an article (administrators; If-Match; `active: false` retires it)")
async def update_article(code: str, body: ArticleUpdate, request: Request, session: SessionDep, admin: AdminUser,
                         clock: ClockDep) -> JSONResponse:
    article = await service.update(request.app.state, session, code, body, parse_if_match(request, required=False),
                                   clock.now(), admin.user_id)
    return await _read(request, session, article, clock.now())
