"""The aid kind as the application installs it: its stage machine and hooks, and its package."""

from app.aid import rules
from app.aid import schemas as s
from app.aid.kind import (
    accept,
    approve,
    extension_cap,
    facts,
    grant_first,
    handling_limit,
    on_stage_due,
    present_payload,
    publish_notice,
    record_check,
    record_objection,
    reject,
    request_materials,
    supplement,
)
from app.aid.limits import AidLimits
from app.aid.messages import MESSAGES, TITLES
from app.aid.router import router
from app.aid.rules import Stage
from app.aid.seed import seed
from app.cases.kinds import EmptyPayload, KindPlugin
from app.core.plugins import Package

PACKAGE = Package(
    name="aid", routers=(router,), messages=MESSAGES, titles=TITLES,
    tags=({"name": "social aid",
           "description": "Social aid (社会救助): "
                          "household eligibility, applications through check, public notice and decision."},),
    seed=seed, profile_sections={"aid": AidLimits.parse},
)

PLUGIN: KindPlugin[EmptyPayload] = KindPlugin(
    package=PACKAGE, payload_model=EmptyPayload,
    name="aid", title="社会救助", title_en="Social aid", initial_stage=Stage.applied,
    channels=frozenset({"counter", "app", "web", "staff"}), stages=rules.MACHINE,
    stage_bodies={"accept": s.AidNoteBody, "request_materials": s.AidRequestMaterialsBody,
                  "supplement": s.AidSupplementBody,
                  "grant_first": s.GrantFirstBody, "record_check": s.AidCheckBody, "publish_notice": s.NoticeBody,
                  "object": s.ObjectionBody, "approve": s.AidApproveBody, "reject": s.AidRejectBody},
    stage_effects={"accept": accept, "request_materials": request_materials, "supplement": supplement,
                   "grant_first": grant_first, "record_check": record_check, "publish_notice": publish_notice,
                   "object": record_objection, "approve": approve, "reject": reject},
    stage_facts=facts,
    # Decided by procedure, never answered from the knowledge base or merged away.
    blocked_actions=frozenset({"direct_answer", "reply", "merge"}),
    handling_limit=handling_limit, limit_follows_case=True, extension_cap=extension_cap, on_stage_due=on_stage_due,
    present_payload=present_payload, generic_intake=False,
)
