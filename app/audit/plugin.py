"""The audit trail's package as the application installs it."""

from app.audit.messages import MESSAGES, TITLES
from app.audit.router import router
from app.core.plugins import Package

PLUGIN = Package(
    name="audit", routers=(router,), messages=MESSAGES, titles=TITLES,
    tags=({"name": "audit trail", "description": "Who read or changed whose record: auditors and administrators "
                                                 "list and export it; reading it is itself recorded."},),
)
