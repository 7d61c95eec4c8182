"""Loads the knowledge base (seed/knowledge.yaml): articles the database lacks are added; articles edited through
the API are the administrators' to keep."""

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.seeds import SeedRun, read_yaml
from app.models import KnowledgeArticle


async def seed(session: AsyncSession, run: SeedRun) -> Mapping[str, int]:
    path = run.seed_dir / "knowledge.yaml"
    if run.upgrade or not path.exists():
        return {}
    existing = set((await session.execute(select(KnowledgeArticle.code))).scalars())
    changed = 0
    for item in read_yaml(path):
        if item["code"] in existing:
            continue
        basis = item.get("policy_basis") or {}
        session.add(KnowledgeArticle(
            code=item["code"], category_code=item["category"], question=item["question"],
            answer=item["answer"].strip(), keywords=[str(k) for k in item.get("keywords") or []],
            policy_title=basis.get("title"), document_number=basis.get("document_number"),
            valid_from=item["valid_from"], valid_to=item.get("valid_to"), note=item.get("note"),
            created_at=run.now, updated_at=run.now))
        changed += 1
    await session.flush()
    return {"knowledge_articles": changed}
