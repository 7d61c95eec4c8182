"""Who is calling: bearer tokens into a Principal, and role checks as dependencies."""

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.core import audit
from app.core.clock import Clock
from app.core.db import get_session
from app.core.direct import Direct
from app.core.errors import AppError
from app.core.roles import READ_ONLY_ROLES, Role
from app.core.security import TokenError, read_token
from app.models import Unit, User

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


def bearer_token(request: Request) -> str | None:
    """The bearer token, as `oauth2_scheme` reads it, without a dependency to resolve (app.core.context)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" else None


@dataclass(frozen=True)
class Principal:
    user_id: int | None  # None only for the system acting on its own (the sweep)
    username: str
    name: str
    role: Role
    unit_id: int | None
    unit_kind: str | None
    unit_region: str | None
    leader: bool = False  # may sign off a decision against the recorded check (an override), with a reason

    @property
    def district_scope(self) -> str | None:
        """The district (6 digits) whose cases an agent or dispatcher works on, or None for all."""
        if self.role in (Role.agent, Role.dispatcher) and self.unit_region:
            return self.unit_region[:6]
        return None


# Async so FastAPI calls it on the event loop: a plain def dependency costs a threadpool hop per request.
async def get_clock(request: Request) -> Clock:
    return request.app.state.clock


SessionDep = Annotated[AsyncSession, Depends(get_session)]
ClockDep = Annotated[Clock, Depends(get_clock)]


# Every request reads its caller: the columns only (no User object to track), in a statement built once.
# The unit's columns are None for a caller without a unit (the outer join).
_CALLER = Direct(
    select(col(User.id), col(User.username), col(User.name), col(User.role), col(User.unit_id), col(User.active),
           col(User.token_version), col(User.leader), col(Unit.kind).label("unit_kind"),
           col(Unit.region_code).label("unit_region"))
    .outerjoin(Unit, col(Unit.id) == col(User.unit_id)).where(col(User.id) == bindparam("user_id")))


async def _caller(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal:
    return await authenticate(request, session, clock, token)


async def authenticate(request: Request, session: AsyncSession, clock: Clock, token: str | None) -> Principal:
    """The request's caller, from its bearer token or a unit system's API key. Read once a request: a second
    dependency asking (a route taking both the context and a role check) is answered from `request.state`."""
    held: Principal | None = getattr(request.state, "principal", None)
    if held is not None:
        return held
    unauthorized = {"WWW-Authenticate": "Bearer"}
    token_version: int | None = None  # None for API-key callers: their key is revoked on its own
    api_key = request.headers.get("x-api-key")
    check_key = request.app.state.plugins.api_key_check  # a unit's own system, signing its calls
    if not token and api_key and check_key is not None:
        user_id = await check_key(request, api_key, clock.now())
    else:
        if not token:
            raise AppError("auth_required", 401, headers=unauthorized)
        try:
            claims = read_token(request.app.state.keys.jwt_secret, token, clock.now())
        except TokenError as exc:
            raise AppError(exc.code, 401, headers=unauthorized) from exc
        try:
            user_id = int(claims["sub"])
            token_version = int(claims.get("ver", 0))
        except (TypeError, ValueError) as exc:
            raise AppError("auth_token_invalid", 401, headers=unauthorized) from exc
    row = await _CALLER.first(session, {"user_id": user_id})
    if row is None:
        raise AppError("auth_token_invalid", 401, headers=unauthorized)
    id_, username, name, role, unit_id, active, stored_version, leader, unit_kind, unit_region = row
    if not active:
        raise AppError("auth_account_disabled", 401, headers=unauthorized)
    if token_version is not None and token_version != stored_version:
        # Logged out, password or role changed since the token was issued.
        raise AppError("auth_token_revoked", 401, headers=unauthorized)
    principal = Principal(
        user_id=id_, username=username, name=name, role=Role(role),
        unit_id=unit_id, unit_kind=unit_kind, unit_region=unit_region, leader=bool(leader),
    )
    request.state.principal = principal
    # Audit records this request writes say who acted, in which role and unit, and from which address.
    audit.bind_caller(session, user_id=principal.user_id, name=principal.name, role=principal.role.value,
                      unit_id=principal.unit_id, ip=request.client.host if request.client else None)
    return principal


# The caller, for the routes about their own sign-in only (log out, change the password).
AccountHolder = Annotated[Principal, Depends(_caller)]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def may_act(request: Request, caller: Principal) -> Principal:
    """The caller, for every other route: a read-only account (an auditor) may read, never change."""
    if caller.role in READ_ONLY_ROLES and request.method not in SAFE_METHODS:
        raise AppError("forbidden", 403)
    return caller


async def _principal(request: Request, caller: AccountHolder) -> Principal:
    return may_act(request, caller)


CurrentUser = Annotated[Principal, Depends(_principal)]


def require_roles(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    allowed = frozenset(roles)

    async def dependency(principal: CurrentUser) -> Principal:
        if principal.role not in allowed:
            raise AppError("forbidden", 403)
        return principal

    return dependency


AdminUser = Annotated[Principal, Depends(require_roles(Role.admin))]
StaffUser = Annotated[Principal, Depends(require_roles(Role.agent, Role.dispatcher, Role.unit_staff,
                                                        Role.admin))]
