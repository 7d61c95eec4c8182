"""The open311 package as the application installs it."""

from app.core.plugins import Package
from app.open311.router import router

PLUGIN = Package(
    name="open311", routers=(router,),
    tags=({"name": "open311", "description": "GeoReport v2 for partner apps: services, requests, their status."},),
)
