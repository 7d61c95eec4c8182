"""The notifications package as the application installs it."""

from app.core.plugins import Package
from app.notifications.messages import MESSAGES
from app.notifications.router import router
from app.notifications.sending import send_forever
from app.notifications.service import on_event

PLUGIN = Package(
    name="notifications", routers=(router,), messages=MESSAGES, event_listeners=(on_event,), loops=(send_forever,),
    tags=({"name": "notifications",
           "description": "What residents are told of their cases: the inbox, its live stream, SMS, their choices; "
                          "dead letters for administrators."},),
)
