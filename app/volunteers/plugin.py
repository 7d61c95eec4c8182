"""The volunteers package as the application installs it."""

from app.core.plugins import Package
from app.volunteers.messages import MESSAGES, TITLES
from app.volunteers.router import router
from app.volunteers.timebank_router import router as timebank_router

PLUGIN = Package(
    name="volunteers", routers=(router, timebank_router), messages=MESSAGES, titles=TITLES,
    tags=({"name": "volunteers", "description": "Registration, teams, tasks, service hours and certificates."},
          {"name": "time bank", "description": "Hours banked by volunteers, transferred and redeemed for care."}),
)
