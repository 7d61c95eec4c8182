"""The resident register (collect once, use many times): people, their household links and status flags."""

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import BigIntPK, UTCDateTime, utcnow
from app.models.fields import EncryptedString


class Person(SQLModel, table=True):
    """One resident. The ID number is held as ciphertext and a keyed hash (for finding the row), never in clear."""

    __tablename__ = "people"

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    name: str = Field(max_length=64)
    id_cipher: str = Field(sa_column=Column(Text, nullable=False))
    id_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    id_masked: str = Field(max_length=24)
    birth_date: date
    sex: str = Field(max_length=8)
    phone: str | None = Field(default=None, sa_column=Column(EncryptedString))
    phone_hash: str | None = Field(default=None, sa_column=Column(String(64), index=True))
    region_code: str = Field(sa_column=Column(String(12), ForeignKey("regions.code", name="fk_people_region"),
                                              nullable=False, index=True))
    address: str | None = Field(default=None, max_length=200)
    # The account that is this person (a resident or volunteer who bound their real identity).
    user_id: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey("users.id", name="fk_people_user"),
                                                               unique=True))
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    created_by: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey("users.id",
                                                                                       name="fk_people_creator")))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class PersonLink(SQLModel, table=True):
    """A household link, stored in both directions (spouse ↔ spouse, child ↔ parent, guardian ↔ ward)."""

    __tablename__ = "person_links"
    __table_args__ = (UniqueConstraint("person_id", "relative_id", name="uq_person_links_pair"),)

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    person_id: int = Field(sa_column=Column(BigIntPK, ForeignKey("people.id", name="fk_person_links_person"),
                                            nullable=False, index=True))
    relative_id: int = Field(sa_column=Column(BigIntPK, ForeignKey("people.id", name="fk_person_links_relative"),
                                              nullable=False))
    relation: str = Field(max_length=16)  # what the relative is to the person: spouse, child, parent, guardian, ward
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    created_by: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey("users.id",
                                                                                       name="fk_person_links_user")))


class PersonFlag(SQLModel, table=True):
    """A status with where it came from and since when (低保, 特困, living alone, disability grade, care level)."""

    __tablename__ = "person_flags"
    __table_args__ = (Index("ix_person_flags_person", "person_id", "flag"),)

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    person_id: int = Field(sa_column=Column(BigIntPK, ForeignKey("people.id", name="fk_person_flags_person"),
                                            nullable=False))
    flag: str = Field(max_length=24)
    value: str | None = Field(default=None, max_length=16)  # a grade or a level, where the flag has one
    source: str = Field(max_length=100)
    since: date
    until: date | None = None
    active: bool = True
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    recorded_by: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey("users.id",
                                                                                        name="fk_person_flags_user")))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
