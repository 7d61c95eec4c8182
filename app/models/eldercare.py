"""Home-based elderly care: the visits of an order."""

from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, false
from sqlmodel import Field, SQLModel

from app.models.base import BigIntPK, UTCDateTime, utcnow


class CareVisit(SQLModel, table=True):
    """One visit of an eldercare order, by a provider organisation or a volunteer, checked in and out at the home."""

    __tablename__ = "care_visits"
    __table_args__ = (Index("ix_care_visits_case", "case_id", "id"),
                      Index("ix_care_visits_volunteer", "volunteer_id", "scheduled_at"))

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    case_id: int = Field(sa_column=Column(BigIntPK, ForeignKey("cases.id", name="fk_care_visits_case"),
                                          nullable=False))
    provider_unit_id: int | None = Field(default=None, sa_column=Column(
        BigIntPK, ForeignKey("units.id", name="fk_care_visits_unit")))
    volunteer_id: int | None = Field(default=None, sa_column=Column(
        BigIntPK, ForeignKey("volunteers.id", name="fk_care_visits_volunteer")))
    scheduled_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    planned_minutes: int = 60
    status: str = Field(default="scheduled", max_length=16)  # scheduled | checked_in | done | cancelled
    check_in_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    check_in_lat: float | None = None
    check_in_lng: float | None = None
    check_out_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    check_out_lat: float | None = None
    check_out_lng: float | None = None
    minutes: int | None = None  # as checked in and out
    unlocated: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    # Staff extended the booked window (hours past the planned end count), with their reason.
    window_ends_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    window_reason: str | None = Field(default=None, max_length=300)
    certified_minutes: int | None = None  # inside the window: certified and banked
    pending_minutes: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    rating: int | None = None
    rating_comment: str | None = Field(default=None, max_length=500)
    rated_by: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey("users.id",
                                                                                     name="fk_care_visits_rater")))
    rated_as: str | None = Field(default=None, max_length=16)  # self | family | callback
    rated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    created_by: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey("users.id",
                                                                                       name="fk_care_visits_creator")))
