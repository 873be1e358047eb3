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
from datetime import date
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
    SELECT provider_id, service_id, period, arrange_days, review_days,
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
     GROUP BY provider_id, service_id, period, arrange_days, review_days
)
SELECT g.*, provider.name AS provider_name, service.name AS service_name
  FROM (
        SELECT GROUPING(provider_id) = 0 AS by_provider,
               GROUPING(service_id) = 0 AS by_service,
               GROUPING(period) = 0 AS by_period,
               GROUPING(arrange_days) = 0 AS by_arrange_days,
               GROUPING(review_days) = 0 AS by_review_days,
               provider_id, service_id, period, arrange_days, review_days,
               {sums}
          FROM fine
         GROUP BY GROUPING SETS (
               (), (provider_id), (service_id), (period),
               (arrange_days), (provider_id, arrange_days), (service_id, arrange_days), (period, arrange_days),
               (review_days), (provider_id, review_days), (service_id, review_days), (period, review_days)
         )
       ) AS g
  LEFT JOIN {providers} AS provider ON provider.id = g.provider_id
  LEFT JOIN {services} AS service ON service.id = g.service_id
 ORDER BY g.received DESC, provider_name, service_name, g.period
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
    sql = _REPORT_SQL.format(
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


def _report_rows_pg(queryset: QuerySet, *, day: ReportDay, grain: str) -> list[dict]:
    """Every row of the report from one statement over the filtered cases' SQL."""
    sql, params = _report_sql(queryset, day=day, grain=grain)
    with transaction.atomic(using=queryset.db), connections[queryset.db].cursor() as cursor:
        # For this statement only: no JIT compilation (it costs more than it saves on a report that
        # reads a few hundred thousand index entries), and room to count in memory.
        cursor.execute("SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true)")
        cursor.execute(sql, params)
        columns = [column.name for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _report_pg(queryset: QuerySet, *, day: ReportDay, grain: str) -> dict:
    tables: dict[str, dict[Any, dict[str, Any]]] = {"summary": {}, "provider": {}, "service": {}, "period": {}}
    # (table, key, "arrange_days"/"review_days") -> {days: cases}
    histograms: defaultdict[tuple[str, Any, str], Counter[float]] = defaultdict(Counter)
    for row in _report_rows_pg(queryset, day=day, grain=grain):
        table, key = "summary", None
        for dimension in ("provider", "service", "period"):
            if row[f"by_{dimension}"]:
                table = dimension
                key = row["period"] if dimension == "period" else row[f"{dimension}_id"]
        measure = next((m for m in ("arrange_days", "review_days") if row[f"by_{m}"]), None)
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
        "trend": sorted(tables["period"].values(), key=lambda row: row["period"]),
    }


def _labels(table: str, key, row: dict) -> dict:
    if table == "provider":
        return {"provider_id": key, "key": key, "label": row["provider_name"] or UNASSIGNED}
    if table == "service":
        return {"service_id": key, "key": key, "label": row["service_name"]}
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
    trend: list[dict]


def manager_report(queryset: QuerySet, *, today: date, grain: str = "week") -> ManagerReport:
    """Every figure of the manager report for the filtered cases, from one statement."""
    day = ReportDay.of(today)
    return ManagerReport(day=day, grain=grain, **_report_pg(queryset, day=day, grain=grain))
