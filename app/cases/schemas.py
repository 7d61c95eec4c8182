"""API models for cases. Table models never leave the service layer."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.cases.action_bodies import (  # noqa: F401 (the action bodies, importable from here as before)
    ACTION_BODIES,
    AcceptReturnBody,
    CallbackBody,
    ContributeBody,
    DirectAnswerBody,
    DispatchBody,
    ExtensionBody,
    LinkBody,
    MajorBody,
    MergeBody,
    NoteBody,
    RateBody,
    ReasonBody,
    RedispatchBody,
    ReplyBody,
    ReturnBody,
    Satisfaction,
    UnitBody,
    UnlinkBody,
)
from app.core.schemas import PairedCoordinates, RequestModel
from app.routing.schemas import CategoryBrief, Urgency, WorkOrderType
from app.units.schemas import UnitBrief

Channel = Literal["hotline", "counter", "app", "web", "open311", "staff"]


class CaseBase(BaseModel):
    category: str = Field(max_length=64)
    work_order_type: WorkOrderType
    urgency: Urgency = "normal"
    title: str | None = Field(default=None, max_length=200)
    description: str = Field(min_length=2, max_length=4000)
    region_code: str = Field(pattern=r"^\d{12}$")
    address: str | None = Field(default=None, max_length=200)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class CaseCreate(CaseBase, PairedCoordinates):
    """The generic creation path; each kind's intake builds on it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: str = Field(default="hotline", max_length=16)
    channel: Channel = "hotline"
    caller_name: str | None = Field(default=None, max_length=64)
    caller_phone: str | None = Field(default=None, max_length=20)
    anonymous: bool = False
    hide_contact: bool = False
    hold: bool = Field(default=False, description="Keep the case at 'received' instead of dispatching it")
    payload: dict[str, Any] | None = None


class CaseUpdate(BaseModel):
    """Changing what or where re-runs the router."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    category: str | None = Field(default=None, max_length=64)
    region_code: str | None = Field(default=None, pattern=r"^\d{12}$")
    address: str | None = Field(default=None, max_length=200)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    urgency: Urgency | None = None
    reason: str = Field(min_length=2, max_length=500)


class Requester(BaseModel):
    user_id: int | None
    name: str | None
    phone: str | None
    phone_masked: bool
    anonymous: bool
    hide_contact: bool


class Location(BaseModel):
    region_code: str
    region_name: str | None
    district_code: str
    address: str | None
    latitude: float | None
    longitude: float | None


class Deadlines(BaseModel):
    sign_due: datetime | None
    handle_due: datetime | None
    return_until: datetime | None
    callback_due: datetime | None
    extension_days_granted: int
    extension_cap_working_days: int
    overdue: bool
    calendar_complete: bool = Field(description="False when a deadline above runs into a year whose official "
                                                "schedule (调休) is not out yet: it counts the statutory holidays "
                                                "only and is re-planned when the schedule is loaded")
    provisional: list[str] = Field(default_factory=list,
                                   description="Which deadlines are provisional (see calendar_complete)")


class AssignmentRead(BaseModel):
    id: int
    unit: UnitBrief
    role: str
    status: str
    active: bool
    dispatched_at: datetime
    sign_due: datetime | None
    signed_at: datetime | None
    finished_at: datetime | None
    contribution: str | None


class EventRead(BaseModel):
    id: int
    at: datetime
    type: str
    actor_user_id: int | None
    actor_role: str | None
    actor_unit_id: int | None
    from_status: str | None
    to_status: str | None
    reason: str | None
    data: dict[str, Any]


class Oversight(BaseModel):
    """The sweep's marks: overdue, chase (催办) and supervision (督办), with when the next is due."""

    sign_overdue_at: datetime | None
    handle_overdue_at: datetime | None
    chase_due: datetime | None
    chased_at: datetime | None
    supervise_due: datetime | None
    supervised_at: datetime | None
    callback_reminded_at: datetime | None


class CaseRef(BaseModel):
    id: int
    number: str


class MasterProgress(BaseModel):
    """For a merged duplicate: how the master case is getting on, for its requester."""

    id: int
    number: str
    status: str
    handle_due: datetime | None
    replied_at: datetime | None
    reply_text: str | None
    closed_at: datetime | None


class _CaseHead(BaseModel):
    """The fields every view of a case starts with, in this order."""

    id: int
    number: str
    kind: str
    channel: str
    status: str
    stage: str | None
    category: CategoryBrief
    work_order_type: str
    urgency: str


class CaseSummary(_CaseHead):
    title: str | None
    region_code: str
    lead_unit_id: int | None
    caller_phone: str | None
    sign_due: datetime | None
    handle_due: datetime | None
    overdue: bool
    calendar_complete: bool = True  # False: a deadline is provisional until its year's schedule is out
    created_at: datetime
    version: int


class CaseRead(_CaseHead):
    handling_class: str
    title: str | None
    description: str
    location: Location
    requester: Requester
    lead_unit: UnitBrief | None
    routing_fallback: bool
    profile: str
    deadlines: Deadlines
    extension_request: dict[str, Any] | None
    return_request: dict[str, Any] | None
    reply: dict[str, Any] | None
    direct_answer: bool
    close_reason: str | None
    payload: dict[str, Any]
    stage_due: datetime | None = None  # the deadline of the kind's current stage, if it has one
    merged_into: MasterProgress | None
    merged_duplicates: list[CaseRef]
    related: list[CaseRef] = []
    major: dict[str, Any] | None
    redo_count: int
    callback_attempts: int
    oversight: Oversight
    created_at: datetime
    updated_at: datetime
    version: int
    assignments: list[AssignmentRead]
    timeline: list[EventRead]
    allowed_actions: list[str]


class ResidentStep(BaseModel):
    step: str = Field(description="received, dispatched, signed, replied, rate, rated, closed or withdrawn")
    label: str = Field(description="the step in the reader's language")
    at: datetime | None
    done: bool


class ResidentReply(BaseModel):
    text: str
    basis: str | None
    at: datetime | None
    unit: str | None = Field(description="the unit that answered; none when the centre answered directly")
    policy_title: str | None = None
    document_number: str | None = None


class ResidentLocation(BaseModel):
    region_code: str
    region_name: str | None
    address: str | None


class NextAction(BaseModel):
    action: str = Field(description="POST /cases/{id}/actions/{action}")
    label: str


class CallNow(BaseModel):
    """A service the requester should call at once: their words describe danger now, which no case can wait on."""

    service: str = Field(description="the service, in the reader's language")
    number: str
    say: str = Field(description="one line telling the requester what to do, in the reader's language")


class ResidentCaseRead(BaseModel):
    """The requester's own case (app/cases/resident.py): plain steps, the promise, the answer, what to do next."""

    id: int
    number: str
    kind: str
    channel: str
    status: str
    status_label: str
    stage: str | None
    category: CategoryBrief
    work_order_type: str
    title: str | None
    description: str
    location: ResidentLocation
    lead_unit: UnitBrief | None = Field(description="the unit handling it")
    promised_due: datetime | None = Field(description="the handling deadline promised to the requester")
    stage_due: datetime | None = Field(default=None, description="the deadline of the kind's current stage")
    overdue: bool
    steps: list[ResidentStep]
    reply: ResidentReply | None
    payload: dict[str, Any]
    allowed_actions: list[str]
    next_actions: list[NextAction]
    created_at: datetime
    updated_at: datetime
    version: int
    call_now: list[CallNow] | None = Field(default=None, description="only in the answer to a report whose words "
                                           "describe danger now (violence, gas, fire, someone collapsed, ...): "
                                           "the emergency numbers to call at once, before waiting on the case")


# What a case route answers: the whole record to staff, the curated view to its requester.
CaseAnswer = CaseRead | ResidentCaseRead


STATUSES = ("received", "dispatched", "signed", "in_progress", "return_review", "replied", "closed", "withdrawn")
URGENCIES = ("normal", "urgent", "critical")


class CaseQuery(RequestModel):
    """Which cases: every filter optional, all of them together. Dates are local days (YYYY-MM-DD, inclusive, in
    Asia/Shanghai) or timestamps with an offset."""

    number: str | None = Field(default=None, max_length=32, description="the case number, exactly")
    q: str | None = Field(default=None, min_length=1, max_length=100,
                          description="words of the description, address or reply, every one required")
    phone: str | None = Field(default=None, max_length=20, description="the caller's number (POST /cases/search "
                                                                       "only: it stays out of URLs)")
    status: list[Literal["received", "dispatched", "signed", "in_progress", "return_review", "replied", "closed",
                         "withdrawn"]] = Field(default_factory=list, max_length=8)
    urgency: list[Literal["normal", "urgent", "critical"]] = Field(default_factory=list, max_length=3)
    kind: str | None = Field(default=None, max_length=16)
    category: str | None = Field(default=None, max_length=64, description="a category, or a group and all under it")
    region: str | None = Field(default=None, pattern=r"^\d{12}$", description="a place and everything under it")
    unit: int | None = Field(default=None, ge=1, description="cases this unit leads or co-handles")
    overdue: bool | None = None
    chased: bool | None = Field(default=None, description="chased (催办) in the current deadline cycle")
    supervised: bool | None = Field(default=None, description="supervised (督办) in the current deadline cycle")
    due_before: str | None = Field(default=None, max_length=40)
    created_from: str | None = Field(default=None, max_length=40)
    created_to: str | None = Field(default=None, max_length=40)
    updated_from: str | None = Field(default=None, max_length=40)
    updated_to: str | None = Field(default=None, max_length=40)
    sort: Literal["due", "created", "updated"] = "due"
    cursor: str | None = Field(default=None, max_length=400)
    limit: int = Field(default=20, ge=1, le=100)
    count: bool = Field(default=False, description="also answer how many match (exact, or an estimate so marked)")
