"""The cases package as the application installs it."""

from app.cases.clock import replan, replan_sweep
from app.cases.messages import MESSAGES, TITLES
from app.cases.router import action_router, router
from app.cases.unit_changes import units_changed
from app.core.plugins import Package

PLUGIN = Package(
    name="cases", routers=(router,), router_factories=(action_router,), messages=MESSAGES, titles=TITLES,
    calendar_listeners=(replan,), units_changed_listeners=(units_changed,), sweeps=(replan_sweep,),
    tags=({"name": "cases", "description": "The case spine: queues, a case and its timeline, lifecycle actions."},
          {"name": "case actions", "description": "One route per action on a case, each with its own body."}),
)
