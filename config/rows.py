"""The few hot statements written out by hand (the API token's, the intake lookup's, a submission's
new rows), which the ORM would compile anew on every request: ``columns`` writes a model's concrete
columns into the SELECT, ``instance`` builds the model from them as the ORM's own loading does
(``Model.from_db``), ``insert_rows`` writes new instances as ``bulk_create`` would, and
``prepared_cursor`` has PostgreSQL plan such a statement once per connection."""

import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import signals
from django.db.models.expressions import DatabaseDefault


def columns(model: type[models.Model], alias: str) -> str:
    """The model's concrete columns, qualified by ``alias``, in field order."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(str(field.column))}" for field in model._meta.concrete_fields)


def width(model: type[models.Model]) -> int:
    return len(model._meta.concrete_fields)


def _db():
    """The default connection itself: ``django.db.connection`` is a proxy that looks it up on every
    attribute read, and these helpers read it for every field."""
    return connections[DEFAULT_DB_ALIAS]


def _loaded(field, value, db):
    """A column's value as the ORM loads it (a JSON column arrives as text)."""
    for converter in field.get_db_converters(db):
        value = converter(value, None, db)
    return value


@functools.cache
def _loading(model: type[models.Model]) -> tuple[list[str], tuple[tuple[int, Any], ...]]:
    """The model's column names, and which of its columns need converting when loaded."""
    fields = model._meta.concrete_fields
    converted = tuple((i, field) for i, field in enumerate(fields) if field.get_db_converters(_db()))
    return [field.attname for field in fields], converted


def instance(model: type[models.Model], values) -> Any:
    """The model from its concrete columns as ``columns`` selected them; None for a row a LEFT JOIN
    did not find (no primary key)."""
    if values[0] is None:
        return None
    names, converted = _loading(model)
    if len(values) != len(names):
        raise ValueError(f"{model.__name__}: {len(values)} columns for {len(names)} fields")
    if converted:
        db, values = _db(), list(values)
        for i, field in converted:
            values[i] = _loaded(field, values[i], db)
    return model.from_db(DEFAULT_DB_ALIAS, names, values)


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


class _PreparedDebugWrapper(CursorDebugWrapper):
    """The query log (tests, DEBUG) shows a prepared statement with its values in place, as it shows
    the others; Django reads the text back from client-side binding, which this cursor does not use."""

    def execute(self, sql, params=None):
        with self.debug_sql(self.db.ops.compose_sql(sql, params), params):
            return CursorWrapper.execute(self, sql, params)


@contextmanager
def prepared_cursor() -> Iterator[Any]:
    """A cursor for the hand-written hot statements, wrapped as Django wraps its own (errors mapped
    to ``django.db`` exceptions, the query log and the execute wrappers: metrics, statement counts).
    Only for statements whose text is fixed: each distinct text is kept prepared in the connection
    (psycopg keeps the last 100)."""
    db = _db()
    db.close_if_health_check_failed()
    db.ensure_connection()
    cursor_class: Any = _PreparedCursor  # a psycopg cursor; the stubs know Django's wrapper only
    with db.wrap_database_errors:
        raw = cursor_class(db.connection)
    db.validate_thread_sharing()
    cursor = _PreparedDebugWrapper(raw, db) if db.queries_logged else db.make_cursor(raw)
    try:
        yield cursor
    finally:
        cursor.close()


@functools.cache
def _insert_fields(model: type[models.Model]) -> tuple:
    meta = model._meta
    return tuple(f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated)


@functools.cache
def _insert_sql(model: type[models.Model], defaults: tuple[tuple[bool, ...], ...]) -> str:
    """The INSERT of ``len(defaults)`` rows; ``defaults`` marks, row by row, the fields left to their
    database default (written DEFAULT, as the ORM writes them)."""
    meta = model._meta
    quote = connection.ops.quote_name
    names = ", ".join(quote(str(f.column)) for f in _insert_fields(model))
    values = ", ".join(f"({', '.join('DEFAULT' if d else '%s' for d in row)})" for row in defaults)
    returning = ", ".join(quote(str(f.column)) for f in meta.db_returning_fields)
    # The model's own table and column names; every value is a parameter.
    return f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES {values} RETURNING {returning}"  # noqa: S608


def insert_rows(objs: Sequence[models.Model]) -> None:
    """INSERT new instances of one model in one prepared statement, as ``bulk_create`` (or, for one,
    ``save()``) would write them, and give them their primary keys and database defaults: the same
    values (each field's ``pre_save`` and ``get_db_prep_save``), without compiling the statement on
    every call. Left to the ORM when the model has save signals' receivers or a value is an
    expression other than the database default."""
    model = type(objs[0])
    db = _db()
    fields = _insert_fields(model)
    values: list = []
    defaults: list[tuple[bool, ...]] = []
    plain = not (signals.pre_save.has_listeners(model) or signals.post_save.has_listeners(model))
    for obj in objs:
        if not plain or obj.pk is not None:
            plain = False
            break
        # Django's own step before an insert, as save() and bulk_create() take it (not in the stubs).
        obj._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
        row = []
        for field in fields:
            value = field.pre_save(obj, add=True)
            if isinstance(value, DatabaseDefault):
                row.append(True)
                continue
            if hasattr(value, "resolve_expression"):
                plain = False
                break
            row.append(False)
            values.append(field.get_db_prep_save(value, db))
        defaults.append(tuple(row))
    if not plain:
        model._default_manager.bulk_create(objs) if len(objs) > 1 else objs[0].save(force_insert=True)
        return
    with prepared_cursor() as cursor:
        cursor.execute(_insert_sql(model, tuple(defaults)), values)
        returned = cursor.fetchall()
    returning = model._meta.db_returning_fields
    for obj, got in zip(objs, returned, strict=True):
        for field, value in zip(returning, got, strict=True):
            setattr(obj, field.attname, _loaded(field, value, db))
        obj._state.adding = False
        obj._state.db = db.alias
