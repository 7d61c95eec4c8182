"""What the running application holds for every request and background job, typed.

`create_app` fills FastAPI's `app.state` with these attributes; services and
jobs receive it as an `AppState` so that what they read is checked.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.core.bell import Bell
from app.core.cache import ReferenceCache
from app.core.clock import Clock
from app.core.config import Settings
from app.core.keys import Keys

if TYPE_CHECKING:
    from app.core.plugins import Plugins


class AppState(Protocol):
    settings: Settings
    clock: Clock
    keys: Keys
    cache: ReferenceCache
    feed_bell: Bell  # live-feed subscribers, woken when a change commits
    delivery_bell: Bell  # webhook delivery, woken when outbox rows commit
    sessionmaker: async_sessionmaker[AsyncSession]
    engine: AsyncEngine
    plugins: "Plugins"
    metrics: Any


@dataclass
class ProcessState:
    """The state of a process without an HTTP app (the worker, the command line), holding what AppState names."""

    settings: Settings
    clock: Clock
    keys: Keys
    cache: ReferenceCache
    sessionmaker: async_sessionmaker[AsyncSession]
    engine: AsyncEngine
    plugins: "Plugins"
    feed_bell: Bell = field(default_factory=Bell)
    delivery_bell: Bell = field(default_factory=Bell)
    metrics: Any = None
