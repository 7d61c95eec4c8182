"""The imports package as the application installs it."""

from app.core.plugins import Package
from app.imports.messages import MESSAGES, TITLES
from app.imports.router import router
from app.imports.seed import seed

PLUGIN = Package(
    name="imports", routers=(router,), messages=MESSAGES, titles=TITLES, seed=seed,
    tags=({"name": "imports", "description": "A city's reference data in and out: regions, units, categories, the "
                                             "dispatch catalogue, deadline profiles, places, boundaries, the "
                                             "knowledge base and the service guide, as CSV, Excel and GeoJSON."},),
)
