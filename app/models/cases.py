"""The case spine: cases, their unit assignments and their timeline."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlmodel import Field, Relationship, SQLModel

from app.models.base import BigIntPK, JsonOrNull, JsonType, UTCDateTime, utcnow
from app.models.fields import EncryptedString


class Case(SQLModel, table=True):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_requester", "requester_user_id", "id"),
        Index("ix_cases_district_created", "district_code", "created_at", "id"),
        Index("ix_cases_status_due", "status", "handle_due", "id"),
        Index("ix_cases_due_id", "handle_due", "id"),  # work queues walk it in keyset order
        Index("ix_cases_lead_created", "lead_unit_id", "created_at"),  # a unit's figures for a period
        Index("ix_cases_lead_due", "lead_unit_id", "handle_due"),  # on-time rates: deadlines in a period
        Index("ix_cases_district_due", "district_code", "handle_due"),
        # The few merged duplicates, which every figure leaves out: a small index to anti-join against.
        Index("ix_cases_merged", "id", postgresql_where=text("close_reason = 'merged'"),
              sqlite_where=text("close_reason = 'merged'")),
        Index("ix_cases_category_district_created", "category_code", "district_code", "created_at"),  # duplicates
        Index("ix_cases_lead_status", "lead_unit_id", "status"),
        Index("ix_cases_merged_into", "merged_into_id"),
        Index("ix_cases_caller_phone_hash", "caller_phone_hash", "id"),
        Index("ix_cases_category_region_created", "category_code", "region_code", "created_at"),
        Index("ix_cases_status_sign_due", "status", "sign_due"),
        Index("ix_cases_status_callback_due", "status", "callback_due"),
        Index("ix_cases_chase_due", "chase_due"),
        Index("ix_cases_supervise_due", "supervise_due"),
        Index("ix_cases_stage_due", "stage_due"),
        Index("ix_cases_extension_watch_at", "extension_watch_at"),
        Index("ix_cases_updated_id", "updated_at", "id"),  # work lists sorted by the last change
        # The few cases whose deadlines wait for a year's official calendar (re-planned when it arrives).
        Index("ix_cases_provisional", "id", postgresql_where=text("provisional IS NOT NULL"),
              sqlite_where=text("provisional IS NOT NULL")),
        # The few emergencies, which every due-ordered queue and search reads first: without it that first step
        # walks every open case to find none (34 ms at 300k cases, 600 ms at 1M).
        Index("ix_cases_critical", "id", postgresql_where=text("urgency = 'critical'"),
              sqlite_where=text("urgency = 'critical'")),
    )

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    number: str = Field(max_length=32, unique=True)
    kind: str = Field(max_length=16, index=True)
    channel: str = Field(max_length=16)
    category_code: str = Field(sa_column=Column(String(64), ForeignKey("categories.code"), nullable=False))
    work_order_type: str = Field(max_length=16)
    urgency: str = Field(default="normal", max_length=16)
    handling_class: str = Field(default="standard", max_length=16)
    status: str = Field(max_length=20)
    stage: str | None = Field(default=None, max_length=32)
    # A deadline the kind's own stage runs against (an affair's 容缺 supplement date); the sweep asks the kind.
    stage_due: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    title: str | None = Field(default=None, max_length=200)
    description: str = Field(sa_column=Column(Text, nullable=False))

    region_code: str = Field(sa_column=Column(String(12), ForeignKey("regions.code"), nullable=False))
    district_code: str = Field(sa_column=Column(String(6), nullable=False))
    address: str | None = Field(default=None, max_length=200)
    latitude: float | None = None
    longitude: float | None = None

    requester_user_id: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey("users.id")))
    caller_name: str | None = Field(default=None, max_length=64)
    caller_phone: str | None = Field(default=None, sa_column=Column(EncryptedString))  # Fernet at rest
    caller_phone_hash: str | None = Field(default=None, max_length=64)  # keyed hash: caller history lookups
    anonymous: bool = False
    hide_contact: bool = False

    lead_unit_id: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey("units.id")))
    profile_code: str = Field(max_length=48)
    routing_fallback: bool = False
    sign_due: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    handle_due: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    return_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    callback_due: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    extension_days_granted: int = 0
    extension_request: dict[str, Any] | None = Field(default=None, sa_column=Column(JsonType))
    return_request: dict[str, Any] | None = Field(default=None, sa_column=Column(JsonType))
    reply: dict[str, Any] | None = Field(default=None, sa_column=Column(JsonType))
    direct_answer: bool = False
    close_reason: str | None = Field(default=None, max_length=32)
    merged_into_id: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey("cases.id")))
    major: dict[str, Any] | None = Field(default=None, sa_column=Column(JsonType))
    redo_count: int = 0
    callback_attempts: int = 0

    # Oversight marks written by the sweep; each is written once per deadline cycle.
    sign_overdue_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    handle_overdue_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    chase_due: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    chased_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    supervise_due: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    supervised_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    callback_reminded_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # While an extension request is undecided: when the sweep looks at it next (the approver's reminder, then
    # the handling due at which it lapses). None when no request is pending.
    extension_watch_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JsonType, nullable=False))
    # Deadlines computed on a calendar that was not complete (a year without its notice): name -> how, so that
    # they are computed again when the year's schedule arrives (app/cases/clock.py). None when there are none.
    provisional: dict[str, Any] | None = Field(default=None, sa_column=Column(JsonOrNull))
    # The words of description, address and reply as the full-text index reads them (app/core/segment.py):
    # SQLite's FTS5 table `cases_fts` and PostgreSQL's GIN index over it are kept by the database itself.
    search_text: str | None = Field(default=None, sa_column=Column(Text))

    dispatched_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    signed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    replied_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    created_by: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey("users.id")))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    version: int = 1

    assignments: list["Assignment"] = Relationship(
        sa_relationship_kwargs={"lazy": "raise", "order_by": "Assignment.id"}
    )
    events: list["CaseEvent"] = Relationship(
        sa_relationship_kwargs={"lazy": "raise", "order_by": "CaseEvent.id"}
    )


class Assignment(SQLModel, table=True):
    """A unit's part in a case: lead (首接负责) or co-handler (协办)."""

    __tablename__ = "assignments"
    __table_args__ = (
        Index("ix_assignments_unit_active", "unit_id", "active", "case_id"),
        Index("ix_assignments_case", "case_id"),
        # Response rates for a period, by unit and by place; the included columns answer from the index alone.
        Index("ix_assignments_unit_dispatched", "unit_id", "dispatched_at",
              postgresql_include=["role", "signed_at", "sign_due", "case_id"]),
        Index("ix_assignments_district_dispatched", "district_code", "dispatched_at",
              postgresql_include=["role", "signed_at", "sign_due", "case_id", "unit_id"]),
        Index("ix_assignments_dispatched", "dispatched_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    case_id: int = Field(sa_column=Column(BigIntPK, ForeignKey("cases.id"), nullable=False))
    unit_id: int = Field(sa_column=Column(BigIntPK, ForeignKey("units.id"), nullable=False))
    role: str = Field(max_length=8)  # lead | co
    status: str = Field(max_length=16)  # dispatched | signed | contributed | returned | withdrawn | replaced
    # The case's place, copied so that a district's figures read assignments without a join to a million cases;
    # kept equal to the case's by `cases.repository.move_place`.
    region_code: str = Field(max_length=12)
    district_code: str = Field(max_length=6)
    active: bool = True
    dispatched_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    sign_due: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    signed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    signed_by: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey("users.id")))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    contribution: str | None = Field(default=None, sa_column=Column(Text))


class CaseEvent(SQLModel, table=True):
    """Append-only timeline entry, written in the same transaction as the change."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case", "case_id", "id"),
                      Index("ix_case_events_type_at", "type", "at", "case_id"))  # returns, major marks

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    case_id: int = Field(sa_column=Column(BigIntPK, ForeignKey("cases.id"), nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    type: str = Field(max_length=32)
    actor_user_id: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey("users.id")))
    actor_role: str | None = Field(default=None, max_length=16)
    actor_unit_id: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey("units.id")))
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str | None = Field(default=None, max_length=20)
    reason: str | None = Field(default=None, sa_column=Column(Text))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JsonType, nullable=False))


class CaseCallback(SQLModel, table=True):
    """One callback attempt or resident rating (回访/评价). Only the last reached one of a round counts."""

    __tablename__ = "case_callbacks"
    __table_args__ = (
        Index("ix_case_callbacks_case", "case_id", "id"),
        Index("ix_case_callbacks_unit_at", "unit_id", "at"),
        Index("ix_case_callbacks_district_at", "district_code", "at",
              postgresql_include=["counted", "solved", "satisfaction", "case_id", "unit_id"]),
        Index("ix_case_callbacks_at", "at"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    case_id: int = Field(sa_column=Column(BigIntPK, ForeignKey("cases.id"), nullable=False))
    unit_id: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey("units.id")))
    region_code: str = Field(max_length=12)  # the case's place, as on assignments
    district_code: str = Field(max_length=6)
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    by_user_id: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey("users.id")))
    channel: str = Field(max_length=8)  # phone | app
    round: int = 0  # the case's redo_count when the reply being rated was given
    attempt: int = 1
    reached: bool
    solved: bool | None = None
    satisfaction: str | None = Field(default=None, max_length=24)
    unit_at_fault: bool = False
    outcome: str = Field(max_length=16)  # closed | redo | retry | unreached | awaiting_review
    counted: bool = False
    note: str | None = Field(default=None, sa_column=Column(Text))


class CaseLink(SQLModel, table=True):
    """Two cases an agent judged related (关联), without merging them. Stored once, lower id first."""

    __tablename__ = "case_links"
    __table_args__ = (
        UniqueConstraint("case_id", "related_id", name="uq_case_links_pair"),
        Index("ix_case_links_related", "related_id"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    case_id: int = Field(sa_column=Column(BigIntPK, ForeignKey("cases.id"), nullable=False))
    related_id: int = Field(sa_column=Column(BigIntPK, ForeignKey("cases.id"), nullable=False))
    note: str | None = Field(default=None, max_length=200)
    by_user_id: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey("users.id")))
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class CaseNumberCounter(SQLModel, table=True):
    """Per district and day, so numbers stay unique when cases shard by district."""

    __tablename__ = "case_number_counters"

    district_code: str = Field(sa_column=Column(String(6), primary_key=True))
    day: str = Field(sa_column=Column(String(8), primary_key=True))
    last: int = 0
