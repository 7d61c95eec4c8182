from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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
    leader: bool = False
    created_at: datetime


class MeRead(UserRead):
    unit_name: str | None = None
    district_scope: str | None = None


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=128)
    new_password: str = Field(min_length=1, max_length=128)


class UserUpdate(BaseModel):
    """What an administrator may change on an account; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    unit_id: int | None = Field(default=None, description="null unbinds the account from its unit")
    active: bool | None = None
    leader: bool | None = Field(default=None, description="may sign off decisions against the recorded check")

    @model_validator(mode="after")
    def _role_and_active_not_null(self) -> "UserUpdate":
        # unit_id may be set to null (unbind); a role, active or leader flag cannot be "nothing".
        for name in ("role", "active", "leader"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self
