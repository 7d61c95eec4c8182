"""A kind's own stages, run inside the spine: a pure table like the lifecycle's, owned by the kind.

An aid case goes through a household check, an affair through acceptance
and a decision. Each stage action names who may take it, from which stages
and spine statuses, and where it leaves both. The kind adds guards that read
its own facts; the spine checks versions, writes the timeline and commits.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.cases.lifecycle import Actor, LifecycleError, Status


@dataclass(frozen=True)
class StageTransition:
    action: str
    actors: frozenset[Actor]
    stages: frozenset[str]
    statuses: frozenset[Status]
    target_stage: str | None  # None: the effect settles the stage (a supplement completes it, or not)
    target_status: Status | None = None  # None: the spine status stays


def transition(action: str, actors: Iterable[Actor], stages: Iterable[str], statuses: Iterable[Status],
               target_stage: str | None, target_status: Status | None = None) -> StageTransition:
    """A row of a kind's stage table, written the way the tables read."""
    return StageTransition(action, frozenset(actors), frozenset(stages), frozenset(statuses), target_stage,
                           target_status)


@dataclass(frozen=True)
class StageView:
    """The case as a stage guard sees it: the spine's status, the kind's stage and the kind's own facts."""

    status: Status
    stage: str | None
    facts: Mapping[str, Any] = field(default_factory=dict)


# (action, actor, view, now) -> an error, or None when the action may go ahead.
StageGuard = Callable[[str, Actor, StageView, datetime], LifecycleError | None]


def _no_guard(action: str, actor: Actor, view: StageView, now: datetime) -> LifecycleError | None:
    return None


@dataclass(frozen=True)
class StageMachine:
    transitions: tuple[StageTransition, ...]
    guard: StageGuard = _no_guard
    # What an out-of-stage attempt is called: (action, stage) -> code (a decision before acceptance is its own).
    wrong_stage: Callable[[str, str | None], str] = lambda action, stage: "action_not_allowed"

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.action for t in self.transitions))

    def _matching(self, action: str, actors: frozenset[Actor], view: StageView) -> list[tuple[StageTransition,
                                                                                               Actor]]:
        return [(t, a) for t in self.transitions if t.action == action and view.stage in t.stages
                and view.status in t.statuses for a in actors if a in t.actors]

    def decide(self, action: str, view: StageView, actors: frozenset[Actor],
               now: datetime) -> tuple[str | None, Status, Actor]:
        """(the stage after, the spine status after, the capacity the caller acts in); raises LifecycleError."""
        matches = self._matching(action, actors, view)
        if not matches:
            by_role = [t for t in self.transitions if t.action == action and actors & t.actors]
            code = self.wrong_stage(action, view.stage) if by_role else "action_not_allowed"
            raise LifecycleError(code, 409, action=action, status=view.status.value, stage=view.stage)
        first: LifecycleError | None = None
        for transition, actor in matches:
            error = self.guard(action, actor, view, now)
            if error is None:
                return transition.target_stage, transition.target_status or view.status, actor
            first = first or error
        assert first is not None
        raise first

    def allowed(self, view: StageView, actors: frozenset[Actor], now: datetime) -> list[str]:
        return [a for a in self.actions
                if any(self.guard(a, actor, view, now) is None for _, actor in self._matching(a, actors, view))]
