"""API keys: issued once, stored as a keyed hash; a unit's key acts as the unit's service account and its
calls are signed and cannot be replayed. Never commits."""

import secrets
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import audit
from app.core.errors import AppError, NotFound
from app.core.roles import Role
from app.core.security import hash_password, lookup_hash
from app.core.state import AppState
from app.delivery import repository, rules
from app.models import ApiKey, InboundSignature, Unit, User


def _new_key() -> str:
    return "csc_" + secrets.token_urlsafe(32)


async def issue(session: AsyncSession, state: AppState, *, name: str, kind: str, unit_id: int | None, by: int | None,
                now: datetime) -> tuple[ApiKey, str, str | None]:
    """(the row, the key, the signing secret); the key and the secret are never shown again."""
    if kind == "unit":
        if unit_id is None or await session.get(Unit, unit_id) is None:
            raise AppError("unit_not_found", 422, unit_id=unit_id,
                           field_errors=[{"field": "unit_id", "code": "unit_not_found"}])
    elif unit_id is not None:
        raise AppError("validation_failed", 422, field_errors=[{"field": "unit_id", "code": "not_for_open311"}])
    key = _new_key()
    signing = secrets.token_urlsafe(32) if kind == "unit" else None
    user_id = None
    if kind == "unit":
        # The unit's system acts through the same rules as its staff: a service account of the unit.
        user = User(username=f"apikey:{key[4:12]}", password_hash=hash_password(secrets.token_urlsafe(24)),
                    name=f"{name}（系统接口）"[:64], role=Role.unit_staff, unit_id=unit_id, created_at=now)
        session.add(user)
        await session.flush()
        user_id = user.id
    row = ApiKey(name=name, kind=kind, prefix=key[:12], key_hash=lookup_hash(state.keys.lookup_key, key),
                 signing_secret=signing, unit_id=unit_id, user_id=user_id, created_at=now, created_by=by)
    session.add(row)
    await session.flush()
    audit.record(session, at=now, action="api_key.issue", actor_user_id=by, target_type="api_key", target_id=row.id,
                 detail={"kind": kind, "unit_id": unit_id, "name": name})
    return row, key, signing


async def revoke(session: AsyncSession, key_id: int, by: int, now: datetime) -> ApiKey:
    row = await session.get(ApiKey, key_id)
    if row is None:
        raise NotFound("api_key_not_found")
    if row.revoked_at is not None:
        raise AppError("api_key_revoked", 409)
    row.revoked_at = now
    if row.user_id is not None:
        user = await session.get(User, row.user_id)
        if user is not None:
            user.active = False  # the service account stops with its key
    audit.record(session, at=now, action="api_key.revoke", actor_user_id=by, target_type="api_key", target_id=key_id)
    return row


async def find(session: AsyncSession, state: AppState, key: str) -> ApiKey:
    row = await repository.key_by_hash(session, lookup_hash(state.keys.lookup_key, key))
    if row is None:
        raise AppError("api_key_invalid", 401)
    if row.revoked_at is not None:
        raise AppError("api_key_revoked", 401)
    return row


NONCE_HEADER = "X-CSC-Nonce"


def signed_content(method: str, target: str, nonce: str, body: bytes) -> bytes:
    """What a unit's system signs: the method, the path with its query, a nonce (so that two identical calls
    in the same second differ) and the body."""
    return f"{method.upper()} {target}\n{nonce}\n".encode() + body


async def unit_caller(request: Request, key: str, now: datetime) -> int:
    """The service account's user id for a signed call from a unit's system; refuses unsigned, stale, forged and
    replayed calls. Works in a session of its own, committed before the request's begins, so the signature is
    spent even when the call then fails."""
    async with request.app.state.sessionmaker() as session:
        user_id = await _check_call(request, session, key, now)
        await session.commit()
    return user_id


async def _check_call(request: Request, session: AsyncSession, key: str, now: datetime) -> int:
    row = await find(session, request.app.state, key)
    if row.kind != "unit" or row.user_id is None or row.signing_secret is None:
        raise AppError("api_key_invalid", 401)
    signature = request.headers.get(rules.SIGNATURE_HEADER)
    stamp = request.headers.get(rules.TIMESTAMP_HEADER)
    if not signature or not stamp:
        raise AppError("signature_required", 401)
    try:
        timestamp = int(stamp)
    except ValueError as exc:
        raise AppError("signature_invalid", 401) from exc
    tolerance = request.app.state.settings.inbound_signature_tolerance_seconds
    if abs(int(now.timestamp()) - timestamp) > tolerance:
        raise AppError("signature_expired", 401)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    content = signed_content(request.method, target, request.headers.get(NONCE_HEADER, ""), await request.body())
    if not rules.verify(row.signing_secret, timestamp, content, signature, int(now.timestamp()),
                        tolerance):
        raise AppError("signature_invalid", 401)
    try:
        async with session.begin_nested():
            session.add(InboundSignature(signature=signature[-80:], seen_at=now))
            await session.flush()
    except IntegrityError as exc:
        raise AppError("request_replayed", 401) from exc
    row.last_used_at = now
    return row.user_id


async def purge_signatures(session: AsyncSession, now: datetime, tolerance_seconds: int) -> int:
    """Spent signatures are kept past the tolerance, after which their timestamps refuse a replay anyway."""
    return await repository.purge_signatures(session, now - timedelta(seconds=2 * tolerance_seconds))


async def purge_sweep(state: AppState) -> dict[str, int]:
    """The worker's pass over spent inbound signatures."""
    async with state.sessionmaker() as session:
        purged = await purge_signatures(session, state.clock.now(), state.settings.inbound_signature_tolerance_seconds)
        await session.commit()
    return {"inbound_signatures_purged": purged}


async def all_keys(session: AsyncSession) -> list[ApiKey]:
    return await repository.all_keys(session)


def present(row: ApiKey) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "kind": row.kind, "prefix": row.prefix, "unit_id": row.unit_id,
            "created_at": row.created_at, "revoked_at": row.revoked_at, "last_used_at": row.last_used_at}
