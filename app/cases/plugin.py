"""The cases package as the application installs it."""

from app.cases.clock import replan, replan_sweep
from app.cases.messages import MESSAGES, TITLES
from app.cases.router import router
from app.core.plugins import Package

PLUGIN = Package(
    name="cases", routers=(router,), messages=MESSAGES, titles=TITLES, calendar_listeners=(replan,),
    sweeps=(replan_sweep,),
    tags=({"name": "cases", "description": "The case spine: queues, a case and its timeline, lifecycle actions."},),
)
