"""`new_row` makes what `Model(**values)` makes, for every table model (the intake's rows are built with it)."""

from datetime import datetime

import pytest
from sqlalchemy import inspect
from sqlmodel import SQLModel

import app.models  # noqa: F401 (every table model registered)
from app.core.rows import new_row
from app.models import Case, CaseEvent, Notification

TABLE_MODELS = sorted((m.class_ for m in SQLModel._sa_registry.mappers), key=lambda c: c.__name__)


def _fields(row: SQLModel) -> dict:
    return {k: v for k, v in row.__dict__.items() if k != "_sa_instance_state"}


def _same(a: object, b: object) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime):  # a default factory's "now", read twice
        return abs((a - b).total_seconds()) < 5
    return a == b


@pytest.mark.parametrize("model", TABLE_MODELS, ids=lambda m: m.__name__)
def test_every_table_model_gets_the_same_defaults(model: type[SQLModel]) -> None:
    fast, slow = _fields(new_row(model)), _fields(model())
    assert fast.keys() == slow.keys()
    assert [k for k in slow if not _same(fast[k], slow[k])] == []


def test_given_values_win_and_are_the_fields_set() -> None:
    values = {"case_id": 7, "at": datetime(2026, 12, 7, 8, 0), "type": "create", "data": {"channel": "hotline"}}
    fast, slow = new_row(CaseEvent, **values), CaseEvent(**values)
    assert _fields(fast) == _fields(slow)
    assert fast.__pydantic_fields_set__ == slow.__pydantic_fields_set__ == set(values)
    assert inspect(fast).transient


def test_a_mutable_default_is_never_shared() -> None:
    one, two = new_row(CaseEvent, case_id=1), new_row(CaseEvent, case_id=2)
    one.data["x"] = 1
    assert two.data == {}
    assert new_row(Case).payload == {} and new_row(Case).payload is not new_row(Case).payload


def test_a_name_that_is_no_column_field_is_refused() -> None:
    with pytest.raises(TypeError, match="no column field colour"):
        new_row(CaseEvent, colour="red")
    with pytest.raises(TypeError, match="deliveries"):  # a relationship: its backref would be skipped
        new_row(Notification, deliveries=[])
