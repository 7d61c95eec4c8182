"""CSV export of the cases a filter selects, streamed in keyset batches (phones masked)."""

import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from app.cases import search_repository
from app.cases.views import overdue
from app.core.security import mask_phone
from app.core.state import AppState
from app.routing import repository as routing_repo
from app.units import repository as units_repo

BATCH = 500
COLUMNS = ("number", "kind", "channel", "status", "category_code", "category_name", "work_order_type", "urgency",
           "region_code", "lead_unit_code", "lead_unit_name", "caller_phone", "created_at", "dispatched_at",
           "sign_due", "signed_at", "handle_due", "replied_at", "closed_at", "close_reason", "overdue",
           "merged_into_id", "redo_count", "chased_at", "supervised_at")


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    return "" if value is None else value


def _line(values: list[Any]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow([_cell(v) for v in values])
    return out.getvalue()


async def stream(state: AppState, scope: search_repository.Scope, f: search_repository.CaseFilter,
                 now: datetime) -> AsyncIterator[str]:
    # A byte-order mark so spreadsheet programs read the Chinese as UTF-8.
    yield "\ufeff" + _line(list(COLUMNS))
    cursor = None
    while True:
        async with state.sessionmaker() as session:
            rows, cursor = await search_repository.search(session, scope, f, now=now, sort="created", cursor=cursor,
                                                   limit=BATCH)
            names = await routing_repo.category_names(session, {r.category_code for r in rows})
            units = await units_repo.get_many(session, {r.lead_unit_id for r in rows if r.lead_unit_id})
        chunk = []
        for c in rows:
            unit = units.get(c.lead_unit_id) if c.lead_unit_id is not None else None
            chunk.append(_line([
                c.number, c.kind, c.channel, c.status, c.category_code, names.get(c.category_code, ""),
                c.work_order_type, c.urgency, c.region_code, unit.code if unit else None, unit.name if unit else None,
                mask_phone(c.caller_phone), c.created_at, c.dispatched_at, c.sign_due, c.signed_at, c.handle_due,
                c.replied_at, c.closed_at, c.close_reason, overdue(c, now), c.merged_into_id, c.redo_count,
                c.chased_at, c.supervised_at,
            ]))
        if chunk:
            yield "".join(chunk)
        if cursor is None:
            return
