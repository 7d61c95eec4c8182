"""A search by words at scale (issue 27): on PostgreSQL the due-ordered page is sought within a window of the due
order (app/cases/search.py) and must answer exactly what the unbounded order answers, page after page; a common
word's total is an estimate, so marked."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, text

from app.cases import search as full_text
from app.cases import search_repository
from tests import factories as f

LIGHT = {"category": "municipal.street_light", "work_order_type": "complaint", "region_code": "440304001020",
         "address": "南园街道红荔路1001号门口", "description": "小区门口的路灯不亮了好几天，晚上黑漆漆的"}
NOISE = {"description": "楼下工地晚上十一点还在打桩，吵得睡不着", "address": "南园社区南园新村"}


def test_the_window_ends_a_few_buckets_past_the_pages_start():
    day = datetime(2026, 1, 1, tzinfo=UTC)
    bounds = [day + timedelta(days=i) for i in range(11)]  # 10 buckets
    assert full_text.window_end([], None) is None  # no statistics yet: unbounded
    assert full_text.window_end(bounds, None) == bounds[full_text.DUE_WINDOW_BUCKETS]
    start = day + timedelta(days=2, hours=5)  # inside the third bucket
    assert full_text.window_end(bounds, start) == bounds[2 + full_text.DUE_WINDOW_BUCKETS]
    assert full_text.window_end(bounds, start.replace(tzinfo=None)) == bounds[2 + full_text.DUE_WINDOW_BUCKETS]
    assert full_text.window_end(bounds, bounds[-2]) is None  # past the histogram's end: unbounded


async def _pages(client, headers: dict[str, str], words: str, limit: int) -> list[tuple[int, str]]:
    """Every page of a search by words in due order: (id, handle_due) each."""
    ids: list[tuple[int, str]] = []
    cursor = None
    while True:
        params = {"q": words, "limit": limit, **({"cursor": cursor} if cursor else {})}
        r = await client.get("/cases", params=params, headers=headers)
        assert r.status_code == 200, r.text
        ids += [(c["id"], c["handle_due"]) for c in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if not cursor:
            return ids


async def test_the_windowed_search_answers_what_the_unbounded_order_answers(client, app, clock, monkeypatch):
    agent = await f.login_as(app, "agent")
    start = clock.now()
    created: list[int] = []
    for i in (7, 2, 11, 0, 5, 9, 3, 13, 1, 8, 12, 4, 10, 6, 14, 15, 17, 16):  # dues out of id order
        clock.set(start + timedelta(days=i, hours=i % 3))
        created.append((await f.case(client, agent, **(NOISE if i % 6 == 5 else LIGHT)))["id"])
    clock.set(start + timedelta(days=18))
    dialect = app.state.engine.dialect.name
    if dialect == "postgresql":
        async with app.state.engine.begin() as conn:
            await conn.execute(text("ANALYZE cases"))
    search_repository._histograms.clear()
    ends: list[datetime | None] = []
    real_end = full_text.window_end

    def spy(bounds: list[datetime], at: datetime | None) -> datetime | None:
        ends.append(real_end(bounds, at))
        return ends[-1]

    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        statements.append(statement)

    monkeypatch.setattr(full_text, "window_end", spy)
    event.listen(app.state.engine.sync_engine, "before_cursor_execute", seen)
    try:
        windowed = await _pages(client, agent, "路灯", limit=2)
    finally:
        event.remove(app.state.engine.sync_engine, "before_cursor_execute", seen)
    monkeypatch.setattr(full_text, "window_end", lambda bounds, at: None)
    unbounded = await _pages(client, agent, "路灯", limit=2)
    assert windowed == unbounded
    light = [c for c, i in zip(created, (7, 2, 11, 0, 5, 9, 3, 13, 1, 8, 12, 4, 10, 6, 14, 15, 17, 16), strict=True)
             if i % 6 != 5]
    assert sorted(c for c, _ in windowed) == sorted(light)  # each matching case once
    assert windowed == sorted(windowed, key=lambda c: (datetime.fromisoformat(c[1]), c[0]))  # due order, then id
    assert [c for c, _ in windowed] != sorted(light)  # (the dues are not in the order the cases came)
    if dialect == "postgresql":
        assert any(e is not None for e in ends)  # the window was taken
        due_pages = [s for s in statements if "search_vector" in s and "ORDER BY cases.handle_due" in s]
        in_window = [s for s in due_pages if "cases.handle_due <=" in s]
        assert in_window and len(due_pages) < 2 * len(in_window)  # and some windows held a whole page
    else:
        assert ends == []  # SQLite: FTS5, no window


async def test_a_common_words_total_is_an_estimate_so_marked(client, app, monkeypatch):
    monkeypatch.setattr(full_text, "COUNT_EXACT_WORDS", 2)
    agent = await f.login_as(app, "agent")
    for _ in range(3):
        await f.case(client, agent, **LIGHT)
    await f.case(client, agent, **NOISE)
    r = await client.get("/cases", params={"q": "路灯", "count": "true", "limit": 1}, headers=agent)
    total = r.json()["total"]
    assert total["exact"] is False and total["value"] >= 3
    r = await client.get("/cases", params={"q": "打桩", "count": "true"}, headers=agent)
    assert r.json()["total"] == {"value": 1, "exact": True}
    r = await client.get("/cases", params={"count": "true"}, headers=agent)  # no words: exact up to 10,000
    assert r.json()["total"] == {"value": 4, "exact": True}
