"""What runs when the request's transaction ends (app/core/db.py `_finish`): `after_commit` hooks after a commit
only, `after_rollback` hooks after a rollback or a commit that failed; and the reference cache, kept long, follows
an administrator's change the moment it commits."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import insert

from app.core.db import _finish, after_commit, after_rollback, table_of
from app.models import IdempotencyKey
from tests import factories as f


def _request(session) -> SimpleNamespace:
    return SimpleNamespace(state=SimpleNamespace(db=session))


@pytest.mark.parametrize("commit", [True, False])
async def test_commit_hooks_after_a_commit_rollback_hooks_after_a_rollback(app, commit):
    ran: list[str] = []
    session = app.state.sessionmaker()
    after_commit(session, "c", lambda: ran.append("committed"))
    after_rollback(session, "r", lambda: ran.append("rolled back"))
    await _finish(_request(session), commit=commit)
    assert ran == (["committed"] if commit else ["rolled back"])


async def test_a_commit_that_fails_runs_the_rollback_hooks_only(app):
    user_id = await f.user(app, "agent")
    keys = table_of(IdempotencyKey)
    values = {"user_id": user_id, "key": "hooks-dup", "method": "POST", "path": "/x", "request_hash": "h",
              "state": "in_flight"}
    at = datetime(2026, 12, 7, tzinfo=UTC)
    async with app.state.sessionmaker() as s:
        await s.execute(insert(keys).values(**values, created_at=at, expires_at=at))
        await s.commit()
    ran: list[str] = []
    session = app.state.sessionmaker()
    session.add(IdempotencyKey(**values, created_at=at, expires_at=at))  # the same (user, key): refused at commit
    after_commit(session, "c", lambda: ran.append("committed"))
    after_rollback(session, "r", lambda: ran.append("rolled back"))
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        await _finish(_request(session), commit=True)
    assert ran == ["rolled back"]


async def test_a_knowledge_change_is_searched_at_once_with_the_cache_kept_long(client, app):
    app.state.cache.ttl = 3600.0  # as served: the index is kept, not read again on every request
    admin, agent = await f.login_as(app, "admin"), await f.login_as(app, "agent")
    words = {"q": "电梯年检合格证过期"}

    async def found() -> set[str]:
        hits = (await client.get("/knowledge/search", params=words, headers=agent)).json()["items"]
        return {h["article"]["code"] for h in hits}

    assert "kb-test-lift-certificate" not in await found()  # the index is loaded and kept
    article = {"code": "kb-test-lift-certificate", "category": "env.noise", "question": "电梯年检合格证过期了找谁？",
               "answer": "电梯使用单位应当在定期检验合格有效期届满前一个月申请检验。",
               "keywords": ["电梯", "年检", "合格证"], "valid_from": "2024-01-01"}
    created = await client.post("/knowledge/articles", json=article, headers=admin)
    assert created.status_code == 201, created.text
    assert article["code"] in await found()
    changed = await client.patch(f"/knowledge/articles/{article['code']}", json={"valid_to": "2024-06-30"},
                                 headers={**admin, "If-Match": created.headers["ETag"]})
    assert changed.status_code == 200, changed.text
    assert article["code"] not in await found()
