"""API models of people's mediation: filing, the stage bodies, the dispute types."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from app.core.schemas import RequestModel
from app.files.schemas import FileIds


class PartyIn(RequestModel):
    person_id: int | None = Field(default=None, ge=1, description="from the register; else an outside party by name")
    name: str | None = Field(default=None, min_length=1, max_length=64)
    phone: str | None = Field(default=None, max_length=20)
    role: Literal["applicant", "respondent"]
    consents: bool = Field(description="whether the party agrees to mediation (Art 17)")

    @model_validator(mode="after")
    def _who(self) -> "PartyIn":
        if self.person_id is None and not self.name:
            raise ValueError("give person_id or name")
        return self


class MediationCreate(RequestModel):
    dispute_type: str = Field(min_length=1, max_length=32, description="a code of GET /mediation/dispute-types")
    facts: str = Field(min_length=8, max_length=4000)
    claims: str = Field(min_length=2, max_length=2000)
    region_code: str = Field(pattern=r"^\d{12}$", description="the community where the dispute arose")
    address: str | None = Field(default=None, max_length=200)
    parties: list[PartyIn] = Field(min_length=2, max_length=20)
    pending_elsewhere: Literal["court", "arbitration", "labour_arbitration", "administrative", "petitions"] | None = (
        Field(default=None, description="the dispute is already before another authority"))
    offence: Literal["criminal", "public_security"] | None = Field(
        default=None, description="the facts amount to a crime or a public-security offence")


class DisputeTypeRead(BaseModel):
    code: str
    name: str
    name_en: str
    category: str
    mediable: bool
    reserved_to: str | None
    other_routes: list[str]


class SessionBody(RequestModel):
    held_on: date
    participants: list[str] = Field(min_length=1, max_length=30)
    mediator: str = Field(min_length=1, max_length=64)
    notes: str = Field(min_length=2, max_length=4000)


class Term(RequestModel):
    term: str = Field(min_length=2, max_length=500)
    method: str = Field(min_length=2, max_length=200, description="how it is performed (转账、当面支付、修缮 …)")
    deadline: date


class AgreementBody(RequestModel):
    facts: str = Field(min_length=4, max_length=4000)
    disputed_matters: str = Field(min_length=2, max_length=2000)
    responsibilities: str = Field(min_length=2, max_length=2000)
    terms: list[Term] = Field(min_length=1, max_length=30)
    mediator: str = Field(min_length=1, max_length=64)
    files: FileIds = Field(default_factory=list, description="The draft or its annexes, uploaded (POST /files)")


class SignatureBody(RequestModel):
    party: int | None = Field(default=None, ge=0, description="the party's index in the case's parties")
    mediator: bool = False

    @model_validator(mode="after")
    def _one(self) -> "SignatureBody":
        if (self.party is None) == (not self.mediator):
            raise ValueError("sign for one party, or for the mediator")
        return self


class SealBody(RequestModel):
    seal_no: str = Field(min_length=2, max_length=64, description="the committee's seal record (印章编号)")
    files: FileIds = Field(default_factory=list, description="The signed and sealed agreement, scanned and "
                                                            "uploaded (POST /files)")


class ConfirmationBody(RequestModel):
    applicants: list[int] = Field(min_length=1, max_length=20, description="indexes of the parties applying")
    court: str = Field(min_length=2, max_length=100)


class ConfirmationResultBody(RequestModel):
    result: Literal["confirmed", "refused"]
    ruling_no: str = Field(min_length=2, max_length=64)


class FailBody(RequestModel):
    reason: Literal["party_refused", "no_agreement", "party_absent", "other"]
    note: str = Field(min_length=2, max_length=1000)


class HandoffAnswerBody(RequestModel):
    text: str = Field(min_length=4, max_length=4000)
    signer: str = Field(min_length=1, max_length=64)


class TransferBody(RequestModel):
    to: Literal["police", "labour_arbitration", "court", "petitions"]
    reason: str = Field(min_length=4, max_length=1000)


class PartyContact(BaseModel):
    index: int
    name: str
    phone: str | None
