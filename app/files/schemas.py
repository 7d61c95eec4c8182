"""API models for files, and the list of file ids other packages' request bodies carry."""

from datetime import datetime
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BaseModel, Field

from app.core.schemas import invalid

FileKind = Literal["id_card", "household_register", "certificate", "photo", "agreement", "document", "other"]
FILE_KINDS: tuple[str, ...] = get_args(FileKind)
# Personal documents: marked sensitive whatever the uploader says, and every download of them is audited.
PERSONAL_KINDS = frozenset({"id_card", "household_register"})
MAX_IDS = 50  # file ids in one request body; how many a case may carry is the files_max_per_case setting


def _unique(ids: list[int]) -> list[int]:
    if len(ids) != len(set(ids)):
        raise invalid("files_repeated")
    return ids


FileIds = Annotated[list[Annotated[int, Field(ge=1)]], Field(max_length=MAX_IDS), AfterValidator(_unique)]
FileId = Annotated[int, Field(ge=1, description="The id POST /files answered with; the file must be yours")]


class FileRead(BaseModel):
    id: int
    name: str
    mime: str
    size: int
    sha256: str = Field(description="SHA-256 of the bytes as stored (images after their metadata was removed)")
    kind: str
    sensitive: bool = Field(description="A personal document: every download is audited")
    width: int | None = None
    height: int | None = None
    created_at: datetime
    url: str = Field(description="A signed download link (relative to the API's address), short-lived")
    thumbnail_url: str | None = Field(default=None, description="Images: a signed link to the thumbnail")
    urls_expire_at: datetime


class AttachedFile(FileRead):
    purpose: str = Field(description="material, report, order, reply, agreement or open311_media")
    ref: str | None = Field(default=None, description="What within the record (an affair material's code)")
    public: bool
    attached_at: datetime
