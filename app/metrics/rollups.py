"""The rollups, kept in the transaction of every change, and the recount that checks them.

Every change to a case writes a timeline event through `Ctx.event` (the supervision sweep calls the listeners for
its own), and every event reaches `track`, this package's event listener. `track` only notes the case. Just before
the transaction commits, `settle` reads each noted case's rows as they will be committed, works out what the case
contributes now (`facts.contribution`) and adds the difference from what it contributed before (kept in
`metric_case_facts`) to the daily rows per unit and per street. Nothing is written when nothing changed. The
rollups change in the same transaction as the case; a rolled-back change leaves them as they were.

Why at commit and not in the listener: the listener is called in the middle of a change (and cannot read the
database), and one request may change a case several times or change two cases (a merge). Reading once, after the
last change, gives one difference per case per transaction.

Concurrency: on PostgreSQL the noted cases are locked (the change has locked its case already; taking the lock
again means no path that forgot can race) and their stored contributions are read FOR UPDATE, so two transactions
never apply differences from the same "before". Rollup rows are upserted in one global order (unit rows, then
street rows, each sorted by key), so two commits never wait for each other in a cycle. SQLite has one writer.

`recount` works the figures out again from the raw rows alone, case by case; `compare` lists every rollup cell that
differs from it; `rebuild` replaces the stored contributions and the rollups with the recount (after the tables are
first created on a database that already has cases, or after a restore).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.core.context import Ctx
from app.metrics import facts as f
from app.metrics import repository as q
from app.models import Case

DIRTY = "metrics.dirty"  # session.info: case id -> the event types it got in this transaction
CLOCK = "metrics.clock"  # session.info: (zone, now) of the change
OPENED_CASES = "metrics.opened"  # session.info: case id -> the case object, for cases opened in the transaction
BATCH = 2000
# A case whose only events in the transaction are these was opened in it: nothing of it is stored yet, and its
# rows are the session's own objects (the intake, the hottest write, then reads nothing more).
OPENED = frozenset({"create", "dispatch"})


def track(ctx: Ctx, case: Case, event_type: str, data: dict[str, Any]) -> None:
    """Event listener: notes the case; its figures are settled once, just before the transaction commits."""
    sync = ctx.session.sync_session
    dirty: dict[int, set[str]] | None = sync.info.get(DIRTY)
    if dirty is None:
        dirty = sync.info[DIRTY] = {}
        if not event.contains(sync, "before_commit", _before_commit):
            event.listen(sync, "before_commit", _before_commit)
            event.listen(sync, "after_rollback", _after_rollback)
    sync.info[CLOCK] = (ctx.zone, ctx.now)
    assert case.id is not None
    dirty.setdefault(case.id, set()).add(event_type)
    if event_type == "create":  # held until the commit: the session only keeps a weak reference to it
        sync.info.setdefault(OPENED_CASES, {})[case.id] = case


def _before_commit(session: Session) -> None:
    dirty: dict[int, set[str]] | None = session.info.pop(DIRTY, None)
    zone, now = session.info.pop(CLOCK, (None, None))
    objects: dict[int, Case] = session.info.pop(OPENED_CASES, {})
    if not dirty or zone is None:
        return
    session.flush()  # the sessions do not autoflush: the noted cases' rows as they will be committed
    opened = {}
    for cid, types in dirty.items():
        if cid in objects and types <= OPENED:
            rows = _opened_rows(objects[cid])
            if rows is not None:
                opened[cid] = rows
    settle(session, sorted(dirty), zone, now, opened=opened)


def _after_rollback(session: Session) -> None:
    for key in (DIRTY, CLOCK, OPENED_CASES):
        session.info.pop(key, None)


def _opened_rows(case: Case) -> f.CaseRows | None:
    """A case opened in this transaction, from the session's own objects (None: not all of it is at hand)."""
    state = inspect(case)
    if case.id is None or state.expired_attributes or "assignments" not in state.dict:
        return None
    leads = []
    for a in case.assignments:
        if a.role != "lead":
            continue
        if a.id is None:
            return None
        leads.append(f.LeadRow(a.id, a.unit_id, a.dispatched_at, a.sign_due, a.signed_at, a.finished_at))
    row = f.CaseRow(id=case.id, created_at=case.created_at, region_code=case.region_code,
                    lead_unit_id=case.lead_unit_id, status=case.status, close_reason=case.close_reason,
                    direct_answer=bool(case.direct_answer), handle_due=case.handle_due, replied_at=case.replied_at,
                    extension_days_granted=int(case.extension_days_granted or 0))
    return f.CaseRows(row, tuple(sorted(leads, key=lambda lead: lead.id)))


def settle(session: Session, case_ids: Sequence[int], zone: ZoneInfo, now: datetime,
           opened: dict[int, f.CaseRows] | None = None) -> f.Deltas:
    """Brings the stored contributions of these cases, and the rollups, up to date with the cases' rows. `opened`:
    cases opened in this transaction, with their rows (nothing stored for them yet, and no one else sees them)."""
    opened = opened or {}
    existing = [cid for cid in case_ids if cid not in opened]
    rows: dict[int, f.CaseRows] = dict(opened)
    stored: dict[int, list[Any]] = {}
    if existing:
        q.lock_cases(session, existing)
        rows.update(q.load_rows(session, existing))
        stored = q.stored_facts(session, existing)
    deltas = f.Deltas()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for cid in case_ids:
        after = f.contribution(rows[cid], zone) if cid in rows else {}
        diff = f.difference(f.decode(stored.get(cid)), after)
        if not diff:
            continue
        deltas.add(diff)
        (updates if cid in stored else inserts).append({"case_id": cid, "facts": f.encode(after),
                                                        "computed_at": now})
    q.write_facts(session, inserts, updates)
    cleaned = deltas.cleaned()
    q.add_to_rollups(session, cleaned.units, cleaned.streets)
    return cleaned


# ---------------------------------------------------------------- recount, compare, rebuild


@dataclass
class Recount:
    cases: int = 0
    units: q.UnitRows = field(default_factory=dict)
    streets: q.StreetRows = field(default_factory=dict)


def recount(session: Session, zone: ZoneInfo) -> Recount:
    """The rollups as the raw rows give them now, case by case (the rollups themselves are not read)."""
    out = Recount()
    deltas = f.Deltas(units=out.units, streets=out.streets)
    for ids in q.case_id_batches(session, BATCH):
        rows = q.load_rows(session, id_range=(ids[0], ids[-1]))
        for cid in ids:
            deltas.add(f.contribution(rows[cid], zone))
        out.cases += len(ids)
    return out


@dataclass(frozen=True)
class Difference:
    table: str
    key: tuple[Any, ...]
    counter: str
    stored: int
    recounted: int

    def __str__(self) -> str:
        return f"{self.table} {self.key} {self.counter}: stored {self.stored}, recounted {self.recounted}"


def differences(units: q.UnitRows, streets: q.StreetRows, counted: Recount) -> list[Difference]:
    out: list[Difference] = []
    pairs: tuple[tuple[str, dict[Any, q.Counts], dict[Any, q.Counts]], ...] = (
        ("metric_unit_days", dict(units), dict(counted.units)),
        ("metric_region_days", dict(streets), dict(counted.streets)))
    for table, stored, fresh in pairs:
        for key in sorted(stored.keys() | fresh.keys(), key=str):
            a, b = stored.get(key, {}), fresh.get(key, {})
            for name in f.COUNTERS:
                if a.get(name, 0) != b.get(name, 0):
                    out.append(Difference(table, key, name, a.get(name, 0), b.get(name, 0)))
    return out


def compare(session: Session, zone: ZoneInfo) -> tuple[Recount, list[Difference]]:
    """Every rollup cell (table, key, counter) whose stored value differs from a recount of the raw rows."""
    counted = recount(session, zone)
    units, streets = q.stored_rollups(session)
    return counted, differences(units, streets, counted)


def rebuild(session: Session, zone: ZoneInfo, now: datetime) -> Recount:
    """Replaces the stored contributions and both rollups with a recount. Never commits. On PostgreSQL the three
    tables are locked for the transaction: changes made meanwhile wait, then apply on top of the rebuild."""
    q.clear_all(session)
    out = Recount()
    deltas = f.Deltas(units=out.units, streets=out.streets)
    for ids in q.case_id_batches(session, BATCH):
        rows = q.load_rows(session, id_range=(ids[0], ids[-1]))
        stored = []
        for cid in ids:
            contrib = f.contribution(rows[cid], zone)
            deltas.add(contrib)
            stored.append({"case_id": cid, "facts": f.encode(contrib), "computed_at": now})
        q.write_facts(session, stored, [])
        out.cases += len(ids)
    q.insert_rollups(session, out.units, out.streets)
    return out
