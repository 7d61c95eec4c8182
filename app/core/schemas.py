"""Base classes for API models: what every request body shares."""

from pydantic import BaseModel, ConfigDict


class RequestModel(BaseModel):
    """A request body: unknown fields are errors (never silently ignored) and text is trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
