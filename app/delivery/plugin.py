"""The delivery package as the application installs it."""

from app.core.plugins import Package
from app.delivery.keys import purge_sweep, unit_caller
from app.delivery.messages import MESSAGES
from app.delivery.router import router
from app.delivery.service import deliver_forever, enqueue

PLUGIN = Package(
    name="delivery", routers=(router,), messages=MESSAGES, event_listeners=(enqueue,), sweeps=(purge_sweep,),
    loops=(deliver_forever,), api_key_check=unit_caller,
    tags=({"name": "delivery", "description": "The outbox: webhooks to units and their systems, API keys."},),
)
