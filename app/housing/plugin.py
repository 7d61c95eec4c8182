"""The housing kind as the application installs it: its payload model, stage machine and hooks, and its package
(router, messages, profile section, reminder sweep, Open311 service)."""

from app.cases.kinds import KindPlugin
from app.core.plugins import Package
from app.housing import rules
from app.housing import schemas as s
from app.housing.kind import end_early, extend, facts, handling_limit, on_stage_due, present_payload, reject, verify
from app.housing.limits import HousingLimits
from app.housing.messages import MESSAGES, TITLES
from app.housing.public import SERVICE
from app.housing.router import router
from app.housing.rules import Stage
from app.housing.service import remind_sweep

PACKAGE = Package(
    name="housing", routers=(router,), messages=MESSAGES, titles=TITLES,
    tags=({"name": "rental housing",
           "description": "Residence registration for rental housing (出租屋与流动人口居住登记): tenancies filed, "
                          "verified by the community, reminded before they end, lapsed when they have; months of "
                          "registration toward the residence permit."},),
    sweeps=(remind_sweep,), profile_sections={"housing": HousingLimits.parse},
    public_services=(SERVICE,),  # partner apps file tenancies through Open311 (app/housing/public.py)
)

PLUGIN: KindPlugin[s.HousingPayload] = KindPlugin(
    package=PACKAGE, payload_model=s.HousingPayload,
    name="housing", title="出租屋居住登记", title_en="Rental housing residence registration",
    initial_stage=Stage.filed, channels=frozenset({"counter", "app", "web", "staff", "open311"}), stages=rules.MACHINE,
    stage_bodies={"verify": s.VerifyBody, "reject": s.RejectBody, "extend": s.ExtendBody,
                  "end_early": s.EndEarlyBody},
    stage_effects={"verify": verify, "reject": reject, "extend": extend, "end_early": end_early},
    stage_facts=facts,
    # Verified or not by procedure; never answered from the knowledge base or merged away.
    blocked_actions=frozenset({"direct_answer", "reply", "merge"}),
    handling_limit=handling_limit, on_stage_due=on_stage_due, present_payload=present_payload,
    generic_intake=False,
)
