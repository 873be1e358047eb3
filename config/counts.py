"""Counts that stop at ``COUNT_CAP``: a queue of a million costs what one of a thousand does.

The page header's queues (config.shell) and the review queue's tabs and views (cases.queue) count
their cases here, several counts in ONE statement, and show a capped count as "999+". Nobody
working a queue acts on the difference between 1,000 and 1,000,000 waiting cases; the manager
report (sla) gives the exact figures.
"""

from __future__ import annotations

from django.db import connection

COUNT_CAP = 1000


def counted(querysets: list, *, capped: int) -> list[int]:
    """Every count in ONE statement: the first ``capped`` querysets counted up to ``COUNT_CAP`` rows
    each, the rest in full."""
    parts: list[str] = []
    params: list = []
    for index, queryset in enumerate(querysets):
        rows = queryset.order_by().values("pk")
        sql, query_params = (rows[:COUNT_CAP] if index < capped else rows).query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS q{index})")  # noqa: S608 — the ORM's own SQL
        params.extend(query_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)  # parameters bound
        return [int(value) for value in cursor.fetchone()]


def shown(count: int) -> str:
    """A capped count as people read it: "999+" from ``COUNT_CAP`` on."""
    return f"{COUNT_CAP - 1}+" if count >= COUNT_CAP else str(count)
