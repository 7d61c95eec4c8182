"""The core package as the application installs it."""

from app.core.idempotency import purge_sweep
from app.core.plugins import Package

PLUGIN = Package(
    name="core", sweeps=(purge_sweep,),
    tags=({"name": "operations", "description": "Health and readiness of the process."},),
)
