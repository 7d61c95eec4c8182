"""What a service call needs to know about the request, bundled once: who, when, which session, which app.

Routers take it as a dependency (`CtxDep`); background jobs make one for the
system (`Ctx.for_system`). Every timeline event goes through `Ctx.event`, so
that its listeners (the outbox) write in the same transaction.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, cast
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.auth import Principal, authenticate, bearer_token, may_act
from app.core.db import after_commit, get_session
from app.core.errors import wants_english
from app.core.roles import Role
from app.core.rows import new_row
from app.core.staged import stage
from app.core.state import AppState
from app.models import Case, CaseEvent

SYSTEM = Principal(user_id=None, username="system", name="系统", role=Role.admin, unit_id=None, unit_kind=None,
                   unit_region=None)


@dataclass
class Ctx:
    state: AppState
    session: AsyncSession
    principal: Principal
    now: datetime
    system: bool = False  # the sweep acting on its own: events say "system", not a person
    english: bool = False  # the reader asked for English (Accept-Language): labels and names in English

    @classmethod
    def for_system(cls, state: AppState, session: AsyncSession, now: datetime) -> "Ctx":
        return cls(state=state, session=session, principal=SYSTEM, now=now, system=True)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.state.settings.timezone)

    @property
    def today(self) -> date:
        """The local date at the request's instant (ages, birth dates, notices are local days)."""
        return self.now.astimezone(self.zone).date()

    def event(self, case: Case, type_: str, *, from_status: str | None = None, to_status: str | None = None,
              reason: str | None = None, data: dict[str, Any] | None = None) -> CaseEvent:
        assert case.id is not None, "a case gets its id before its first event"
        event = new_row(CaseEvent, case_id=case.id, at=self.now, type=type_, actor_user_id=self.principal.user_id,
                          actor_role="system" if self.system else self.principal.role.value,
                          actor_unit_id=self.principal.unit_id,
                          from_status=from_status, to_status=to_status, reason=reason, data=data or {})
        stage(self.session, event)  # written at the next flush, with its listeners' rows
        for listener in self.state.plugins.event_listeners:
            listener(self, case, type_, event.data)
        # Live-feed subscribers wake once the change is committed.
        after_commit(self.session, "feed", self.state.feed_bell.ring)
        return event


async def request_ctx(request: Request) -> Ctx:
    # One dependency, not one each for the session, the clock, the token and the caller: every request resolves it,
    # and FastAPI's resolution of a dependency costs more than what most of these do. The session and the caller
    # are the ones `SessionDep` and `CurrentUser` give a route that takes them too (kept on the request). The
    # OpenAPI document still names the bearer scheme on every route that takes it (app.core.docs).
    state = cast(AppState, request.app.state)
    session = await get_session(request)
    principal = may_act(request, await authenticate(request, session, state.clock, bearer_token(request)))
    return Ctx(state=state, session=session, principal=principal, now=state.clock.now(),
               english=wants_english(request))


CtxDep = Annotated[Ctx, Depends(request_ctx)]
