"""The hotline kind (the 12345 work order) as the application installs it."""

from app.cases.kinds import KindPlugin
from app.core.plugins import Package
from app.hotline import versions
from app.hotline.messages import MESSAGES, TITLES
from app.hotline.router import router
from app.hotline.schemas import HotlinePayload
from app.hotline.versions_router import router as versions_router

PACKAGE = Package(
    name="hotline", routers=(router, versions_router), messages=MESSAGES, titles=TITLES, sweeps=(versions.sweep,),
    tags=({"name": "hotline", "description": "12345 intake: a call logged, classified, placed, routed in one request; "
                                             "residents' reports; caller history."},),
)

# The spine's own lifecycle is the work order's; the hotline adds the intake that fills it in.
PLUGIN: KindPlugin[HotlinePayload] = KindPlugin(
    name="hotline", title="12345 工单", title_en="12345 work order", package=PACKAGE, payload_model=HotlinePayload,
)
