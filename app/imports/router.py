"""HTTP for imports (multipart upload, `?dry_run=true`) and exports of a city's reference data (administrators)."""

import secrets
from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, File, Path, Query, Request, UploadFile
from fastapi.responses import Response

from app.core.auth import AdminUser, SessionDep
from app.core.context import Ctx as Context
from app.core.context import CtxDep
from app.core.db import UnitOfWorkRoute
from app.core.errors import AppError, NotFound, message, wants_english
from app.imports import history, repository, service
from app.imports.schemas import CatalogueVersionRead, ImportProblem, ImportReport
from app.imports.sheets import ORDER

router = APIRouter(prefix="/admin", tags=["imports"], route_class=UnitOfWorkRoute)

MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "geojson": "application/geo+json"}


def report(outcome: service.Outcome, english: bool) -> ImportReport:
    return ImportReport(
        dry_run=outcome.dry_run, ok=outcome.ok, version=outcome.version, files=outcome.files,
        changes=outcome.changes, webhook_secrets=outcome.secrets,
        problems=[ImportProblem(file=p.file, sheet=p.sheet, line=p.line, column=p.column, code=p.code,
                                message=message(p.code, english, **p.params)) for p in outcome.problems])


@router.post("/imports", response_model=ImportReport, summary="Import reference data: CSV, Excel, GeoJSON",
             description="One or more files (`files`): CSV files named after their table (`units.csv`, "
                         "`places_shanghai.csv`) or recognised by their header, workbooks with one sheet per "
                         "table, GeoJSON FeatureCollections of community boundaries. Tables: "
                         + ", ".join(ORDER) + ". With `dry_run=true` every row's problems are reported and "
                         "nothing is written. Otherwise a batch without problems is written in one transaction, "
                         "with an audit record and a new catalogue version; a batch with any problem is a 422 "
                         "`import_rejected` listing them (`problems`), and nothing is written. Rows update the "
                         "stored row with the same key and never delete: retire a row with `active` = 0. Open "
                         "cases keep their routing; new routing uses the new catalogue (every process within "
                         "CSC_ROUTING_CACHE_SECONDS). The open cases of a unit retired, or moved to another "
                         "jurisdiction or kind, that the new catalogue no longer gives it are routed again in the "
                         "same transaction (`units.open_cases_rerouted` counts them; the dry run too); when no unit "
                         "could take them the import is refused (`import_unit_cases_stranded`, or "
                         "`import_unit_move_strands_cases` for a move, per unit). Webhooks the import creates "
                         "answer their signing secret once, in `webhook_secrets`.")
async def import_files(ctx: CtxDep, admin: AdminUser, request: Request,
                       files: Annotated[list[UploadFile], File(description="CSV, .xlsx or GeoJSON files")],
                       dry_run: Annotated[bool, Query(description="Check only; write nothing")] = False,
                       ) -> ImportReport:
    data = [(f.filename or "upload", await f.read()) for f in files]
    state = ctx.state
    outcome = await service.run(ctx.session, data, dry_run=dry_run, now=ctx.now, actor=admin.user_id,
                                profile_sections=state.plugins.profile_sections, seed_dir=state.settings.seed_dir,
                                secrets_for=lambda: secrets.token_urlsafe(32),
                                on_commit=lambda: state.cache.invalidate(),
                                units_changed=lambda kinds, dry: _units_changed(ctx, kinds, dry),
                                reload=lambda: state.cache.invalidate(publish=False))
    return _answer(outcome, dry_run, wants_english(request))


async def _units_changed(ctx: Context, kinds_before: Mapping[int, str], dry_run: bool
                         ) -> dict[int, tuple[int, int]]:
    """Every package that keeps work on units (the spine) moves the open cases the retired or moved units can no
    longer hold; summed by unit."""
    out: dict[int, tuple[int, int]] = {}
    for listener in ctx.state.plugins.units_changed_listeners:
        for unit_id, (moved, stranded) in (await listener(ctx, kinds_before, dry_run)).items():
            before = out.get(unit_id, (0, 0))
            out[unit_id] = (before[0] + moved, before[1] + stranded)
    return out


@router.post("/imports/classifier-history", response_model=ImportReport,
             summary="Import a city's labelled history for the classifier: CSV or Excel of text and category",
             description="Columns `text` (诉求内容) and `category` (分类编码: the case's final category, a leaf "
                         "category of the catalogue). CSV in UTF-8 or GBK, or .xlsx. With `dry_run=true` every "
                         "row's problems are reported and nothing is written; otherwise a batch without problems "
                         "is written in one transaction with an audit record, and a batch with any problem is a "
                         "422 `import_rejected`. A text already stored takes the new category. Nothing is "
                         "trained here: queue a version with `POST /admin/classifier/models`.")
async def import_history(ctx: CtxDep, admin: AdminUser, request: Request,
                         files: Annotated[list[UploadFile], File(description="CSV or .xlsx files")],
                         dry_run: Annotated[bool, Query(description="Check only; write nothing")] = False,
                         ) -> ImportReport:
    data = [(f.filename or "upload", await f.read()) for f in files]
    outcome = await history.run(ctx.session, data, dry_run=dry_run, now=ctx.now, actor=admin.user_id)
    return _answer(outcome, dry_run, wants_english(request))


def _answer(outcome: service.Outcome, dry_run: bool, english: bool) -> ImportReport:
    shown = report(outcome, english)
    if outcome.problems and not dry_run:
        raise AppError("import_rejected", 422, count=len(outcome.problems),
                       extra={"problems": [p.model_dump() for p in shown.problems],
                              "files": [f.model_dump() for f in shown.files]})
    return shown


@router.get("/imports/version", response_model=CatalogueVersionRead, summary="The catalogue version in force")
async def version(session: SessionDep, _: AdminUser) -> CatalogueVersionRead:
    latest = await repository.latest_version(session)
    if latest is None:
        return CatalogueVersionRead(version=None, at=None, files=[], changes={})
    return CatalogueVersionRead(version=latest.id, at=latest.at.isoformat(),
                                files=[f["file"] for f in latest.files], changes=latest.changes)


@router.get("/exports/{name}.{fmt}", summary="Export reference data as CSV, Excel or GeoJSON",
            description="`{table}.csv` or `{table}.xlsx` for one table; `catalogue.xlsx` for every table in one "
                        "workbook; `boundaries.geojson` for the community boundaries. The files are the import's "
                        "formats: exporting, importing and exporting again gives the same bytes.",
            responses={200: {"content": {v: {} for v in MEDIA.values()}}})
async def export(session: SessionDep, _: AdminUser,
                 name: Annotated[str, Path(pattern=r"^[a-z_]+$")],
                 fmt: Annotated[str, Path(pattern=r"^(csv|xlsx|geojson)$")],
                 sheets: Annotated[str | None, Query(description="catalogue.xlsx: comma-separated tables")] = None,
                 ) -> Response:
    tables = [t for t in ORDER if t != "boundaries"]
    if name == "boundaries" and fmt == "geojson":
        chosen = ["boundaries"]
    elif name == "catalogue" and fmt == "xlsx":
        chosen = [t.strip() for t in sheets.split(",")] if sheets else tables
        if not chosen or any(t not in tables for t in chosen):
            raise AppError("import_sheet_not_exportable", 422, name=sheets,
                           field_errors=[{"field": "sheets", "code": "import_sheet_not_exportable"}])
    elif name in tables and fmt in ("csv", "xlsx") and sheets is None:
        chosen = [name]
    else:
        raise NotFound("import_sheet_not_exportable", name=f"{name}.{fmt}")
    body = await service.export(session, chosen, fmt)
    return Response(body, media_type=MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})
