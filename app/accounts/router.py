from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from app.accounts import service
from app.accounts.schemas import MeRead, PasswordChange, Token, UserRead, UserRegister, UserUpdate
from app.core.auth import AccountHolder, AdminUser, ClockDep, CurrentUser, SessionDep
from app.core.db import UnitOfWorkRoute
from app.core.ratelimit import limit_login, limit_registration
from app.models import Unit, User

router = APIRouter(tags=["accounts"], route_class=UnitOfWorkRoute)


@router.post("/auth/register", status_code=201, response_model=UserRead, summary="Register as a resident",
             dependencies=[Depends(limit_registration)])
async def register(body: UserRegister, request: Request, session: SessionDep, clock: ClockDep) -> UserRead:
    user = await service.register_resident(session, request.app.state.settings, phone=body.phone,
                                           password=body.password, name=body.name,
                                           now=clock.now())
    return UserRead.model_validate(user)


@router.post("/auth/token", response_model=Token, summary="Log in (OAuth2 password form)",
             dependencies=[Depends(limit_login)])
async def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request, session: SessionDep,
                clock: ClockDep) -> Token:
    access, ttl = await service.login(
        session, request.app.state.settings, secret=request.app.state.keys.jwt_secret,
        username=form.username[:64], password=form.password[:128], now=clock.now(),
        ip=request.client.host if request.client else None,
    )
    return Token(access_token=access, expires_in=ttl)


@router.get("/me", response_model=MeRead, summary="Who am I")
async def me(principal: CurrentUser, session: SessionDep) -> MeRead:
    user = await session.get(User, principal.user_id)
    unit = await session.get(Unit, principal.unit_id) if principal.unit_id else None
    return MeRead(**UserRead.model_validate(user).model_dump(), unit_name=unit.name if unit else None,
                  district_scope=principal.district_scope)


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.post("/auth/logout", status_code=204, summary="Log out: every token issued to you so far stops working")
async def logout(principal: AccountHolder, request: Request, session: SessionDep, clock: ClockDep) -> Response:
    await service.logout(session, principal.user_id, now=clock.now(), ip=_ip(request))
    return Response(status_code=204)


@router.post("/auth/password", response_model=Token,
             summary="Change your password: old tokens are revoked, a fresh one is returned",
             description="A wrong current password counts toward the lockout like a failed login.")
async def change_password(body: PasswordChange, principal: AccountHolder, request: Request, session: SessionDep,
                          clock: ClockDep) -> Token:
    access, ttl = await service.change_password(
        session, request.app.state.settings, principal.user_id, secret=request.app.state.keys.jwt_secret,
        current=body.current_password, new=body.new_password, now=clock.now(), ip=_ip(request))
    return Token(access_token=access, expires_in=ttl)


@router.patch("/users/{user_id}", response_model=UserRead,
              summary="Change an account's role, unit or active flag (administrators); revokes its tokens")
async def update_user(user_id: Annotated[int, Path(ge=1, le=2**63 - 1)], body: UserUpdate, admin: AdminUser,
                      request: Request, session: SessionDep, clock: ClockDep) -> UserRead:
    user = await service.update_user(session, admin_id=admin.user_id, user_id=user_id,
                                     changes=body.model_dump(exclude_unset=True), now=clock.now(), ip=_ip(request))
    return UserRead.model_validate(user)
