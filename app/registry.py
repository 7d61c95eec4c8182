"""The one list of the application's packages and kinds, in the order they are seeded and mounted."""

from app.core.plugins import Package, Plugins
from app.delivery.service import enqueue


def plugins() -> Plugins:
    return Plugins(packages=(Package(name="delivery", event_listeners=(enqueue,)),))
