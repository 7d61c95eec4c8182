"""What the running application holds for every request and background job, typed.

`create_app` fills FastAPI's `app.state` with these attributes; services and
jobs receive it as an `AppState` so that what they read is checked.
"""

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
