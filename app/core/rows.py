"""New table-row objects without SQLModel's per-field assignment.

`Model(**values)` sets every one of the model's fields through SQLModel's `__setattr__`: an SQLAlchemy attribute
event and a pydantic assignment each (a case's 60 fields cost a quarter of a millisecond, the events and outbox
rows of an intake as much again). Both libraries keep a field's value in the instance's `__dict__`, and the ORM
writes a new row from that dict, so a new row is the instance SQLAlchemy makes for a loaded row, its dict filled
with the values and the model's defaults. Column fields only: a relationship passed here would skip its backref.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache, partial
from typing import Any, TypeVar

from sqlalchemy.orm import class_mapper
from sqlmodel import SQLModel

T = TypeVar("T", bound=SQLModel)
_IMMUTABLE = (type(None), bool, int, float, str, bytes, Decimal, date, datetime, Enum, tuple, frozenset)


@dataclass(frozen=True)
class _Shape:
    fields: frozenset[str]
    defaults: tuple[tuple[str, Any], ...]  # (name, value) of fields with a plain default
    factories: tuple[tuple[str, Callable[[], Any]], ...]  # (name, factory): a default factory, or a copied default
    new_instance: Callable[[], Any]


@cache
def _shape(model: type[SQLModel]) -> _Shape:
    mapper = class_mapper(model)
    columns = {p.key for p in mapper.column_attrs}
    defaults, factories = [], []
    for name, field in model.model_fields.items():
        if name not in columns or field.is_required():  # a required field left out stays unset, as SQLModel has it
            continue
        if field.default_factory is None and isinstance(field.default, _IMMUTABLE):
            defaults.append((name, field.default))
        else:  # pydantic copies a mutable default for each instance
            factories.append((name, partial(field.get_default, call_default_factory=True)))
    return _Shape(fields=frozenset(columns & set(model.model_fields)), defaults=tuple(defaults),
                  factories=tuple(factories), new_instance=mapper.class_manager.new_instance)


def new_row(model: type[T], **values: Any) -> T:
    """What `model(**values)` makes, for a table model and its column fields: a transient row to add or insert."""
    shape = _shape(model)
    unknown = values.keys() - shape.fields
    if unknown:
        raise TypeError(f"{model.__name__} has no column field {', '.join(sorted(unknown))}")
    row = shape.new_instance()  # SQLModel's __new__ readies pydantic's own attributes
    fields = row.__dict__
    fields.update(shape.defaults)
    for name, factory in shape.factories:
        if name not in values:
            fields[name] = factory()
    fields.update(values)
    object.__setattr__(row, "__pydantic_fields_set__", set(values))
    return row
