"""The feed package as the application installs it."""

from app.core.plugins import Package
from app.feed.router import router

PLUGIN = Package(
    name="feed", routers=(router,),
    tags=({"name": "live feed", "description": "What changed, as server-sent events or a poll, in scope."},),
)
