"""The manager report's figures, every one computed by the database from the received cases.

The cohort is the cases *received* (submitted) in the period, narrowed by the filters; "open at
risk" and "open past deadline" are those cases' state today. Working days are counted in SQL from
the ``WorkdayRank`` table (working days in (a, b] = rank(b) - rank(a)); the review is counted to
``Case.reviewed_at``, the moment of the review decision.

The whole report is one statement (``_report_sql``): the filtered cases are read once
(from the ``case_received_idx`` covering index), each case's working days looked up in the rank
table, and ``GROUPING SETS`` give the summary, the per-provider, per-service and per-period counts
and, per group, how many cases took each number of working days; medians and the 90th percentile
are interpolated from those counts exactly as PERCENTILE_CONT does (``percentile_cont_counts``).
"""

import zoneinfo
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Case as CaseWhen
from django.db.models import DateField, QuerySet, When
from django.db.models.functions import TruncDate, TruncMonth, TruncWeek

from cases.models import Case, CaseState
from cases.states import CLOCK_RUNNING
from entitlements.models import Service
from providers.models import Provider
from sla.aggregates import percentile_cont_counts
from workdays.calendar import CalendarNotCovered, add_workdays

S = CaseState
SHANGHAI = zoneinfo.ZoneInfo(settings.TIME_ZONE)
UNASSIGNED = "（未派单）"


@dataclass(frozen=True)
class ReportDay:
    """Today and the end of the "at risk" window (the next working day), fixed once per report."""

    today: date
    horizon: date | None

    @classmethod
    def of(cls, today: date) -> "ReportDay":
        try:
            return cls(today, add_workdays(today, 1))
        except CalendarNotCovered:
            return cls(today, None)


def _days() -> dict:
    """The days the figures count from, as Shanghai calendar days."""
    return {
        "submitted_on": TruncDate("submitted_at", tzinfo=SHANGHAI),
        "arranged_on": CaseWhen(
            When(sla_started_on__isnull=False, then=TruncDate("sla_stopped_at", tzinfo=SHANGHAI)), default=None
        ),
        "decided_on": TruncDate("reviewed_at", tzinfo=SHANGHAI),
    }


def _received(queryset: QuerySet | None) -> QuerySet:
    queryset = Case.objects.all() if queryset is None else queryset
    return queryset.filter(submitted_at__isnull=False)


def _period(grain: str):
    trunc = TruncWeek if grain == "week" else TruncMonth
    return trunc("submitted_at", tzinfo=SHANGHAI, output_field=DateField())


# --- one statement ------------------------------------------------------------------------------

# The working-day ranks as two arrays indexed by day (1 = the first day of the table): rank and
# run_start, 0 for a day the table does not hold. A subscript is far cheaper per case than a join.
_RANKS_SQL = """
SELECT MIN(bounds.first_day) AS first_day,
       ARRAY_AGG(COALESCE(w.rank, 0) ORDER BY n) AS rank_of,
       ARRAY_AGG(COALESCE(w.run_start, 0) ORDER BY n) AS run_of
  FROM (SELECT MIN(day) AS first_day, MAX(day) AS last_day FROM sla_workdayrank) AS bounds
 CROSS JOIN generate_series(0, bounds.last_day - bounds.first_day) AS n
  LEFT JOIN sla_workdayrank AS w ON w.day = bounds.first_day + n
"""
# Working days in (a, b] less the paused ones; NULL when the calendar cannot say (a day outside the
# table, or the two days in different runs of covered years).
_WORKDAYS_SQL = """CASE WHEN NULLIF(r.run_of[c.{a} - r.first_day + 1], 0) = r.run_of[c.{b} - r.first_day + 1]
                   THEN r.rank_of[c.{b} - r.first_day + 1] - r.rank_of[c.{a} - r.first_day + 1] - c.{paused} END"""
# The filtered cases are read once (their days computed once: OFFSET 0 keeps PostgreSQL from
# repeating the expressions wherever they are used). They are first counted by provider × service ×
# period × working days, then GROUPING SETS give every table's counts and, per group, how many cases
# took each number of working days, from which the medians are interpolated (``percentile_cont``).
_REPORT_SQL = """
WITH fine AS (
    SELECT provider_id, service_id, city, period, arrange_days, review_days,
           COUNT(*) AS received,
           COUNT(*) FILTER (WHERE arranged_on IS NOT NULL) AS arranged,
           COUNT(*) FILTER (WHERE arranged_on <= sla_deadline_due) AS on_time,
           COUNT(*) FILTER (WHERE arranged_on > sla_deadline_due AND sla_exempt_at IS NOT NULL) AS exempt_late,
           COUNT(*) FILTER (WHERE arranged_on > sla_deadline_due) AS arranged_late,
           COUNT(*) FILTER (WHERE running AND sla_deadline_due < %s) AS open_late,
           COUNT(*) FILTER (WHERE running AND sla_deadline_due BETWEEN %s AND %s) AS at_risk,
           COUNT(*) FILTER (WHERE decided_on IS NOT NULL) AS reviewed,
           COUNT(*) FILTER (WHERE decided_on <= review_due) AS review_on_time
      FROM (
            SELECT c.*,
                   DATE_TRUNC('{grain}', c.submitted_on::timestamp)::date AS period,
                   c.state = ANY(%s) AND c.sla_stopped_at IS NULL AS running,
                   {arrange_days} AS arrange_days,
                   {review_days} AS review_days
              FROM ({cases} OFFSET 0) AS c
             CROSS JOIN ({ranks}) AS r
            OFFSET 0
           ) AS c
     GROUP BY provider_id, service_id, city, period, arrange_days, review_days
)
"""
_TAIL_SQL = """
SELECT g.*, provider.name AS provider_name, service.name AS service_name
  FROM (
        SELECT GROUPING(provider_id) = 0 AS by_provider,
               GROUPING(service_id) = 0 AS by_service,
               GROUPING(city) = 0 AS by_city,
               GROUPING(period) = 0 AS by_period,
               GROUPING(arrange_days) = 0 AS by_arrange_days,
               GROUPING(review_days) = 0 AS by_review_days,
               provider_id, service_id, city, period, arrange_days, review_days,
               {sums}
          FROM fine
         GROUP BY GROUPING SETS (
               (), (provider_id), (service_id), (city), (period),
               (arrange_days), (provider_id, arrange_days), (service_id, arrange_days), (city, arrange_days),
               (period, arrange_days),
               (review_days), (provider_id, review_days), (service_id, review_days), (city, review_days),
               (period, review_days)
         )
       ) AS g
  LEFT JOIN {providers} AS provider ON provider.id = g.provider_id
  LEFT JOIN {services} AS service ON service.id = g.service_id
 ORDER BY g.received DESC, provider_name, service_name, g.city, g.period
"""
# The same counts from the aggregates (sla.report_aggregates): cells and not yet compacted deltas
# of the days received in the period; the two figures that depend on the report's day from their open
# cases' counts by deadline (``open``, ``open_due``). A fine row whose counts net to zero (a case that
# moved to another provider, say) is dropped, as the direct statement never sees it.
_AGGREGATE_SQL = """
WITH fine AS (
    SELECT provider_id, service_id, city, period, arrange_days, review_days,
           {fine_sums}
      FROM (
            SELECT provider_id, service_id, city, DATE_TRUNC('{grain}', day::timestamp)::date AS period,
                   arrange_days, review_days, received, arranged, on_time, exempt_late, arranged_late,
                   CASE WHEN open_due < %s THEN open ELSE 0 END AS open_late,
                   CASE WHEN open_due BETWEEN %s AND %s THEN open ELSE 0 END AS at_risk,
                   reviewed, review_on_time
              FROM sla_reportcell WHERE {where}
            UNION ALL
            SELECT provider_id, service_id, city, DATE_TRUNC('{grain}', day::timestamp)::date AS period,
                   arrange_days, review_days, received, arranged, on_time, exempt_late, arranged_late,
                   CASE WHEN open_due < %s THEN open ELSE 0 END AS open_late,
                   CASE WHEN open_due BETWEEN %s AND %s THEN open ELSE 0 END AS at_risk,
                   reviewed, review_on_time
              FROM sla_reportdelta WHERE {where}
           ) AS u
     GROUP BY provider_id, service_id, city, period, arrange_days, review_days
    HAVING {nonzero}
)
"""
_COUNTS = (
    "received",
    "arranged",
    "on_time",
    "exempt_late",
    "arranged_late",
    "open_late",
    "at_risk",
    "reviewed",
    "review_on_time",
)
_FIGURES = (*_COUNTS, "arrange_median", "arrange_p90", "review_median")


def _report_sql(queryset: QuerySet, *, day: ReportDay, grain: str) -> tuple[str, list]:
    cases = (
        _received(queryset)
        .annotate(**_days())
        .order_by()
        .values(
            "state",
            "provider_id",
            "service_id",
            "city",
            "submitted_on",
            "arranged_on",
            "decided_on",
            "sla_started_on",
            "sla_stopped_at",
            "sla_deadline_due",
            "sla_paused_days",
            "sla_exempt_at",
            "review_due",
            "review_paused_days",
        )
    )
    cases_sql, cases_params = cases.query.sql_with_params()
    sql = (_REPORT_SQL + _TAIL_SQL).format(
        grain="week" if grain == "week" else "month",
        arrange_days=_WORKDAYS_SQL.format(a="sla_started_on", b="arranged_on", paused="sla_paused_days"),
        review_days=_WORKDAYS_SQL.format(a="submitted_on", b="decided_on", paused="review_paused_days"),
        cases=cases_sql,
        ranks=_RANKS_SQL,
        sums=", ".join(f"COALESCE(SUM({name}), 0)::int AS {name}" for name in _COUNTS),
        providers=Provider._meta.db_table,
        services=Service._meta.db_table,
    )
    # No horizon (the calendar does not cover the next working day): nothing is "at risk".
    horizon = day.horizon if day.horizon is not None else date.min
    # Positional parameters, in the order their placeholders appear in the statement.
    return sql, [day.today, day.today, horizon, list(CLOCK_RUNNING), *cases_params]


def _aggregate_sql(filters: dict, *, day: ReportDay, grain: str) -> tuple[str, list]:
    """The report's statement over the aggregates' cells, for the period and filters in ``filters``
    (the report form's cleaned data)."""
    where, where_params = ["TRUE"], []
    if filters.get("date_from"):
        where.append("day >= %s")
        where_params.append(filters["date_from"])
    if filters.get("date_to"):
        where.append("day <= %s")
        where_params.append(filters["date_to"])
    for name in ("provider", "service"):
        if filters.get(name) is not None:
            where.append(f"{name}_id = %s")
            where_params.append(filters[name].pk)
    if filters.get("city"):
        where.append("city = %s")
        where_params.append(filters["city"])
    sql = (_AGGREGATE_SQL + _TAIL_SQL).format(
        grain="week" if grain == "week" else "month",
        where=" AND ".join(where),
        fine_sums=", ".join(f"SUM({name}) AS {name}" for name in _COUNTS),
        nonzero=" OR ".join(f"SUM({name}) <> 0" for name in _COUNTS),
        sums=", ".join(f"COALESCE(SUM({name}), 0)::int AS {name}" for name in _COUNTS),
        providers=Provider._meta.db_table,
        services=Service._meta.db_table,
    )
    horizon = day.horizon if day.horizon is not None else date.min
    days = [day.today, day.today, horizon]
    return sql, [*days, *where_params, *days, *where_params]


# A report over a period with no filter but the dates, from the period margins, in one statement
# that reads each source once. The period is covered, without overlap, by the months wholly inside
# it, then the whole weeks inside what is left of each month, then single days (``PeriodCover``):
# the summary and the provider, service and city tables sum the monthly, weekly and daily margins;
# the trend sums its whole periods' margins (for a monthly trend also the edge weeks') and the daily
# margins of its other days. The deltas not compacted yet are added for the whole period (``fine``,
# read once), and the open cases (the two figures that depend on the report's day) are read once and
# counted per dimension and per period. Nothing here reads the cells: at ten million cases an edge
# day holds several thousand of them, and a year has up to a dozen edge days.
# The margins of the period's cover (PeriodCover: whole months, whole weeks, single days), for the
# tables; and of the trend's (its whole periods of its own grain, then weeks and days).
_DIMS_COVER = """((grain = 'm' AND period >= %s AND period < %s) OR (grain = 'w' AND period = ANY(%s::date[]))
                 OR (grain = 'd' AND period = ANY(%s::date[])))"""
_TREND_COVER = """((grain = %s AND period >= %s AND period < %s) OR (grain = 'w' AND period = ANY(%s::date[]))
                  OR (grain = 'd' AND period = ANY(%s::date[])))"""
_MARGIN_REPORT_SQL = """
WITH fine AS MATERIALIZED (
    SELECT day, provider_id, service_id, city, arrange_days, review_days, open_due, {counts}, open
      FROM sla_reportdelta WHERE day >= %s AND day <= %s
), open_cases AS (
    SELECT by_period, period, dim, value,
           COALESCE(SUM(open) FILTER (WHERE due < %s), 0) AS open_late,
           COALESCE(SUM(open) FILTER (WHERE due BETWEEN %s AND %s), 0) AS at_risk
      FROM (
            SELECT FALSE AS by_period, NULL::date AS period, dim, value, due, open
              FROM sla_reportmargin
             WHERE measure = 'o'
               AND {dims_cover}
            UNION ALL
            SELECT TRUE, DATE_TRUNC('{grain}', period::timestamp)::date, dim, value, due, open
              FROM sla_reportmargin
             WHERE dim = 't' AND measure = 'o'
               AND {trend_cover}
            UNION ALL
            SELECT GROUPING(period) = 0, period, {dim_value} open_due, SUM(open)
              FROM (SELECT DATE_TRUNC('{grain}', day::timestamp)::date AS period, f.* FROM fine AS f
                     WHERE open_due IS NOT NULL) AS f
             GROUP BY GROUPING SETS ((open_due), (provider_id, open_due), (service_id, open_due), (city, open_due),
                                     (period, open_due))
           ) AS o
     GROUP BY by_period, period, dim, value
), dims AS (
    SELECT dim, value, measure, days, {counts}, 0 AS open_late, 0 AS at_risk
      FROM sla_reportmargin
     WHERE measure <> 'o'
       AND {dims_cover}
    UNION ALL
    SELECT {dim_value} {measure_days} {sums}, 0, 0
      FROM fine
     GROUP BY GROUPING SETS ({dim_sets})
    HAVING {measured}
    UNION ALL
    SELECT dim, value, 'n', NULL::int, {no_counts}, open_late, at_risk FROM open_cases WHERE NOT by_period
), trend AS (
    SELECT DATE_TRUNC('{grain}', period::timestamp)::date AS period, measure, days, {counts},
           0 AS open_late, 0 AS at_risk
      FROM sla_reportmargin
     WHERE dim = 't' AND measure <> 'o'
       AND {trend_cover}
    UNION ALL
    SELECT period, {measure_days} {sums}, 0, 0
      FROM (SELECT DATE_TRUNC('{grain}', day::timestamp)::date AS period, f.* FROM fine AS f) AS f
     GROUP BY GROUPING SETS ((period), (period, arrange_days), (period, review_days))
    HAVING {measured}
    UNION ALL
    SELECT period, 'n', NULL::int, {no_counts}, open_late, at_risk FROM open_cases WHERE by_period
)
SELECT g.*, provider.name AS provider_name, service.name AS service_name
  FROM (
        SELECT dim = 'p' AS by_provider, dim = 's' AS by_service, dim = 'c' AS by_city, FALSE AS by_period,
               measure = 'a' AS by_arrange_days, measure = 'r' AS by_review_days,
               CASE WHEN dim = 'p' THEN NULLIF(value, '')::int END AS provider_id,
               CASE WHEN dim = 's' THEN value::int END AS service_id,
               CASE WHEN dim = 'c' THEN value END AS city, NULL::date AS period,
               CASE WHEN measure = 'a' THEN days END AS arrange_days,
               CASE WHEN measure = 'r' THEN days END AS review_days,
               {report_sums}
          FROM dims
         GROUP BY dim, value, measure, days
        HAVING {nonzero}
        UNION ALL
        SELECT FALSE, FALSE, FALSE, TRUE, measure = 'a', measure = 'r', NULL, NULL, NULL, period,
               CASE WHEN measure = 'a' THEN days END, CASE WHEN measure = 'r' THEN days END,
               {report_sums}
          FROM trend
         GROUP BY period, measure, days
        HAVING {nonzero}
       ) AS g
  LEFT JOIN {providers} AS provider ON provider.id = g.provider_id
  LEFT JOIN {services} AS service ON service.id = g.service_id
 ORDER BY g.received DESC, provider_name, service_name, g.city, g.period
"""
_MEASURE_DAYS = """CASE WHEN GROUPING(arrange_days) = 0 THEN 'a' WHEN GROUPING(review_days) = 0 THEN 'r' ELSE 'n' END,
           CASE WHEN GROUPING(arrange_days) = 0 THEN arrange_days
                WHEN GROUPING(review_days) = 0 THEN review_days END,"""
_MEASURED = (
    "(GROUPING(arrange_days) = 1 OR arrange_days IS NOT NULL)"
    " AND (GROUPING(review_days) = 1 OR review_days IS NOT NULL)"
)
_DIM_SETS = (
    "(), (provider_id), (service_id), (city), "
    "(arrange_days), (provider_id, arrange_days), (service_id, arrange_days), (city, arrange_days), "
    "(review_days), (provider_id, review_days), (service_id, review_days), (city, review_days)"
)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _whole_periods(start: date, end: date, grain: str) -> tuple[date, date]:
    """[first, stop): the weeks (Monday) or months wholly inside [start, end]; first >= stop when none."""
    after = end + timedelta(days=1)
    if grain == "week":
        first = start + timedelta(days=(7 - start.weekday()) % 7)
        stop = after - timedelta(days=after.weekday())
    else:
        first = start if start.day == 1 else _next_month(start)
        stop = after.replace(day=1)
    if first >= stop:  # none: every day of the period is an edge day
        return after, after
    return first, stop


def _days_between(first: date, stop: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((stop - first).days)]


@dataclass(frozen=True)
class PeriodCover:
    """[start, end] without overlap: the whole months [month_first, month_stop) (none when first >=
    stop), the Mondays of the whole weeks inside what is left of each month, and the single days left."""

    month_first: date
    month_stop: date
    weeks: list[date]
    days: list[date]

    @classmethod
    def of(cls, start: date, end: date) -> "PeriodCover":
        after = end + timedelta(days=1)
        month_first, month_stop = _whole_periods(start, end, "month")
        pieces = [(start, month_first), (month_stop, after)] if month_first < month_stop else [(start, after)]
        weeks: list[date] = []
        days: list[date] = []
        for first, stop in pieces:
            while first < stop:  # one month's part at a time: a week never straddles two months
                part_stop = min(stop, _next_month(first))
                monday = first + timedelta(days=(7 - first.weekday()) % 7)
                if monday + timedelta(days=7) > part_stop:
                    days += _days_between(first, part_stop)
                else:
                    days += _days_between(first, monday)
                    while monday + timedelta(days=7) <= part_stop:
                        weeks.append(monday)
                        monday += timedelta(days=7)
                    days += _days_between(monday, part_stop)
                first = part_stop
        return cls(month_first, month_stop, weeks, days)


_CELL_COUNTS = ("received", "arranged", "on_time", "exempt_late", "arranged_late", "reviewed", "review_on_time")
# The report's counts in the order ``_MARGIN_REPORT_SQL``'s unions give them.
_MARGIN_ORDER = (*_CELL_COUNTS, "open_late", "at_risk")


def _margin_report_sql(filters: dict, *, day: ReportDay, grain: str) -> tuple[str, list]:
    from sla.report_aggregates import _DIM_VALUE

    grain = "week" if grain == "week" else "month"
    start, end = filters["date_from"], filters["date_to"]
    cover = PeriodCover.of(start, end)
    if grain == "week":
        trend_first, trend_stop = _whole_periods(start, end, "week")
        trend_weeks: list[date] = []
        covered = set(_days_between(trend_first, trend_stop))
        trend_days = [d for d in _days_between(start, end + timedelta(days=1)) if d not in covered]
    else:
        trend_first, trend_stop, trend_weeks, trend_days = cover.month_first, cover.month_stop, cover.weeks, cover.days
    horizon = day.horizon if day.horizon is not None else date.min
    sql = _MARGIN_REPORT_SQL.format(
        grain=grain,
        counts=", ".join(_CELL_COUNTS),
        no_counts=", ".join("0" for _ in _CELL_COUNTS),
        sums=", ".join(f"SUM({name})" for name in _CELL_COUNTS),
        dim_value=_DIM_VALUE,
        measure_days=_MEASURE_DAYS,
        measured=_MEASURED,
        dims_cover=_DIMS_COVER,
        trend_cover=_TREND_COVER,
        dim_sets=_DIM_SETS,
        nonzero=" OR ".join(f"SUM({name}) <> 0" for name in _MARGIN_ORDER),
        report_sums=", ".join(f"COALESCE(SUM({name}), 0)::int AS {name}" for name in _COUNTS),
        providers=Provider._meta.db_table,
        services=Service._meta.db_table,
    )
    dims_cover = [cover.month_first, cover.month_stop, cover.weeks, cover.days]
    trend_cover = [grain[0], trend_first, trend_stop, trend_weeks, trend_days]
    params = [start, end, day.today, day.today, horizon, *dims_cover, *trend_cover, *dims_cover, *trend_cover]
    return sql, params


def margins_possible(filters: dict | None) -> bool:
    """The period margins can give this report: both dates and no other filter."""
    if not filters or not (filters.get("date_from") and filters.get("date_to")):
        return False
    return not any(filters.get(name) for name in ("provider", "service", "series", "city"))


def margins_serve(filters: dict | None) -> bool:
    """The margins serve this report best whenever they can: with the daily margins they read fewer
    rows than the cells for any period, a single day included (a month at ten million cases: 39 ms
    against 733 ms from the cells)."""
    return margins_possible(filters)


def _report_rows_pg(
    queryset: QuerySet, *, day: ReportDay, grain: str, filters: dict | None = None, path: str = "direct"
) -> list[dict]:
    """Every row of the report from one statement: over the filtered cases' SQL, or over the
    aggregates when ``filters`` is given."""
    if filters is None or path == "direct":
        sql, params = _report_sql(queryset, day=day, grain=grain)
    elif path == "margins":
        sql, params = _margin_report_sql(filters, day=day, grain=grain)
    else:
        sql, params = _aggregate_sql(filters, day=day, grain=grain)
    with transaction.atomic(using=queryset.db), connections[queryset.db].cursor() as cursor:
        # For this statement only: no JIT compilation (it costs more than it saves on a report that
        # reads a few hundred thousand index entries), room to count in memory, and parallel workers
        # for the direct statement, which reads every case received in the period (the connection's
        # default is none, config.settings); the aggregates' statements read a few thousand rows,
        # where workers would cost more to start than they save.
        workers = "2" if filters is None or path == "direct" else "0"
        cursor.execute(
            "SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true),"
            " set_config('max_parallel_workers_per_gather', %s, true)",
            [workers],
        )
        cursor.execute(sql, params)
        columns = [column.name for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


# (table, the row's flag, the column holding its key), in the order the flags are tested.
_DIMENSIONS = (
    ("provider", "by_provider", "provider_id"),
    ("service", "by_service", "service_id"),
    ("city", "by_city", "city"),
    ("period", "by_period", "period"),
)


def _report_pg(
    queryset: QuerySet, *, day: ReportDay, grain: str, filters: dict | None = None, path: str = "direct"
) -> dict:
    tables: dict[str, dict[Any, dict[str, Any]]] = {
        name: {} for name in ("summary", "provider", "service", "city", "period")
    }
    # (table, key, "arrange_days"/"review_days") -> {days: cases}
    histograms: defaultdict[tuple[str, Any, str], Counter[float]] = defaultdict(Counter)
    for row in _report_rows_pg(queryset, day=day, grain=grain, filters=filters, path=path):
        table, key = "summary", None
        for dimension, flag, column in _DIMENSIONS:
            if row[flag]:
                table, key = dimension, row[column]
        measure = "arrange_days" if row["by_arrange_days"] else "review_days" if row["by_review_days"] else None
        if measure is None:
            tables[table][key] = {name: row[name] for name in _COUNTS} | _labels(table, key, row)
        elif row[measure] is not None:
            histograms[table, key, measure][row[measure]] += row["received"]
    for table, rows in tables.items():
        for key, row in rows.items():
            arrange, review = histograms[table, key, "arrange_days"], histograms[table, key, "review_days"]
            row["arrange_median"] = percentile_cont_counts(arrange, 0.5)
            row["arrange_p90"] = percentile_cont_counts(arrange, 0.9)
            row["review_median"] = percentile_cont_counts(review, 0.5)
            _finish(row)
    return {
        "summary": tables["summary"][None],
        "providers": list(tables["provider"].values()),
        "services": list(tables["service"].values()),
        "cities": list(tables["city"].values()),
        "trend": sorted(tables["period"].values(), key=lambda row: row["period"]),
    }


def _labels(table: str, key, row: dict) -> dict:
    if table == "provider":
        return {"provider_id": key, "key": key, "label": row["provider_name"] or UNASSIGNED}
    if table == "service":
        return {"service_id": key, "key": key, "label": row["service_name"]}
    if table == "city":
        return {"city": key, "key": key, "label": key or "（未填城市）"}
    if table == "period":
        return {"period": key}
    return {}


def _finish(row: dict) -> dict:
    """Ratios and totals from the aggregated counts."""
    row["breaches"] = row["arranged_late"] + row["open_late"]
    row["on_time_pct"] = _pct(row["on_time"], row["arranged"])
    # "医院内特殊情况除外": the same rate with the exempted late arrangements counted as on time.
    row["on_time_exempt"] = row["on_time"] + row["exempt_late"]
    row["on_time_exempt_pct"] = _pct(row["on_time_exempt"], row["arranged"])
    row["review_on_time_pct"] = _pct(row["review_on_time"], row["reviewed"])
    for key in ("arrange_median", "arrange_p90", "review_median"):
        row[key] = None if row[key] is None else round(row[key], 1)
    return row


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class ManagerReport:
    day: ReportDay
    grain: str
    summary: dict
    providers: list[dict]
    services: list[dict]
    cities: list[dict]
    trend: list[dict]
    source: str = "direct"


def aggregates_serve(filters: dict | None) -> bool:
    """The aggregates can give this report: built from today's rank table, and no filter they do
    not hold (the edition series)."""
    from sla.report_aggregates import aggregates_usable

    return filters is not None and not filters.get("series") and aggregates_usable()


def manager_report(
    queryset: QuerySet, *, today: date, grain: str = "week", filters: dict | None = None, source: str = "auto"
) -> ManagerReport:
    """Every figure of the manager report for the filtered cases, from one statement.

    ``filters`` (the report form's cleaned data, the same filters as ``queryset``) lets it read the
    aggregates when they serve (``source="auto"``): the period margins for a long period with no
    filter but the dates, the cells otherwise. ``source`` "direct" always counts the cases;
    "aggregates" reads the aggregates whatever their state; "cells" and "margins" pick the table."""
    day = ReportDay.of(today)
    if filters is not None and source != "direct" and (source != "auto" or aggregates_serve(filters)):
        if source == "margins" and not margins_possible(filters):
            raise ValueError("the period margins need both dates and no other filter")
        path = source if source in ("cells", "margins") else ("margins" if margins_serve(filters) else "cells")
        rows = _report_pg(queryset, day=day, grain=grain, filters=filters, path=path)
        return ManagerReport(day=day, grain=grain, source=path, **rows)
    return ManagerReport(day=day, grain=grain, **_report_pg(queryset, day=day, grain=grain))


_CASE_DAYS_SQL = """
SELECT c.id, {arrange_days} AS arrange_days
  FROM ({cases}) AS c
 CROSS JOIN ({ranks}) AS r
"""


def report_case_working_days(queryset: QuerySet | None = None) -> dict[int, int | None]:
    """Each received case's arrangement working days as the report counts them (the same SQL
    expression as ``_report_sql``'s ``arrange_days``): the figure behind its medians and breaches,
    case by case, so a test can hold it to ``cases.clock.clock_figures``."""
    cases = (
        _received(queryset)
        .annotate(**_days())
        .order_by()
        .values("id", "sla_started_on", "arranged_on", "sla_paused_days")
    )
    cases_sql, params = cases.query.sql_with_params()
    sql = _CASE_DAYS_SQL.format(
        arrange_days=_WORKDAYS_SQL.format(a="sla_started_on", b="arranged_on", paused="sla_paused_days"),
        cases=cases_sql,
        ranks=_RANKS_SQL,
    )
    with connections[cases.db].cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())
