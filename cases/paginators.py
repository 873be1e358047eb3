"""A paginator for lists over the case table that never counts a million rows per page view.

Django's paginator runs an exact COUNT(*) of the filtered list on every page: on the whole case
table that is a full scan. Here an unfiltered list takes PostgreSQL's own row estimate
(``pg_class.reltuples``, kept current by autovacuum), and a filtered one counts exactly up to
``EXACT_UP_TO`` rows and, past that, takes the planner's estimate — the page links stay usable and
nobody needs the exact total of a list of tens of thousands.
"""

import json

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

EXACT_UP_TO = 10_000


class EstimatedCountPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not hasattr(queryset, "query") or connections[queryset.db].vendor != "postgresql":
            return super().count
        if not queryset.query.where:
            estimate = _table_estimate(queryset)
            if estimate is not None and estimate > EXACT_UP_TO:
                return estimate
        exact = queryset.order_by()[: EXACT_UP_TO + 1].count()
        if exact <= EXACT_UP_TO:
            return exact
        return max(exact, _planner_estimate(queryset))


def _table_estimate(queryset) -> int | None:
    with connections[queryset.db].cursor() as cursor:
        table = queryset.model._meta.db_table
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
        row = cursor.fetchone()
    # -1 (or 0) until the table has been analysed once: then count properly.
    return row[0] if row and row[0] > 0 else None


def _planner_estimate(queryset) -> int:
    sql, params = queryset.order_by().query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])
