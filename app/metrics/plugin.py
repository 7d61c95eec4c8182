"""The metrics package as the application installs it."""

from app.core.plugins import Package
from app.metrics.messages import MESSAGES, TITLES
from app.metrics.rollups import track
from app.metrics.router import router

PLUGIN = Package(
    name="metrics", routers=(router,), messages=MESSAGES, titles=TITLES, event_listeners=(track,),
    tags=({"name": "performance", "description": "The rates units and the centre are held to: figures, trends, "
                                                 "rankings and the monthly form, from daily rollups."},),
)
