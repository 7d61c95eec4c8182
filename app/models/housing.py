"""Residence registration for rental housing (出租屋居住登记): the tenancy a case registers, and who lives in it.

The case carries the procedure (filed, verified, lapsed); these rows are the register it keeps: the tenancy's
dates as they stand (an extension moves the end, an early move-out ends it), the reminder, and each resident
found by the keyed hash of their identity number, which is how a person's months of registration are counted
across tenancies. Identity numbers are held as ciphertext and keyed hashes, never in clear.
"""

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import BigIntPK, UTCDateTime


class HousingRegistration(SQLModel, table=True):
    __tablename__ = "housing_registrations"
    __table_args__ = (
        UniqueConstraint("case_id", name="uq_housing_registrations_case"),
        UniqueConstraint("certificate_no", name="uq_housing_registrations_certificate"),
        # The reminder sweep walks the registrations whose reminder has fallen due and was not sent.
        Index("ix_housing_registrations_remind", "remind_at", "reminded_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    case_id: int = Field(sa_column=Column(BigIntPK, ForeignKey("cases.id", name="fk_housing_registrations_case"),
                                          nullable=False))
    region_code: str = Field(sa_column=Column(String(12), ForeignKey("regions.code",
                                                                     name="fk_housing_registrations_region"),
                                              nullable=False, index=True))
    address: str = Field(max_length=200)
    landlord_name: str = Field(max_length=64)
    landlord_id_cipher: str = Field(sa_column=Column(Text, nullable=False))
    landlord_id_hash: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    start_date: date
    end_date: date  # as it stands: an extension moves it
    counted_from: date  # the first day that counts as registered: the later of the start and the filing day
    certificate_no: str | None = Field(default=None, max_length=40)  # issued when the community verifies it
    registered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    ended_on: date | None = None  # the last day registered, once it ended (moved out early, or lapsed)
    remind_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    reminded_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class HousingResident(SQLModel, table=True):
    """A tenant of a registered tenancy; `seq` numbers them within it (their own certificate suffix)."""

    __tablename__ = "housing_residents"
    __table_args__ = (
        UniqueConstraint("registration_id", "seq", name="uq_housing_residents_seq"),
        UniqueConstraint("registration_id", "id_hash", name="uq_housing_residents_person"),
        Index("ix_housing_residents_id_hash", "id_hash"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    registration_id: int = Field(sa_column=Column(BigIntPK, ForeignKey("housing_registrations.id",
                                                                       name="fk_housing_residents_registration"),
                                                  nullable=False))
    seq: int
    name: str = Field(max_length=64)
    id_cipher: str = Field(sa_column=Column(Text, nullable=False))
    id_hash: str = Field(max_length=64)
    id_masked: str = Field(max_length=24)
    # The register's entry for the same number, when there is one (collect once, use many times).
    person_id: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey(
        "people.id", name="fk_housing_residents_person")))
