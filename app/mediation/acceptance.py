"""People's mediation (人民调解法, 2010) as pure rules: whether a dispute may be taken, when an agreement takes
effect, and whether a judicial confirmation may still be applied for.

Art 17: a party who clearly refuses stops mediation. Not taken: crimes and
public-security offences (the police), matters already before a court or
another authority, matters the law reserves to another authority; each
refusal names the route to take instead. Art 29: an agreement takes effect
when every party and the mediator have signed and the committee has sealed
it. Art 33: the parties apply jointly for judicial confirmation within 30
days of it taking effect.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

# The routes a refusal or a failed mediation names (Art 26), in the law's words.
ROUTES = {
    "court": ("向人民法院起诉", "sue at the people's court"),
    "arbitration": ("依仲裁协议申请仲裁", "apply for arbitration under an arbitration agreement"),
    "labour_arbitration": ("向劳动人事争议仲裁委员会申请仲裁", "apply to the labour dispute arbitration committee"),
    "administrative": ("请求有关行政机关处理", "ask the competent administrative authority"),
    "police": ("向公安机关报案", "report it to the police"),
    "petitions": ("向信访部门反映", "take it to the petitions office"),
}
PENDING = {"court": "court", "arbitration": "arbitration", "labour_arbitration": "labour_arbitration",
           "administrative": "administrative", "petitions": "petitions"}


@dataclass(frozen=True)
class Party:
    name: str
    role: str  # applicant | respondent
    consents: bool


@dataclass(frozen=True)
class Dispute:
    reserved_to: str | None
    reserved_to_en: str | None
    other_routes: tuple[str, ...]


@dataclass(frozen=True)
class Acceptance:
    accepted: bool
    code: str | None
    reason: str
    reason_en: str
    routes: tuple[str, ...]


def decide(parties: Sequence[Party], dispute: Dispute, *, pending_elsewhere: str | None,
           offence: str | None) -> Acceptance:
    if offence is not None:
        kind = "涉嫌犯罪" if offence == "criminal" else "违反治安管理"
        return Acceptance(False, "mediation_offence", f"纠纷{kind}，不属于人民调解范围",
                          "a crime or a public-security offence is not for people's mediation", ("police",))
    if pending_elsewhere is not None:
        return Acceptance(False, "mediation_pending_elsewhere", "纠纷已由其他机关受理或处理",
                          "the dispute is already before another authority", (PENDING[pending_elsewhere],))
    if dispute.reserved_to is not None:
        return Acceptance(False, "mediation_reserved", f"法律规定由{dispute.reserved_to}处理",
                          f"the law gives it to {dispute.reserved_to_en}", ("administrative",))
    refusing = [p.name for p in parties if not p.consents]
    if refusing:
        return Acceptance(False, "mediation_party_refuses", f"当事人{'、'.join(refusing)}明确拒绝调解",
                          f"{', '.join(refusing)} clearly refused mediation", dispute.other_routes)
    return Acceptance(True, None, "符合受理条件", "may be mediated", ())


def routes_text(routes: Sequence[str], english: bool = False) -> str:
    return ("; " if english else "；").join(ROUTES[r][1 if english else 0] for r in routes)


def missing_signatures(party_count: int, signed_parties: Sequence[int], mediator_signed: bool) -> list[str]:
    """Who has yet to sign: 'party:N' for each unsigned party, 'mediator' for the mediator."""
    missing = [f"party:{i}" for i in range(party_count) if i not in set(signed_parties)]
    return missing + ([] if mediator_signed else ["mediator"])


def confirmation_refusal(applicants: Sequence[int], party_count: int, window_ends: datetime,
                         now: datetime) -> str | None:
    """Why an application for judicial confirmation may not be made, or None."""
    if now > window_ends:
        return "confirmation_window_closed"
    if set(applicants) != set(range(party_count)):
        return "confirmation_not_joint"
    return None
