"""The affair kind as the application installs it: its stage machine and hooks, and its package."""

from app.affair import rules
from app.affair import schemas as s
from app.affair.kind import (
    accept,
    accept_and_approve,
    accept_pending,
    approve,
    facts,
    handling_limit,
    present_payload,
    refresh_facts,
    reject,
    request_materials,
    route,
    supplement,
    terminate_overdue,
)
from app.affair.messages import MESSAGES, TITLES
from app.affair.router import router
from app.affair.rules import Stage
from app.affair.seed import seed
from app.cases.kinds import EmptyPayload, KindPlugin
from app.core.plugins import Package

PACKAGE = Package(
    name="affair", routers=(router,), messages=MESSAGES, titles=TITLES,
    tags=({"name": "affairs",
           "description": "One-stop affairs (一门式受理): "
                          "the service guide, applications through acceptance (容缺 included) to a decision."},),
    seed=seed,
)

PLUGIN: KindPlugin[EmptyPayload] = KindPlugin(
    package=PACKAGE, payload_model=EmptyPayload,
    name="affair", title="一门式受理", title_en="One-stop affairs application",
    initial_stage=Stage.submitted, channels=frozenset({"counter", "app", "web", "staff"}),
    stages=rules.MACHINE,
    stage_bodies={"accept": s.AcceptBody, "accept_pending": s.AcceptPendingBody,
                  "request_materials": s.AffairRequestMaterialsBody, "approve": s.AffairApproveBody,
                  "accept_and_approve": s.AffairApproveBody, "reject": s.AffairRejectBody,
                  "supplement": s.AffairSupplementBody},
    stage_effects={"accept": accept, "accept_pending": accept_pending, "request_materials": request_materials,
                   "approve": approve, "accept_and_approve": accept_and_approve, "reject": reject,
                   "supplement": supplement},
    stage_facts=facts, refresh_facts=refresh_facts,
    # Decided, never answered from the knowledge base; a duplicate application is withdrawn, not merged.
    blocked_actions=frozenset({"direct_answer", "reply", "merge"}),
    # The promised days are the applicant's: a new handling unit inherits them.
    route=route, handling_limit=handling_limit, limit_follows_case=True, on_stage_due=terminate_overdue,
    present_payload=present_payload, generic_intake=False,
)
