"""The units package as the application installs it."""

from app.core.plugins import Package
from app.units.messages import MESSAGES, TITLES
from app.units.router import router
from app.units.seed import seed

PLUGIN = Package(
    name="units", routers=(router,), messages=MESSAGES, titles=TITLES, seed=seed,
    tags=({"name": "units", "description": "The organisation: units, their kinds and jurisdictions."},),
)
