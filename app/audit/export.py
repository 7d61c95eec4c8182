"""The audit trail as CSV, streamed in keyset batches: UTF-8 with a byte-order mark so that spreadsheet programs
read the Chinese, one row per record, newest first, with the same masking as the JSON list."""

import csv
import io
import json
from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

from app.audit import repository, service
from app.audit.schemas import AuditRecordRead
from app.core.state import AppState

BATCH = 500
# (Chinese header, English header) per column.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("编号", "id"), ("时间（{zone}）", "time ({zone})"), ("操作", "action"), ("结果", "result"),
    ("操作人ID", "actor id"), ("操作人", "actor"), ("角色", "role"), ("所属单位", "unit"),
    ("对象类型", "target type"), ("对象ID", "target id"), ("对象", "target"), ("涉及人员ID", "person id"),
    ("事由", "reason"), ("IP 地址", "IP address"), ("详情", "detail"),
)
# A cell a spreadsheet would run as a formula (CSV injection) starts with one of these: it is quoted as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _line(values: list[Any]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow([_cell(v) for v in values])
    return out.getvalue()


def header(zone: ZoneInfo, english: bool) -> str:
    return "\ufeff" + _line([(en if english else zh).format(zone=zone.key) for zh, en in COLUMNS])


def row(record: AuditRecordRead, zone: ZoneInfo) -> str:
    actor, target = record.actor, record.target
    return _line([
        record.id, record.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"), record.action, record.result,
        actor.id if actor else None, actor.name if actor else None, actor.role_label if actor else None,
        actor.unit.name if actor and actor.unit else None, target.type if target else None,
        target.id if target else None, target.label if target else None, target.person_id if target else None,
        record.reason, record.ip,
        json.dumps(record.detail, ensure_ascii=False, sort_keys=True) if record.detail else None,
    ])


async def stream(state: AppState, f: repository.AuditFilter, english: bool) -> AsyncIterator[str]:
    zone = ZoneInfo(state.settings.timezone)
    yield header(zone, english)
    cursor = None
    while True:
        async with state.sessionmaker() as session:
            rows, cursor = await repository.search(session, f, cursor=cursor, limit=BATCH)
            found = await repository.labels(session, rows)
        chunk = "".join(row(r, zone) for r in service.present(rows, found, english))
        if chunk:
            yield chunk
        if cursor is None:
            return
