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

from django.core.paginator import EmptyPage, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

from config import counts


class EstimatedCountPaginator(Paginator):
    """Past the cap the page count is an estimate's, which may fall short of the rows there are or
    run past them: then any page may be asked for, each page reads one row more than it shows to
    know whether another follows, and what it found corrects the page count — the list is walked
    to its real end, never cut short and never padded with empty pages; no link names a last page
    only the estimate knows."""

    def validate_number(self, number):
        try:
            return super().validate_number(number)
        except EmptyPage:
            # Django parsed it (a whole number): past an estimated page count the page itself decides.
            if self.exact or int(number) < 1:
                raise
            return int(number)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if self.exact:
            if top + self.orphans >= self.count:
                top = self.count
            return self._get_page(_page_rows(self.object_list, bottom, top), number, self)
        rows = list(_page_rows(self.object_list, bottom, top + 1))
        more, rows = len(rows) > self.per_page, rows[: self.per_page]
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        if more:
            self.__dict__["num_pages"] = max(self.num_pages, number + 1)
        else:  # the list ends on this page: its count and page count are known now
            self.__dict__["num_pages"] = number
            self.__dict__["count"] = bottom + len(rows)
            self.__dict__.pop("shown", None)
        return self._get_page(rows, number, self)

    def get_page(self, number):
        try:
            return super().get_page(number)
        except EmptyPage:  # a page past the real end of a list whose page count was an estimate
            return self.page(1)

    def get_elided_page_range(self, number=1, *, on_each_side=3, on_ends=2):
        if self.exact:
            yield from super().get_elided_page_range(number, on_each_side=on_each_side, on_ends=on_ends)
            return
        number = self.validate_number(number)
        last = min(self.num_pages, number + on_each_side)
        if number > on_each_side + on_ends + 2:
            yield from range(1, on_ends + 1)
            yield self.ELLIPSIS
            yield from range(number - on_each_side, last + 1)
        else:
            yield from range(1, last + 1)
        if last < self.num_pages:
            yield self.ELLIPSIS

    @cached_property
    def exact(self) -> bool:
        """``count`` is the list's own (below the cap), not an estimate."""
        return self.count < counts.COUNT_CAP

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
