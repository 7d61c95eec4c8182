"""The calendar package as the application installs it."""

from app.calendar.messages import MESSAGES, TITLES
from app.calendar.router import router
from app.calendar.seed import seed
from app.core.plugins import Package

PLUGIN = Package(
    name="calendar", routers=(router,), messages=MESSAGES, titles=TITLES, seed=seed,
    tags=({"name": "calendar", "description": "Working days of the Chinese calendar and the deadline profiles."},),
)
