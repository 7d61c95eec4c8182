"""The routing package as the application installs it."""

from app.core.plugins import Package
from app.routing.messages import MESSAGES, TITLES
from app.routing.router import router
from app.routing.seed import seed

PLUGIN = Package(
    name="routing", routers=(router,), messages=MESSAGES, titles=TITLES, seed=seed,
    tags=({"name": "routing", "description": "Categories and the dispatch catalogue: who is responsible, and why."},),
)
