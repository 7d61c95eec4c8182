"""Idempotency-Key for creating POSTs.

The key is claimed inside the request's own unit of work, as its first write, and the stored answer is written by
the same transaction: claim, change and replayable answer commit together, in one transaction. A concurrent duplicate
waits on the claim's unique index until the first request ends (PostgreSQL; SQLite's writers queue anyway), then
replays its answer; a claim committed in flight (another process's, or one kept by an error) answers 409. A request
that fails rolls its claim back with everything else, so a corrected retry may reuse the key.
"""

import hashlib
import re
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import BigInteger, bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.core.auth import ClockDep, CurrentUser, SessionDep
from app.core.db import table_of
from app.core.direct import Direct
from app.core.errors import AppError
from app.core.state import AppState
from app.models import IdempotencyKey

_KEY_RE = re.compile(r"^[\x21-\x7e]{1,200}$")


_CLAIMED = select(IdempotencyKey).where(col(IdempotencyKey.user_id) == bindparam("user_id"),
                                        col(IdempotencyKey.key) == bindparam("key"))
_CLAIM_COLUMNS = ("user_id", "key", "method", "path", "request_hash", "state", "created_at", "expires_at")
_TABLE = table_of(IdempotencyKey)
# SQLite's writers queue (BEGIN IMMEDIATE), so the plain insert is the claim. On PostgreSQL the claim takes the
# key's transaction-scoped advisory lock first, without waiting: a request whose duplicate is still in flight in
# another transaction inserts nothing at once (and answers 409) instead of waiting on the unique index with its
# pooled connection held, which a burst of duplicates would turn into an exhausted pool.
_CLAIM = {dialect: Direct(statement) for dialect, statement in {
    "sqlite": sqlite_insert(_TABLE).on_conflict_do_nothing(index_elements=["user_id", "key"]).returning(_TABLE.c.id),
    "postgresql": pg_insert(_TABLE).from_select(
        list(_CLAIM_COLUMNS),
        select(*[bindparam(name, type_=_TABLE.c[name].type) for name in _CLAIM_COLUMNS])
        .where(func.pg_try_advisory_xact_lock(bindparam("lock", type_=BigInteger))))
    .on_conflict_do_nothing(index_elements=["user_id", "key"]).returning(_TABLE.c.id),
}.items()}


_ANSWERED = Direct(update(_TABLE).where(_TABLE.c.id == bindparam("row_id"))
                   .values(state="done", response_status=bindparam("status"), response_body=bindparam("body")),
                   encoded=("body",))  # the answer's JSON text, as pydantic encoded it


def _lock_key(user_id: int | None, key: str) -> int:
    """A signed 64-bit advisory lock key for (user, key)."""
    digest = hashlib.blake2b(f"idempotency:{user_id}:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def _insert_claim(session: Any, values: dict[str, Any]) -> int | None:
    dialect = session.bind.dialect.name
    if dialect == "postgresql":
        values = {**values, "lock": _lock_key(values["user_id"], values["key"])}
    row = await _CLAIM[dialect].first(session, values)
    return None if row is None else int(row[0])


class Idempotency:
    def __init__(self, request: Request, principal: CurrentUser, session: SessionDep, clock: ClockDep):
        self.request = request
        self.principal = principal
        self.session = session
        self.clock = clock
        self.key = request.headers.get("idempotency-key")
        self.row_id: int | None = None
        if self.key is not None and not _KEY_RE.match(self.key):
            raise AppError("idempotency_key_invalid", 400)

    async def _fingerprint(self) -> str:
        body = await self.request.body()
        digest = hashlib.sha256()
        digest.update(self.request.method.encode() + b" " + self.request.url.path.encode() + b"\n")
        digest.update(body)
        return digest.hexdigest()

    def _answer(self, row: IdempotencyKey, fingerprint: str) -> JSONResponse:
        if row.request_hash != fingerprint:
            raise AppError("idempotency_key_reused", 422)
        if row.state != "done":
            raise AppError("idempotency_in_flight", 409)
        headers = {"Idempotent-Replayed": "true"}
        if isinstance(row.response_body, dict) and "version" in row.response_body:
            headers["ETag"] = f'"{row.response_body["version"]}"'  # as the first answer carried it
        return JSONResponse(row.response_body, status_code=row.response_status or 200, headers=headers)

    async def claim(self) -> JSONResponse | None:
        """None when the caller should proceed; a response to return as-is otherwise."""
        if self.key is None:
            return None
        fingerprint = await self._fingerprint()
        now = self.clock.now()
        ttl = timedelta(hours=self.request.app.state.settings.idempotency_ttl_hours)
        values = dict(user_id=self.principal.user_id, key=self.key, method=self.request.method,
                      path=self.request.url.path, request_hash=fingerprint, state="in_flight", created_at=now,
                      expires_at=now + ttl)
        session = self.session
        # The insert is the claim (one statement when the key is new, the usual case). A key taken already
        # inserts nothing: its row answers, unless it has expired, when it is cleared and claimed afresh.
        for _ in range(3):
            self.row_id = await _insert_claim(session, values)
            if self.row_id is not None:
                break
            found = (await session.execute(_CLAIMED, {"user_id": self.principal.user_id,
                                                      "key": self.key})).scalar_one_or_none()
            if found is None:  # a failed request released it in between: claim it again
                continue
            if found.expires_at > now:
                return self._answer(found, fingerprint)
            # Only if it is still the expired row: a concurrent claim may have cleared and retaken it.
            await session.execute(delete(IdempotencyKey).where(col(IdempotencyKey.id) == found.id,
                                                               col(IdempotencyKey.expires_at) <= now))
        else:  # the key changed hands under us three times over: the caller may try again
            raise AppError("idempotency_in_flight", 409)
        # Rolled back with the request, unless an error keeps its changes (`keep_changes`): then it is released.
        self.request.state.on_failure = [*getattr(self.request.state, "on_failure", []), self._release]
        return None

    async def _release(self) -> None:
        if self.row_id is None:
            return
        async with self.request.app.state.sessionmaker() as release_session:
            await release_session.execute(delete(IdempotencyKey).where(col(IdempotencyKey.id) == self.row_id))
            await release_session.commit()

    async def respond(self, body: BaseModel, status: int = 201, headers: dict[str, str] | None = None) -> Response:
        """The answer, stored for replay inside the request's transaction."""
        # Encoded once, by pydantic_core, for the answer and for its stored copy alike: an intake's answer is large,
        # and walking it in Python (a dict dumped, then json.dumps for the column) was a visible share of its CPU.
        content = body.model_dump_json()
        if self.row_id is not None:
            await _ANSWERED.rows(self.session, {"row_id": self.row_id, "status": status, "body": content})
        return Response(content, status_code=status, media_type="application/json", headers=headers)


async def _idempotency(request: Request, principal: CurrentUser, session: SessionDep, clock: ClockDep) -> Idempotency:
    # A factory, not Depends(Idempotency): FastAPI runs a class's __init__ on the threadpool.
    return Idempotency(request, principal, session, clock)


IdempotencyDep = Annotated[Idempotency, Depends(_idempotency)]


async def purge_expired_keys(session: AsyncSession, now: datetime) -> int:
    result = await session.execute(delete(IdempotencyKey).where(col(IdempotencyKey.expires_at) <= now))
    return int(getattr(result, "rowcount", 0) or 0)


async def purge_sweep(state: AppState) -> dict[str, int]:
    """The worker's pass over keys past their time to live."""
    async with state.sessionmaker() as session:
        purged = await purge_expired_keys(session, state.clock.now())
        await session.commit()
    return {"idempotency_keys_purged": purged}
