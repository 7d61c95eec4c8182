"""`Direct`'s plans: a statement whose every value is the caller's, under its own name, takes them as given (no
filling in); one that carries values of its own, or names a parameter differently, fills them in. Both give the
driver the same arguments SQLAlchemy's own `construct_params` would, on both dialects."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, insert, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from app.core.db import table_of
from app.core.direct import Direct
from app.models import Case, CaseEvent

EVENTS = table_of(CaseEvent)
AT = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
DIALECTS = [sqlite.dialect(), postgresql.asyncpg.dialect()]  # type: ignore[attr-defined]


def _slow(direct: Direct, dialect, params: dict) -> tuple:
    plan = direct._plan(dialect, frozenset(params))  # noqa: SLF001
    values = plan.compiled.construct_params(dict(params))
    return tuple(v if f is None else f(v) for f, v in zip(plan.convert, (values[n] for n in plan.names),
                                                          strict=True))


CASES = [
    ("a select of the caller's key", Direct(select(Case.id).where(Case.id == bindparam("case_id"))),
     {"case_id": 7}, True),
    ("an insert of the caller's columns", Direct(insert(EVENTS)),
     {"case_id": 7, "at": AT, "type": "note", "actor_role": "agent", "data": {"说": "话"}}, True),
    ("a value the statement carries", Direct(select(literal("merged").label("why"), Case.id)
                                             .where(Case.merged_into_id == bindparam("case_id"))),
     {"case_id": 7}, False),
    ("a status fixed in the statement", Direct(select(Case.id).where(Case.status == bindparam("s", value="closed"),
                                                                     Case.id == bindparam("case_id"))),
     {"case_id": 7}, False),
    ("an insert's value given in the statement", Direct(insert(EVENTS).values(type="fixed")),
     {"case_id": 7, "at": AT, "actor_role": "agent", "data": {}}, False),
]


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: f"{d.name}_compiler")  # compiled only: no database
@pytest.mark.parametrize(("title", "direct", "params", "passthrough"), CASES, ids=[c[0] for c in CASES])
def test_the_arguments_are_the_ones_sqlalchemy_would_build(dialect, title, direct, params, passthrough):
    plan = direct._plan(dialect, frozenset(params))  # noqa: SLF001
    assert plan.passthrough is passthrough, title
    assert direct._args(plan, params) == _slow(direct, dialect, params)  # noqa: SLF001
