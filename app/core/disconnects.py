"""When an engine last saw the database drop a connection, for the pool's checkout to judge the connections it holds.

SQLAlchemy's own statements, on a disconnect, mark every connection of the pool made before it as stale. The
statements `app.core.direct` hands to the driver pass by that handling; they record the disconnect here, and
`app.core.db.ping_when_idle` pings every connection returned to the pool before it, however recently it was used.
"""

import time
from weakref import WeakKeyDictionary

from sqlalchemy.engine import Engine

_LAST: "WeakKeyDictionary[Engine, float]" = WeakKeyDictionary()


def seen(engine: Engine) -> None:
    _LAST[engine] = time.monotonic()


def last(engine: Engine) -> float:
    """The monotonic time of the engine's last disconnect (0 for none)."""
    return _LAST.get(engine, 0.0)
