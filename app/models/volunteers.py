"""Volunteers, their teams, tasks and certified service hours, and the time bank's append-only ledger."""

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import BigIntPK, JsonType, UTCDateTime, utcnow
from app.models.fields import EncryptedString


def _fk(target: str, name: str, **kw: Any) -> Column:
    return Column(BigIntPK, ForeignKey(target, name=name), **kw)


class Volunteer(SQLModel, table=True):
    __tablename__ = "volunteers"

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    person_id: int = Field(sa_column=_fk("people.id", "fk_volunteers_person", nullable=False, unique=True))
    user_id: int | None = Field(default=None, sa_column=_fk("users.id", "fk_volunteers_user", unique=True))
    skills: list[str] = Field(default_factory=list, sa_column=Column(JsonType, nullable=False))
    availability: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JsonType, nullable=False))
    region_code: str = Field(sa_column=Column(String(12), ForeignKey("regions.code", name="fk_volunteers_region"),
                                              nullable=False, index=True))
    emergency_name: str = Field(max_length=64)
    emergency_relationship: str = Field(max_length=16)
    emergency_phone: str = Field(sa_column=Column(EncryptedString, nullable=False))
    # Under 14 (and 14–18 where the policy says so): the guardian who consented, and when.
    guardian: dict[str, Any] | None = Field(default=None, sa_column=Column(JsonType))
    guardian_phone: str | None = Field(default=None, sa_column=Column(EncryptedString))
    status: str = Field(default="pending", max_length=16)  # pending | approved | rejected | suspended
    decided_by: int | None = Field(default=None, sa_column=_fk("users.id", "fk_volunteers_decider"))
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    decision_note: str | None = Field(default=None, max_length=200)
    approving_unit_id: int | None = Field(default=None, sa_column=_fk("units.id", "fk_volunteers_unit"))
    certificate_no: str | None = Field(default=None, sa_column=Column(String(40), unique=True))
    minutes_total: int = 0  # certified service time; kept with every certification
    rating_sum: int = 0
    rating_count: int = 0
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    created_by: int | None = Field(default=None, sa_column=_fk("users.id", "fk_volunteers_creator"))


class VolunteerTeam(SQLModel, table=True):
    __tablename__ = "volunteer_teams"

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    name: str = Field(max_length=64)
    region_code: str = Field(sa_column=Column(String(12), ForeignKey("regions.code", name="fk_teams_region"),
                                              nullable=False))
    unit_id: int = Field(sa_column=_fk("units.id", "fk_teams_unit", nullable=False))
    leader_id: int = Field(sa_column=_fk("volunteers.id", "fk_teams_leader", nullable=False))
    skills: list[str] = Field(default_factory=list, sa_column=Column(JsonType, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class TeamMember(SQLModel, table=True):
    __tablename__ = "volunteer_team_members"
    __table_args__ = (UniqueConstraint("team_id", "volunteer_id", name="uq_team_members"),)

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    team_id: int = Field(sa_column=_fk("volunteer_teams.id", "fk_team_members_team", nullable=False))
    volunteer_id: int = Field(sa_column=_fk("volunteers.id", "fk_team_members_volunteer", nullable=False,
                                            index=True))
    joined_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class VolunteerTask(SQLModel, table=True):
    """A community activity volunteers sign up for; a team task's hours are the team's (donate-only)."""

    __tablename__ = "volunteer_tasks"
    __table_args__ = (Index("ix_volunteer_tasks_region_start", "region_code", "starts_at"),)

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    title: str = Field(max_length=100)
    description: str | None = Field(default=None, sa_column=Column(Text))
    unit_id: int = Field(sa_column=_fk("units.id", "fk_tasks_unit", nullable=False))
    team_id: int | None = Field(default=None, sa_column=_fk("volunteer_teams.id", "fk_tasks_team"))
    region_code: str = Field(sa_column=Column(String(12), ForeignKey("regions.code", name="fk_tasks_region"),
                                              nullable=False))
    place: str = Field(max_length=200)
    starts_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    ends_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    skills: list[str] = Field(default_factory=list, sa_column=Column(JsonType, nullable=False))
    capacity: int
    signed_up: int = 0
    adults_only: bool = False  # risky activities (志愿服务条例 Art 15)
    timebank: bool = False  # the hours may be deposited in the time bank
    status: str = Field(default="open", max_length=16)  # open | completed | cancelled
    deposited_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    completed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    created_by: int | None = Field(default=None, sa_column=_fk("users.id", "fk_tasks_creator"))


class TaskSignup(SQLModel, table=True):
    __tablename__ = "volunteer_signups"
    __table_args__ = (UniqueConstraint("task_id", "volunteer_id", name="uq_signups_task_volunteer"),
                      Index("ix_signups_volunteer", "volunteer_id", "id"))

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    task_id: int = Field(sa_column=_fk("volunteer_tasks.id", "fk_signups_task", nullable=False))
    volunteer_id: int = Field(sa_column=_fk("volunteers.id", "fk_signups_volunteer", nullable=False))
    status: str = Field(default="signed_up", max_length=16)  # signed_up | withdrawn | checked_in | checked_out
    signed_up_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    withdrawn_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    check_in_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    check_out_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    minutes: int | None = None


class ServiceHours(SQLModel, table=True):
    """Certified service time: whoever records it certifies it (the organising or the ordering unit)."""

    __tablename__ = "volunteer_service_hours"
    __table_args__ = (UniqueConstraint("volunteer_id", "task_id", name="uq_service_hours_task"),
                      UniqueConstraint("visit_id", name="uq_service_hours_visit"),
                      Index("ix_service_hours_volunteer", "volunteer_id", "started_at"))

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    volunteer_id: int = Field(sa_column=_fk("volunteers.id", "fk_service_hours_volunteer", nullable=False))
    task_id: int | None = Field(default=None, sa_column=_fk("volunteer_tasks.id", "fk_service_hours_task"))
    visit_id: int | None = Field(default=None, sa_column=_fk("care_visits.id", "fk_service_hours_visit"))
    team_id: int | None = Field(default=None, sa_column=_fk("volunteer_teams.id", "fk_service_hours_team"))
    unit_id: int = Field(sa_column=_fk("units.id", "fk_service_hours_unit", nullable=False))
    title: str = Field(max_length=100)
    started_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    ended_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    minutes: int
    certified_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    certified_by: int | None = Field(default=None, sa_column=_fk("users.id", "fk_service_hours_user"))


class TimebankAccount(SQLModel, table=True):
    """A person's hours, or a community's pool. Balances are whole minutes; the database refuses a negative."""

    __tablename__ = "timebank_accounts"
    __table_args__ = (CheckConstraint("minutes >= 0", name="ck_timebank_minutes_nonnegative"),
                      CheckConstraint("team_minutes >= 0", name="ck_timebank_team_minutes_nonnegative"),
                      UniqueConstraint("pool_region_code", name="uq_timebank_pool_region"))

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    person_id: int | None = Field(default=None, sa_column=_fk("people.id", "fk_timebank_person", unique=True))
    pool_region_code: str | None = Field(default=None, sa_column=Column(
        String(12), ForeignKey("regions.code", name="fk_timebank_pool_region")))
    minutes: int = 0  # own hours: transferable, redeemable
    team_minutes: int = 0  # earned in a team: may only be donated
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class TimebankEntry(SQLModel, table=True):
    """One movement; never updated or deleted. The entries of an account sum to its balance."""

    __tablename__ = "timebank_entries"
    __table_args__ = (Index("ix_timebank_entries_account", "account_id", "id"),
                      UniqueConstraint("service_hours_id", name="uq_timebank_entries_deposit"))

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    account_id: int = Field(sa_column=_fk("timebank_accounts.id", "fk_timebank_entries_account", nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    type: str = Field(max_length=24)  # deposit, cap_donation, transfer_out/in, donation_out/in, redemption
    bucket: str = Field(default="own", max_length=8)  # own | team
    minutes: int  # signed
    balance_after: int  # of this bucket
    counterparty_account_id: int | None = Field(default=None, sa_column=_fk("timebank_accounts.id",
                                                                            "fk_timebank_entries_counterparty"))
    # Set on deposits only: one certified service record is deposited once.
    service_hours_id: int | None = Field(default=None, sa_column=_fk("volunteer_service_hours.id",
                                                                     "fk_timebank_entries_hours"))
    case_id: int | None = Field(default=None, sa_column=_fk("cases.id", "fk_timebank_entries_case"))
    by_user_id: int | None = Field(default=None, sa_column=_fk("users.id", "fk_timebank_entries_user"))
    note: str | None = Field(default=None, max_length=200)


class VolunteerSkill(SQLModel, table=True):
    __tablename__ = "volunteer_skills"

    code: str = Field(sa_column=Column(String(32), primary_key=True))
    name: str = Field(max_length=32)
    name_en: str = Field(max_length=64)
    service_types: list[str] = Field(default_factory=list, sa_column=Column(JsonType, nullable=False))
    adults_only: bool = False
