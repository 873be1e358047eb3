"""A paginator for lists over the case table that never counts a million rows per page view.

Django's paginator runs an exact COUNT(*) of the filtered list on every page: on the whole case
table that is a full scan. Here an unfiltered list takes PostgreSQL's own row estimate
(``pg_class.reltuples``, kept current by autovacuum), and a filtered one counts exactly up to
``config.counts.COUNT_CAP`` rows — the cap of the queues' tabs and the board's views — and, past
that, takes the planner's estimate for the page links. The page prints ``shown``: the exact count
below the cap and "999+" from it, the same words as the tab or view it lists, never an estimate
dressed as a count (the manager report gives exact figures).

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

from config import counts


class EstimatedCountPaginator(Paginator):
    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count and self.count < counts.COUNT_CAP:
            top = self.count  # an estimate may be short of the rows there are: a page is never cut by one
        return self._get_page(_page_rows(self.object_list, bottom, top), number, self)

    @cached_property
    def count(self) -> int:
        """Exact below ``COUNT_CAP``; from it on, at least ``COUNT_CAP`` (an estimate, for the page links)."""
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return super().count
        cap = counts.COUNT_CAP
        if not queryset.query.where:
            estimate = _table_estimate(queryset)
            if estimate is not None and estimate >= cap:
                return estimate
        exact = queryset.order_by()[:cap].count()
        if exact < cap:
            return exact
        return max(cap, _planner_estimate(queryset))

    @cached_property
    def shown(self) -> str:
        """The count as the page prints it: the words of the tab or view it lists (``config.counts.shown``)."""
        return counts.shown(self.count)


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
