"""Base classes for API models: what every request body shares."""

from pydantic import BaseModel, ConfigDict
from pydantic_core import PydanticCustomError


class RequestModel(BaseModel):
    """A request body: unknown fields are errors (never silently ignored) and text is trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def invalid(code: str, **params: object) -> PydanticCustomError:
    """A request model's own check failing: `code` is a catalogue code (its package's messages.py), so the field
    error reads in the client's language. Raise it from a validator, as a ValueError would be."""
    return PydanticCustomError(code, code, params or None)
