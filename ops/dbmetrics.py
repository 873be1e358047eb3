"""Database statement counts and durations, on django-prometheus's own metrics
(``django_db_execute_total``, ``django_db_query_duration_seconds``, ``django_db_errors_total``,
``django_db_new_connections_total``), through Django's execute wrappers instead of a wrapped
database backend: the DATABASES setting stays as it is."""

from django.db.backends.signals import connection_created
from django_prometheus.db import (
    connections_total,
    errors_total,
    execute_many_total,
    execute_total,
    query_duration_seconds,
)
from django_prometheus.db.common import ExceptionCounterByType


def _statements(params, many: bool) -> int:
    if not many:
        return 1
    try:
        return len(params)
    except TypeError:  # an iterator of parameter sets
        return 1


def observe(execute, sql, params, many, context):
    connection = context["connection"]
    labels = {"alias": connection.alias, "vendor": connection.vendor}
    count = _statements(params, many)
    execute_total.labels(**labels).inc(count)
    if many:
        execute_many_total.labels(**labels).inc(count)
    with query_duration_seconds.labels(**labels).time(), ExceptionCounterByType(errors_total, extra_labels=labels):
        return execute(sql, params, many, context)


def _instrument(sender, connection, **kwargs) -> None:
    connections_total.labels(connection.alias, connection.vendor).inc()
    # First in the list: a caller's ``with connection.execute_wrapper(...)`` pops the last one.
    if observe not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, observe)


def dbmetrics_connect() -> None:
    connection_created.connect(_instrument, dispatch_uid="ops-dbmetrics")
