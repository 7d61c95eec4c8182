"""Loads the care policies (seed/care_policies.yaml) and the volunteer skill taxonomy (seed/volunteer_skills.yaml).

Care policies follow the seed like deadline profiles, on every serve too; skills the database lacks are added.
"""

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.care_policy.policy import CarePolicy as CarePolicySpec
from app.core.seeds import SeedRun, read_yaml
from app.models import CarePolicy, VolunteerSkill


async def seed(session: AsyncSession, run: SeedRun) -> Mapping[str, int]:
    existing = {p.code: p for p in (await session.execute(select(CarePolicy))).scalars()}
    changed = 0
    for item in read_yaml(run.seed_dir / "care_policies.yaml"):
        CarePolicySpec.parse(item["code"], item["spec"])  # a broken policy fails the seed, not a request
        row = existing.get(item["code"])
        if row is None:
            session.add(CarePolicy(code=item["code"], name=item["name"], spec=item["spec"], source=item.get("source")))
            changed += 1
        elif row.spec != item["spec"] or row.name != item["name"]:
            row.spec, row.name, row.source = item["spec"], item["name"], item.get("source")
            changed += 1
    skills = set((await session.execute(select(VolunteerSkill.code))).scalars())
    for item in read_yaml(run.seed_dir / "volunteer_skills.yaml"):
        if item["code"] not in skills:
            session.add(VolunteerSkill(code=item["code"], name=item["name"], name_en=item["name_en"],
                                       service_types=list(item.get("service_types") or []),
                                       adults_only=bool(item.get("adults_only"))))
            changed += 1
    await session.flush()
    return {"care": changed}
