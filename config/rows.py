"""The few hot statements written out by hand (the API token's, the intake lookup's), which the ORM
would compile anew on every request: ``columns`` writes a model's concrete columns into the SELECT,
``instance`` builds the model from them as the ORM's own loading does (``Model.from_db``), and
``prepared_cursor`` has PostgreSQL plan such a statement once per connection."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, models
from django.db.backends.postgresql.base import ServerBindingCursor


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


class _PreparedCursor(ServerBindingCursor):
    """Server-side binding, every statement prepared: planned on its first execution in a connection
    and reused after (a joined lookup's planning cost three times its execution)."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


@contextmanager
def prepared_cursor() -> Iterator[Any]:
    """A cursor for the hand-written hot statements, wrapped as Django wraps its own (errors mapped
    to ``django.db`` exceptions, the query log and the execute wrappers: metrics, statement counts).
    Only for statements whose text is fixed: each distinct text is kept prepared in the connection
    (psycopg keeps the last 100)."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    cursor_class: Any = _PreparedCursor  # a psycopg cursor; the stubs know Django's wrapper only
    with connection.wrap_database_errors:
        raw = cursor_class(connection.connection)
    connection.validate_thread_sharing()
    cursor = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    try:
        yield cursor
    finally:
        cursor.close()
