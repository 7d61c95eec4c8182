"""Registering residents, logging in and out, passwords, creating and changing accounts. Never commits."""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import repository
from app.accounts.login import FailureState, LockoutPolicy, after_failure, after_success, is_locked
from app.core import audit
from app.core.config import Settings
from app.core.errors import AppError
from app.core.roles import ROLES_NEEDING_UNIT, Role
from app.core.security import (
    DUMMY_HASH,
    hash_password,
    issue_token,
    normalise_mobile,
    password_is_strong,
    verify_password,
)
from app.models import Unit, User


def check_password(settings: Settings, password: str, field: str = "password") -> None:
    if not password_is_strong(password, settings.password_min_length, settings.password_min_classes):
        raise AppError("password_weak", 422, min_length=settings.password_min_length,
                       field_errors=[{"field": field, "code": "password_weak"}])


async def register_resident(session: AsyncSession, settings: Settings, *, phone: str, password: str, name: str,
                            now: datetime) -> User:
    mobile = normalise_mobile(phone)
    if mobile is None:
        raise AppError("phone_invalid", 422, field_errors=[{"field": "phone", "code": "phone_invalid"}])
    check_password(settings, password)
    if await repository.by_username(session, mobile) is not None:
        raise AppError("username_taken", 409, field_errors=[{"field": "phone", "code": "username_taken"}])
    user = repository.add(session, User(username=mobile, password_hash=hash_password(password), name=name,
                                        role=Role.resident, phone=mobile, created_at=now))
    await session.flush()
    audit.record(session, at=now, action="account.register", actor_user_id=user.id, target_type="user",
                 target_id=user.id)
    return user


async def create_user(session: AsyncSession, settings: Settings, *, username: str, password: str, name: str, role: str,
                      unit_id: int | None, now: datetime, leader: bool = False) -> User:
    try:
        role_value = Role(role)
    except ValueError as exc:
        raise AppError("role_invalid", 422, field_errors=[{"field": "role", "code": "role_invalid"}]) from exc
    check_password(settings, password)
    if role_value in ROLES_NEEDING_UNIT and unit_id is None:
        raise AppError("unit_required", 422, field_errors=[{"field": "unit", "code": "unit_required"}])
    if unit_id is not None and await session.get(Unit, unit_id) is None:
        raise AppError("unit_not_found", 422, unit_id=unit_id,
                       field_errors=[{"field": "unit", "code": "unit_not_found"}])
    if await repository.by_username(session, username) is not None:
        raise AppError("username_taken", 409, field_errors=[{"field": "username", "code": "username_taken"}])
    phone = normalise_mobile(username)
    user = repository.add(session, User(username=username, password_hash=hash_password(password), name=name,
                                        role=role_value, unit_id=unit_id, phone=phone, leader=leader,
                                        created_at=now))
    await session.flush()
    audit.record(session, at=now, action="account.create", target_type="user", target_id=user.id,
                 detail={"role": role_value.value, "unit_id": unit_id, "leader": leader})
    return user


def _lockout_policy(settings: Settings) -> LockoutPolicy:
    return LockoutPolicy(settings.login_max_failures, timedelta(minutes=settings.login_failure_window_minutes),
                         timedelta(minutes=settings.lockout_minutes))


async def login(session: AsyncSession, settings: Settings, *, secret: str, username: str, password: str,
                now: datetime, ip: str | None) -> tuple[str, int]:
    policy = _lockout_policy(settings)
    user = await repository.by_username(session, normalise_mobile(username) or username)
    if user is None:
        verify_password(DUMMY_HASH, password)  # same cost as a real check
        audit.record(session, at=now, action="auth.login", result="fail", ip=ip,
                     detail={"reason": "unknown_user"})
        raise AppError("auth_invalid_credentials", 401, keep_changes=True)
    state = FailureState(user.failed_logins, user.failure_window_start, user.locked_until)
    if is_locked(state, now):
        audit.record(session, at=now, action="auth.login", actor_user_id=user.id, result="locked", ip=ip)
        raise AppError("auth_account_locked", 423, keep_changes=True, locked_until=user.locked_until.isoformat(),
                       extra={"locked_until": user.locked_until.isoformat()})
    if not verify_password(user.password_hash, password):
        state = after_failure(state, policy, now)
        user.failed_logins, user.failure_window_start, user.locked_until = (
            state.failed_logins, state.window_start, state.locked_until)
        audit.record(session, at=now, action="auth.login", actor_user_id=user.id, result="fail", ip=ip)
        if is_locked(state, now):
            raise AppError("auth_account_locked", 423, keep_changes=True,
                           locked_until=state.locked_until.isoformat(),
                           extra={"locked_until": state.locked_until.isoformat()})
        raise AppError("auth_invalid_credentials", 401, keep_changes=True,
                       extra={"attempts_left": policy.max_failures - state.failed_logins})
    if not user.active:
        raise AppError("auth_account_disabled", 403, keep_changes=True)
    state = after_success()
    user.failed_logins, user.failure_window_start, user.locked_until = 0, None, None
    user.last_login_at = now
    audit.record(session, at=now, action="auth.login", actor_user_id=user.id, ip=ip)
    return new_token(settings, secret, user, now)


def new_token(settings: Settings, secret: str, user: User, now: datetime) -> tuple[str, int]:
    """A token carrying the user's current token_version, with its lifetime in seconds."""
    ttl = timedelta(minutes=settings.token_ttl_minutes)
    token = issue_token(secret, user_id=user.id, role=user.role, now=now, ttl=ttl, version=user.token_version)
    return token, int(ttl.total_seconds())


def revoke_tokens(user: User) -> None:
    """Every token issued to the user before now stops working at its next request."""
    user.token_version += 1


async def logout(session: AsyncSession, user_id: int, *, now: datetime, ip: str | None) -> None:
    user = await repository.get(session, user_id)  # already in the session: the caller's principal loaded it
    revoke_tokens(user)
    audit.record(session, at=now, action="auth.logout", actor_user_id=user.id, target_type="user",
                 target_id=user.id, ip=ip)


async def change_password(session: AsyncSession, settings: Settings, user_id: int, *, secret: str, current: str,
                          new: str, now: datetime, ip: str | None) -> tuple[str, int]:
    """The caller's own password. A wrong current password counts toward the lockout like a failed login,
    so a stolen token cannot be used to guess it."""
    user = await repository.get(session, user_id)
    state = FailureState(user.failed_logins, user.failure_window_start, user.locked_until)
    if is_locked(state, now):
        raise AppError("auth_account_locked", 423, locked_until=user.locked_until.isoformat(),
                       extra={"locked_until": user.locked_until.isoformat()})
    if not verify_password(user.password_hash, current):
        state = after_failure(state, _lockout_policy(settings), now)
        user.failed_logins, user.failure_window_start, user.locked_until = (
            state.failed_logins, state.window_start, state.locked_until)
        audit.record(session, at=now, action="account.password_change", actor_user_id=user.id, target_type="user",
                     target_id=user.id, result="fail", ip=ip)
        if is_locked(state, now):
            raise AppError("auth_account_locked", 423, keep_changes=True,
                           locked_until=state.locked_until.isoformat(),
                           extra={"locked_until": state.locked_until.isoformat()})
        raise AppError("password_wrong", 422, keep_changes=True,
                       field_errors=[{"field": "current_password", "code": "password_wrong"}])
    check_password(settings, new, field="new_password")
    if verify_password(user.password_hash, new):
        raise AppError("password_unchanged", 422,
                       field_errors=[{"field": "new_password", "code": "password_unchanged"}])
    user.password_hash = hash_password(new)
    user.failed_logins, user.failure_window_start, user.locked_until = 0, None, None
    revoke_tokens(user)
    audit.record(session, at=now, action="account.password_change", actor_user_id=user.id, target_type="user",
                 target_id=user.id, ip=ip)
    return new_token(settings, secret, user, now)


async def update_user(session: AsyncSession, *, admin_id: int, user_id: int, changes: dict[str, Any],
                      now: datetime, ip: str | None) -> User:
    """An administrator changes a user's role, unit or active flag; any change revokes the user's tokens,
    because a token's rights are read from the row but a client may have cached what the old role showed."""
    user = await repository.get(session, user_id)
    if user is None:
        raise AppError("user_not_found", 404, user_id=user_id)
    if user_id == admin_id and ("role" in changes or changes.get("active") is False):
        raise AppError("account_self_change", 409)  # the last administrator must not lock everyone out
    role = Role(changes.get("role", user.role))
    unit_id = changes.get("unit_id", user.unit_id)
    if role in ROLES_NEEDING_UNIT and unit_id is None:
        raise AppError("unit_required", 422, field_errors=[{"field": "unit_id", "code": "unit_required"}])
    if "unit_id" in changes and unit_id is not None and await session.get(Unit, unit_id) is None:
        raise AppError("unit_not_found", 422, unit_id=unit_id,
                       field_errors=[{"field": "unit_id", "code": "unit_not_found"}])
    before = {"role": user.role, "unit_id": user.unit_id, "active": user.active, "leader": user.leader}
    after = {"role": role.value, "unit_id": unit_id, "active": changes.get("active", user.active),
             "leader": changes.get("leader", user.leader)}
    if before == after:
        raise AppError("nothing_to_change", 422)
    user.role, user.unit_id, user.active, user.leader = after["role"], after["unit_id"], after["active"], \
        after["leader"]
    revoke_tokens(user)
    audit.record(session, at=now, action="account.update", actor_user_id=admin_id, target_type="user",
                 target_id=user.id, ip=ip, detail={"before": before, "after": after})
    return user
