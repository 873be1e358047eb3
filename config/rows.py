"""Model instances from a hand-written statement's columns, for the few hot statements the ORM would
compile anew on every request (the API token's, the intake lookup's): ``columns`` writes a model's
concrete columns into the SELECT, ``instance`` builds the model from them, as the ORM's own loading
does (``Model.from_db``)."""

from typing import Any

from django.db import connection, models


def columns(model: type[models.Model], alias: str) -> str:
    """The model's concrete columns, qualified by ``alias``, in field order."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(str(field.column))}" for field in model._meta.concrete_fields)


def width(model: type[models.Model]) -> int:
    return len(model._meta.concrete_fields)


def instance(model: type[models.Model], values) -> Any:
    """The model from its concrete columns as ``columns`` selected them; None for a row a LEFT JOIN
    did not find (no primary key)."""
    if values[0] is None:
        return None
    fields = model._meta.concrete_fields
    values = tuple(
        field.from_db_value(value, None, connection) if hasattr(field, "from_db_value") else value
        for field, value in zip(fields, values, strict=True)
    )
    return model.from_db(connection.alias, [field.attname for field in fields], values)


def split(row, *models_: type[models.Model]) -> list:
    """Instances of ``models_`` from one row whose columns are theirs, in that order (``columns``);
    any columns after theirs are left to the caller."""
    found, start = [], 0
    for model in models_:
        found.append(instance(model, row[start : start + width(model)]))
        start += width(model)
    return found
