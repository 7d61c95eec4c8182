from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from app.accounts import service
from app.accounts.schemas import MeRead, Token, UserRead, UserRegister
from app.core.auth import ClockDep, CurrentUser, SessionDep
from app.core.db import UnitOfWorkRoute
from app.models import Unit, User

router = APIRouter(tags=["accounts"], route_class=UnitOfWorkRoute)


@router.post("/auth/register", status_code=201, response_model=UserRead, summary="Register as a resident")
async def register(body: UserRegister, request: Request, session: SessionDep, clock: ClockDep) -> UserRead:
    user = await service.register_resident(session, request.app.state.settings, phone=body.phone,
                                           password=body.password, name=body.name,
                                           now=clock.now())
    return UserRead.model_validate(user)


@router.post("/auth/token", response_model=Token, summary="Log in (OAuth2 password form)")
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
