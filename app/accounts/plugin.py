"""The accounts package as the application installs it."""

from app.accounts.messages import MESSAGES, TITLES
from app.accounts.router import router
from app.core.plugins import Package

PLUGIN = Package(
    name="accounts", routers=(router,), messages=MESSAGES, titles=TITLES,
    tags=({"name": "accounts", "description": "Registration, login, tokens, staff accounts and the audit trail."},),
)
