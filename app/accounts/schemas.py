from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.core.roles import Role


class UserBase(BaseModel):
    name: str = Field(min_length=1, max_length=64)


class UserRegister(UserBase):
    """A resident signs up with a mainland mobile number as the username."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    phone: str = Field(min_length=11, max_length=20)
    password: str = Field(min_length=1, max_length=128)

    @field_validator("name")
    @classmethod
    def _no_control_chars(cls, value: str) -> str:
        if any(ord(c) < 32 for c in value):
            raise ValueError("name has control characters")
        return value


class UserRead(UserBase):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    role: Role
    unit_id: int | None
    phone: str | None
    active: bool
    created_at: datetime


class MeRead(UserRead):
    unit_name: str | None = None
    district_scope: str | None = None


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
