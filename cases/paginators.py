"""A paginator for lists over the case table that never counts a million rows per page view.

Django's paginator runs an exact COUNT(*) of the filtered list on every page: on the whole case
table that is a full scan. Here an unfiltered list takes PostgreSQL's own row estimate
(``pg_class.reltuples``, kept current by autovacuum), and a filtered one counts exactly up to
``EXACT_UP_TO`` rows and, past that, takes the planner's estimate — the page links stay usable and
nobody needs the exact total of a list of tens of thousands.

A page past the first is read in two steps inside one query: the page's primary keys, found by
OFFSET over the filtered and ordered case rows alone (an index scan, no joins), then the page's
rows with their related objects for those keys only. Django's plain slice joins every skipped row
to its service, person, enrollment… before discarding it: page 50 of 100 joined 5,000 rows to show
100.
"""

import json

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

EXACT_UP_TO = 10_000


class EstimatedCountPaginator(Paginator):
    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(_page_rows(self.object_list, bottom, top), number, self)

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return super().count
        if not queryset.query.where:
            estimate = _table_estimate(queryset)
            if estimate is not None and estimate > EXACT_UP_TO:
                return estimate
        exact = queryset.order_by()[: EXACT_UP_TO + 1].count()
        if exact <= EXACT_UP_TO:
            return exact
        return max(exact, _planner_estimate(queryset))


def _page_rows(object_list, bottom: int, top: int):
    """Rows ``bottom``..``top`` of the list: a plain slice for the first page (LIMIT stops the
    joins early) and for what cannot be keyed by primary key; otherwise the keys first."""
    query = getattr(object_list, "query", None)
    if (
        bottom == 0
        or query is None
        or query.distinct
        or query.group_by is not None
        or query.combinator
        or query.is_sliced
        or not (query.order_by or query.get_meta().ordering)
    ):
        return object_list[bottom:top]
    keys = object_list.values("pk")[bottom:top]
    # The order_by of the list still sorts the page's own rows; the page keeps them in that order.
    return object_list.filter(pk__in=keys)


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
