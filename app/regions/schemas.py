from pydantic import BaseModel, ConfigDict


class RegionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    level: str
    parent_code: str | None
    statistical: bool
    aliases: list[str]


class RegionDetail(RegionRead):
    path: list[RegionRead]
    children_count: int
