"""Every query of residence registration."""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.housing.rules import COUNTED, Stage
from app.models import Case, Person
from app.models.housing import HousingRegistration, HousingResident


async def registration_of(session: AsyncSession, case_id: int) -> HousingRegistration:
    """The tenancy a housing case registers (written with the case, so it is always there)."""
    q = select(HousingRegistration).where(col(HousingRegistration.case_id) == case_id)
    return (await session.execute(q)).scalar_one()


async def residents_of(session: AsyncSession, registration_id: int) -> list[HousingResident]:
    q = (select(HousingResident).where(col(HousingResident.registration_id) == registration_id)
         .order_by(col(HousingResident.seq)))
    return list((await session.execute(q)).scalars())


async def people_by_hash(session: AsyncSession, hashes: Iterable[str]) -> dict[str, Person]:
    """The register's entries for these numbers' keyed hashes (the number is never searched in clear)."""
    wanted = set(hashes)
    if not wanted:
        return {}
    q = select(Person).where(col(Person.id_hash).in_(wanted))
    return {p.id_hash: p for p in (await session.execute(q)).scalars()}


async def counted(session: AsyncSession, hashes: Iterable[str]) -> list[tuple[str, HousingRegistration, str]]:
    """(id hash, registration, stage) of every registration of these people that counts as registered
    residence (verified, whether it still runs, ended early or lapsed)."""
    wanted = set(hashes)
    if not wanted:
        return []
    q = (select(col(HousingResident.id_hash), HousingRegistration, col(Case.stage))
         .join(HousingRegistration, col(HousingRegistration.id) == col(HousingResident.registration_id))
         .join(Case, col(Case.id) == col(HousingRegistration.case_id))
         .where(col(HousingResident.id_hash).in_(wanted), col(Case.stage).in_(COUNTED))
         .order_by(col(HousingRegistration.counted_from), col(HousingRegistration.id)))
    return [(h, reg, stage or "") for h, reg, stage in (await session.execute(q)).all()]


async def lock_due_reminders(session: AsyncSession, now: datetime, after_id: int,
                             limit: int) -> list[tuple[HousingRegistration, Case]]:
    """Registered tenancies whose reminder has fallen due and was not sent, with their cases, locked for this
    transaction (on PostgreSQL rows another worker holds are skipped, so workers share the sweep)."""
    q = (select(HousingRegistration, Case)
         .join(Case, col(Case.id) == col(HousingRegistration.case_id))
         .where(col(HousingRegistration.id) > after_id, col(HousingRegistration.remind_at) <= now,
                col(HousingRegistration.reminded_at).is_(None), col(Case.stage) == Stage.registered)
         .order_by(col(HousingRegistration.id)).limit(limit)
         .execution_options(populate_existing=True))
    if session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True, of=[HousingRegistration, Case])
    return [(reg, case) for reg, case in (await session.execute(q)).all()]
