"""The manager report's figures, every one an aggregate computed by the database.

The cohort is the cases *received* (submitted) in the period, narrowed by the filters; "open at
risk" and "open past deadline" are those cases' state today. Working days are counted in SQL from
the ``WorkdayRank`` table (working days in (a, b] = rank(b) - rank(a)), so medians and the 90th
percentile come from PERCENTILE_CONT over the cases without any Python loop over cases.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Case as CaseWhen
from django.db.models import Count, DateField, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import TruncDate, TruncMonth, TruncWeek

from cases.models import Case, CaseEvent, CaseState
from sla.aggregates import Percentile
from sla.models import SLA_RUNNING, WorkdayRank
from workdays.calendar import CalendarNotCovered, add_workdays

S = CaseState
SHANGHAI = zoneinfo.ZoneInfo(settings.TIME_ZONE)
REVIEW_DECISIONS = [S.APPROVED, S.REJECTED, S.CLAIM_APPROVED]


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


def _rank(field: str, column: str = "rank"):
    return Subquery(WorkdayRank.objects.filter(day=OuterRef(field)).values(column)[:1])


def _workdays(start: str, end: str, paused: str):
    """Working days in (start, end] less the paused ones; NULL when the calendar cannot say."""
    same_run = Q(**{f"{start}_run": F(f"{end}_run")})
    return CaseWhen(
        When(same_run, then=F(f"{end}_rank") - F(f"{start}_rank") - F(paused)),
        default=None,
        output_field=IntegerField(),
    )


def report_cases(queryset: QuerySet | None = None) -> QuerySet:
    """Received cases with the dates and working-day counts the figures need, as aliases."""
    queryset = Case.objects.all() if queryset is None else queryset
    decision = CaseEvent.objects.filter(case=OuterRef("pk"), from_state=S.IN_REVIEW, to_state__in=REVIEW_DECISIONS)
    decision = decision.order_by("at").annotate(on=TruncDate("at", tzinfo=SHANGHAI)).values("on")[:1]
    queryset = queryset.filter(submitted_at__isnull=False).alias(
        submitted_on=TruncDate("submitted_at", tzinfo=SHANGHAI),
        arranged_on=CaseWhen(
            When(sla_started_on__isnull=False, then=TruncDate("sla_stopped_at", tzinfo=SHANGHAI)), default=None
        ),
        decided_on=Subquery(decision),
    )
    queryset = queryset.alias(
        **{f"{name}_rank": _rank(name) for name in ("sla_started_on", "arranged_on", "submitted_on", "decided_on")},
        **{f"{name}_run": _rank(name, "run_start") for name in ("sla_started_on", "arranged_on", "submitted_on")},
        decided_on_run=_rank("decided_on", "run_start"),
    )
    return queryset.alias(
        arrange_days=_workdays("sla_started_on", "arranged_on", "sla_paused_days"),
        review_days=_workdays("submitted_on", "decided_on", "review_paused_days"),
    )


def _aggregates(day: ReportDay) -> dict:
    arranged = Q(arranged_on__isnull=False)
    late = arranged & Q(arranged_on__gt=F("sla_deadline_due"))
    open_late = Q(state__in=SLA_RUNNING, sla_stopped_at__isnull=True, sla_deadline_due__lt=day.today)
    at_risk = Q(pk__in=[])
    if day.horizon is not None:
        at_risk = Q(
            state__in=SLA_RUNNING, sla_stopped_at__isnull=True, sla_deadline_due__range=(day.today, day.horizon)
        )
    decided = Q(decided_on__isnull=False)
    return {
        "received": Count("pk"),
        "arranged": Count("pk", filter=arranged),
        "on_time": Count("pk", filter=arranged & Q(arranged_on__lte=F("sla_deadline_due"))),
        "arranged_late": Count("pk", filter=late),
        "open_late": Count("pk", filter=open_late),
        "at_risk": Count("pk", filter=at_risk),
        "arrange_median": Percentile("arrange_days", 0.5, filter=arranged),
        "arrange_p90": Percentile("arrange_days", 0.9, filter=arranged),
        "reviewed": Count("pk", filter=decided),
        "review_on_time": Count("pk", filter=decided & Q(decided_on__lte=F("review_due"))),
        "review_median": Percentile("review_days", 0.5, filter=decided),
    }


def _finish(row: dict) -> dict:
    """Ratios and totals from the aggregated counts."""
    row["breaches"] = row["arranged_late"] + row["open_late"]
    row["on_time_pct"] = _pct(row["on_time"], row["arranged"])
    row["review_on_time_pct"] = _pct(row["review_on_time"], row["reviewed"])
    for key in ("arrange_median", "arrange_p90", "review_median"):
        row[key] = None if row[key] is None else round(row[key], 1)
    return row


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def report_summary(queryset: QuerySet, *, day: ReportDay) -> dict:
    # One group holding every case: aggregate() cannot reach the working-day aliases.
    aggregates = _aggregates(day)
    grouped = queryset.annotate(everything=Value(1)).values("everything").annotate(**aggregates).order_by()
    row = next(iter(grouped), None)
    if row is None:
        row = {key: None if isinstance(agg, Percentile) else 0 for key, agg in aggregates.items()}
    return _finish(row)


def report_by(queryset: QuerySet, *, day: ReportDay, key: str, label: str) -> list[dict]:
    """The same figures per provider, per service…, largest groups first."""
    rows = queryset.values(key, label).annotate(**_aggregates(day)).order_by("-received", label)
    return [_finish({**row, "key": row[key], "label": row[label]}) for row in rows]


def report_trend(queryset: QuerySet, *, day: ReportDay, grain: str = "week") -> list[dict]:
    """The figures per week (Monday) or month of receipt, oldest first."""
    trunc = TruncWeek if grain == "week" else TruncMonth
    bucketed = queryset.annotate(period=trunc("submitted_at", tzinfo=SHANGHAI, output_field=DateField()))
    rows = bucketed.values("period").annotate(**_aggregates(day)).order_by("period")
    return [_finish(dict(row)) for row in rows]


@dataclass
class ManagerReport:
    day: ReportDay
    grain: str
    summary: dict
    providers: list[dict]
    services: list[dict]
    trend: list[dict]


def manager_report(queryset: QuerySet, *, today: date, grain: str = "week") -> ManagerReport:
    """Every figure of the manager report for the filtered cases: five aggregate queries."""
    day = ReportDay.of(today)
    cases = report_cases(queryset)
    providers = report_by(cases, day=day, key="provider_id", label="provider__name")
    for row in providers:
        row["label"] = row["label"] or "（未派单）"
    return ManagerReport(
        day=day,
        grain=grain,
        summary=report_summary(cases, day=day),
        providers=providers,
        services=report_by(cases, day=day, key="service_id", label="service__name"),
        trend=report_trend(cases, day=day, grain=grain),
    )
