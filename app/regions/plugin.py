"""The regions package as the application installs it."""

from app.core.plugins import Package
from app.regions.messages import MESSAGES, TITLES
from app.regions.router import router
from app.regions.seed import seed

PLUGIN = Package(
    name="regions", routers=(router,), messages=MESSAGES, titles=TITLES, seed=seed,
    tags=({"name": "regions", "description": "The gazetteer: 12-digit division codes, places, address resolution."},),
)
