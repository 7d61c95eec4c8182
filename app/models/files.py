"""Uploaded files: the stored bytes (one blob per SHA-256), the uploads that name them, and their links to cases."""

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, String
from sqlmodel import Field, SQLModel

from app.models.base import BigIntPK, UTCDateTime, utcnow


class FileBlob(SQLModel, table=True):
    """Bytes in the store, once however often they are uploaded. The object's key is derived from the hash."""

    __tablename__ = "file_blobs"
    __table_args__ = (Index("ix_file_blobs_last_used", "last_used_at"),)

    sha256: str = Field(sa_column=Column(String(64), primary_key=True))
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    mime: str = Field(max_length=64)
    width: int | None = None
    height: int | None = None
    thumbnail: bool = False  # a thumbnail object sits beside the blob (images)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    # Touched whenever an upload arrives with these bytes: the sweep leaves a blob alone for the grace period.
    last_used_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class StoredFile(SQLModel, table=True):
    """One upload: who sent it, under what name, what it is. Read only by its owner until a record links it."""

    __tablename__ = "files"
    __table_args__ = (
        Index("ix_files_sha256", "sha256"),
        Index("ix_files_owner", "owner_user_id", "id"),
        Index("ix_files_created", "created_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    sha256: str = Field(sa_column=Column(String(64), ForeignKey("file_blobs.sha256", name="fk_files_blob"),
                                         nullable=False))
    # None for an upload that came with an Open311 request (a partner app, not an account).
    owner_user_id: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey(
        "users.id", name="fk_files_owner")))
    name: str = Field(max_length=200)
    mime: str = Field(max_length=64)
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    kind: str = Field(max_length=32)
    # A personal document (ID card, household register): every download is audited.
    sensitive: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class FileLink(SQLModel, table=True):
    """A file attached to a case, by whom and why; who may read the case may read the file."""

    __tablename__ = "file_links"
    __table_args__ = (
        Index("ix_file_links_case", "case_id", "id"),
        Index("ix_file_links_file", "file_id"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    file_id: int = Field(sa_column=Column(BigIntPK, ForeignKey("files.id", name="fk_file_links_file"),
                                          nullable=False))
    case_id: int = Field(sa_column=Column(BigIntPK, ForeignKey("cases.id", name="fk_file_links_case"),
                                          nullable=False))
    # material, report, order, reply, agreement, open311_media
    purpose: str = Field(max_length=32)
    ref: str | None = Field(default=None, max_length=64)  # what within the record (an affair material's code)
    public: bool = False  # shown to anyone (an Open311 request's image)
    attached_by_user_id: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey(
        "users.id", name="fk_file_links_attached_by")))
    attached_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
