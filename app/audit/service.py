"""Reading the audit trail: who may, what they see, and the record their own read leaves. Never commits."""

from datetime import datetime
from typing import Any

from app.audit import names, repository
from app.audit.schemas import AuditActor, AuditRecordRead, AuditTarget, AuditUnit
from app.core import audit
from app.core.context import Ctx
from app.core.errors import AppError
from app.core.pagination import Total
from app.core.roles import Role
from app.models import AuditLog

READERS = frozenset({Role.auditor, Role.admin})


def check_reader(ctx: Ctx) -> None:
    """Auditors and administrators read the trail; nobody else (unit staff, agents, dispatchers, residents)."""
    if ctx.principal.role not in READERS:
        raise AppError("forbidden", 403)


def _actor(row: AuditLog, found: repository.Labels, english: bool) -> AuditActor | None:
    if row.actor_user_id is None:
        return None
    account = found.accounts.get(row.actor_user_id)
    role = row.actor_role or (account.role if account else None)
    name = row.actor_name or (account.name if account else None)
    unit = AuditUnit(id=row.actor_unit_id, name=found.units.get(row.actor_unit_id)) \
        if row.actor_unit_id is not None else None
    return AuditActor(id=row.actor_user_id, name=names.person_name(name, role), role=role,
                      role_label=names.role_label(role, english), unit=unit)


def _person(found: repository.Labels, person_id: int | None) -> tuple[str | None, int | None]:
    if person_id is None:
        return None, None
    return names.mask_name(found.people.get(person_id)), person_id


def _target(row: AuditLog, found: repository.Labels, english: bool) -> AuditTarget | None:
    if row.target_type is None:
        return None
    kind, raw = row.target_type, row.target_id
    key = int(raw) if raw is not None and raw.isdigit() and len(raw) < 19 else None
    label: str | None = None
    person_id: int | None = None
    if key is None:
        pass
    elif kind == "person":
        label, person_id = names.mask_name(found.people.get(key)), key
    elif kind == "volunteer":
        label, person_id = _person(found, found.volunteers.get(key))
    elif kind == "timebank_account":
        holder = found.timebank.get(key)
        label, person_id = _person(found, holder)
        if holder is None and key in found.timebank:
            label = "Community pool" if english else "社区公共账户"
    elif kind == "case" and key in found.cases:
        number, case_kind, requester = found.cases[key]
        label = f"{number} ({case_kind})"
        person_id = found.person_of_account.get(requester) if requester is not None else None
    elif kind == "user" and key in found.accounts:
        account = found.accounts[key]
        label = f"{names.person_name(account.name, account.role)} ({names.role_label(account.role, english)})"
        person_id = found.person_of_account.get(key)
    return AuditTarget(type=kind, id=raw, label=label, person_id=person_id)


def present(rows: list[AuditLog], found: repository.Labels, english: bool) -> list[AuditRecordRead]:
    out = []
    for row in rows:
        assert row.id is not None
        detail = names.scrub(row.detail or {})
        reason = detail.get("reason") if isinstance(detail.get("reason"), str) else None
        out.append(AuditRecordRead(id=row.id, at=row.at, action=row.action, result=row.result,
                                   actor=_actor(row, found, english), target=_target(row, found, english),
                                   reason=reason, ip=row.ip, detail=detail))
    return out


async def page(ctx: Ctx, f: repository.AuditFilter, *, used: dict[str, Any], cursor: tuple[datetime, int] | None,
               limit: int, english: bool, count: bool = False,
               ) -> tuple[list[AuditRecordRead], tuple[datetime, int] | None, Total | None]:
    """One page of the records the filter selects, with how many match when asked; the read itself is recorded
    (after the count, so that it never counts itself), with the filters used."""
    check_reader(ctx)
    rows, next_key = await repository.search(ctx.session, f, cursor=cursor, limit=limit)
    items = present(rows, await repository.labels(ctx.session, rows), english)
    total = None
    if count:
        value, exact = await repository.count(ctx.session, f)
        total = Total(value=value, exact=exact)
    audit.record(ctx.session, at=ctx.now, action="audit.read", actor_user_id=ctx.principal.user_id,
                 detail={"filters": used, "next_page": cursor is not None, "records": len(items)})
    return items, next_key, total


def start_export(ctx: Ctx, *, used: dict[str, Any]) -> None:
    """A bulk read of the trail: recorded, with its filters, before the first row is sent."""
    check_reader(ctx)
    audit.record(ctx.session, at=ctx.now, action="audit.export", actor_user_id=ctx.principal.user_id,
                 detail={"filters": used})
