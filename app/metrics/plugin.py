"""The metrics package as the application installs it."""

from app.core.plugins import Package
from app.metrics.messages import MESSAGES, TITLES
from app.metrics.router import router

PLUGIN = Package(
    name="metrics", routers=(router,), messages=MESSAGES, titles=TITLES,
    tags=({"name": "performance", "description": "The rates units and the centre are held to, and rankings."},),
)
