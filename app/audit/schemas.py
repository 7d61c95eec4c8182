"""What the audit trail answers: one record as an auditor reads it."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class AuditUnit(BaseModel):
    id: int
    name: str | None = None


class AuditActor(BaseModel):
    """Who acted: a staff member by name; a resident or volunteer by a masked name."""

    id: int
    name: str | None = Field(None, description="the name when the record was written, or the account's now")
    role: str | None = Field(None, description="the role when the record was written (or, for records older "
                                               "than that column, the account's role now)")
    role_label: str | None = None
    unit: AuditUnit | None = Field(None, description="the actor's unit when the record was written; none on "
                                                     "records written before units were recorded")


class AuditTarget(BaseModel):
    """Whose record: its kind and id, and a label people can read (a person's masked name, a case's number)."""

    type: str
    id: str | None = None
    label: str | None = None
    person_id: int | None = Field(None, description="the register entry the target belongs to, where known")


class AuditRecordRead(BaseModel):
    id: int
    at: datetime
    action: str
    result: str
    actor: AuditActor | None = Field(None, description="none for the system (the sweep) and unknown log-ins")
    target: AuditTarget | None = None
    reason: str | None = Field(None, description="why, where the action asks for a reason (a reveal, an "
                                                 "override); phone and ID numbers in it are masked")
    ip: str | None = Field(None, description="the client's address")
    detail: dict[str, Any] = Field(default_factory=dict, description="what else the action recorded; phone and "
                                                                     "ID numbers masked")
