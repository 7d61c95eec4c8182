"""The people package as the application installs it."""

from app.core.plugins import Package
from app.people.messages import MESSAGES
from app.people.router import router

PLUGIN = Package(
    name="people", routers=(router,), messages=MESSAGES,
    tags=({"name": "people", "description": "The resident register: collect once, use many times."},),
)
