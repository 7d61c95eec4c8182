"""API models of imports and exports."""

from typing import Any

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer


class ImportProblem(BaseModel):
    file: str
    sheet: str = Field(description="The table (regions, units, …, boundaries); empty for a file-level problem")
    line: int | None = Field(description="The row as a spreadsheet numbers it (the header is 1); a GeoJSON "
                                         "feature's position")
    column: str | None
    code: str
    message: str


class TableRead(BaseModel):
    sheet: str
    rows: int


class FileRead(BaseModel):
    file: str
    sha256: str
    tables: list[TableRead]


class SheetChanges(BaseModel):
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    open_cases_rerouted: int | None = Field(None, description="units: the open cases the retired units held, "
                                            "routed again under the new catalogue (or, in a dry run, that would be)")

    @model_serializer(mode="wrap")
    def _only_when_counted(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        out: dict[str, Any] = handler(self)
        if out.get("open_cases_rerouted") is None:
            out.pop("open_cases_rerouted", None)
        return out


class WebhookSecret(BaseModel):
    unit_code: str
    secret: str = Field(description="The signing secret of a webhook the import created: shown once")


class ImportReport(BaseModel):
    dry_run: bool
    ok: bool = Field(description="No problem found (a dry run with problems answers 200 and ok=false)")
    version: int | None = Field(description="The catalogue version the import became; None on a dry run")
    files: list[FileRead]
    changes: dict[str, SheetChanges] = Field(description="By sheet: rows new, changed and unchanged (planned, "
                                                         "on a dry run)")
    problems: list[ImportProblem]
    webhook_secrets: list[WebhookSecret] = []


class CatalogueVersionRead(BaseModel):
    version: int | None
    at: str | None
    files: list[str]
    changes: dict[str, SheetChanges]
