"""The mediation kind as the application installs it: its stage machine and hooks, and its package."""

from app.cases.kinds import EmptyPayload, KindPlugin
from app.core.plugins import Package
from app.mediation import rules
from app.mediation import schemas as s
from app.mediation.kind import (
    answer_handoff,
    apply_confirmation,
    draft,
    facts,
    fail,
    handling_limit,
    on_stage_due,
    present_payload,
    record_confirmation,
    seal,
    session,
    sign,
    transfer,
)
from app.mediation.limits import MediationLimits
from app.mediation.messages import MESSAGES, TITLES
from app.mediation.router import router
from app.mediation.rules import Stage
from app.mediation.seed import seed

PACKAGE = Package(
    name="mediation", routers=(router,), messages=MESSAGES, titles=TITLES,
    tags=({"name": "people's mediation",
           "description": "People's mediation (人民调解): "
                          "acceptance, sessions, agreements, judicial confirmation."},),
    seed=seed, profile_sections={"mediation": MediationLimits.parse},
)

PLUGIN: KindPlugin[EmptyPayload] = KindPlugin(
    package=PACKAGE, payload_model=EmptyPayload,
    name="mediation", title="人民调解", title_en="People's mediation", initial_stage=Stage.accepted,
    channels=frozenset({"counter", "app", "web", "hotline", "staff"}), stages=rules.MACHINE,
    stage_bodies={"hold_session": s.SessionBody, "draft_agreement": s.AgreementBody, "sign_agreement": s.SignatureBody,
                  "seal_agreement": s.SealBody, "apply_confirmation": s.ConfirmationBody,
                  "record_confirmation": s.ConfirmationResultBody, "fail": s.FailBody, "transfer": s.TransferBody,
                  "answer_handoff": s.HandoffAnswerBody},
    stage_effects={"hold_session": session, "draft_agreement": draft, "sign_agreement": sign,
                   "seal_agreement": seal, "apply_confirmation": apply_confirmation,
                   "record_confirmation": record_confirmation, "fail": fail, "transfer": transfer,
                   "answer_handoff": answer_handoff},
    stage_facts=facts,
    # Mediated to an agreement or a failure; never answered from the knowledge base or merged away.
    blocked_actions=frozenset({"direct_answer", "merge", "reply"}),
    handling_limit=handling_limit, on_stage_due=on_stage_due, present_payload=present_payload,
    generic_intake=False,
)
