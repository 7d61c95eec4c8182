"""The eldercare kind as the application installs it: its stage machine and hooks, and its package."""

from app.cases.kinds import EmptyPayload, KindPlugin
from app.core.plugins import Package
from app.eldercare import rules
from app.eldercare import schemas as s
from app.eldercare.kind import (
    cancel_visit,
    complete,
    decide_subsidy,
    facts,
    handling_limit,
    present_payload,
    reassess,
    refresh_facts,
    route,
    schedule,
)
from app.eldercare.messages import MESSAGES, TITLES
from app.eldercare.router import router, volunteer_router

PACKAGE = Package(
    name="eldercare", routers=(router, volunteer_router), messages=MESSAGES, titles=TITLES,
    tags=({"name": "eldercare",
           "description": "Home-based elderly care (居家养老): "
                          "eligibility for subsidised care, orders, scheduling, visits."},),
)

PLUGIN: KindPlugin[EmptyPayload] = KindPlugin(
    package=PACKAGE, payload_model=EmptyPayload,
    name="eldercare", title="居家养老服务", title_en="Home-based elderly care",
    initial_stage=rules.Stage.requested, channels=frozenset({"hotline", "counter", "app", "web", "staff"}),
    stages=rules.MACHINE,
    stage_bodies={"schedule": s.ScheduleBody, "cancel_visit": s.CancelVisitBody, "complete": s.CompleteBody,
                  "decide_subsidy": s.SubsidyDecisionBody, "reassess": s.ReassessBody},
    stage_effects={"schedule": schedule, "cancel_visit": cancel_visit, "complete": complete,
                   "decide_subsidy": decide_subsidy, "reassess": reassess},
    stage_facts=facts, refresh_facts=refresh_facts,
    # Finished by its visits, never answered from the knowledge base or merged as a duplicate.
    blocked_actions=frozenset({"direct_answer", "reply", "merge"}),
    route=route, handling_limit=handling_limit, present_payload=present_payload, generic_intake=False,
)
