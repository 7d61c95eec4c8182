"""Base classes for API models: what every request body shares."""

from typing import TYPE_CHECKING, Self

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError


class RequestModel(BaseModel):
    """A request body: unknown fields are errors (never silently ignored) and text is trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def invalid(code: str, **params: object) -> PydanticCustomError:
    """A request model's own check failing: `code` is a catalogue code (its package's messages.py), so the field
    error reads in the client's language. Raise it from a validator, as a ValueError would be."""
    return PydanticCustomError(code, code, params or None)


class PairedCoordinates(BaseModel):
    """A model with optional `latitude` and `longitude` fields (declared by the model): both or neither."""

    if TYPE_CHECKING:
        latitude: float | None
        longitude: float | None

    @model_validator(mode="after")
    def _coordinates_pair(self) -> Self:
        if (self.latitude is None) != (self.longitude is None):
            raise invalid("coordinates_paired")
        return self
