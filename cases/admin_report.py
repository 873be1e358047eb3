"""The cases behind one figure of the manager report, as a filter of the case changelist.

The report (``sla``) links every count it prints — received, arranged, on time, late, at risk,
reviewed… per provider, service, city or period and in total — to the case list with the
``report_*`` parameters below; this filter selects exactly the cases the report counted for that
figure, so the list's count equals the figure. The definitions mirror the report's statement
(``sla.selectors``): the cohort is the cases received (submitted) in the period, in Shanghai days;
"late" and "at risk" are counted as of the report's day (``report_day``). A test follows every
figure's link and holds the list's count to it (tests/sla/test_report_links.py).
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import admin
from django.db.models import Case as CaseWhen
from django.db.models import DateField, F, Q, QuerySet, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from cases.states import CLOCK_RUNNING
from workdays.calendar import CalendarNotCovered, add_workdays

SHANGHAI = ZoneInfo(settings.TIME_ZONE)
PREFIX = "report_"
# Parameter (without the prefix) → what it narrows.
PARAMETERS = ("figure", "from", "to", "provider", "service", "series", "city", "period", "grain", "day")
UNASSIGNED = "none"

FIGURES = {
    "received": "受理量",
    "arranged": "已安排",
    "on_time": "按时安排",
    "arranged_late": "超时安排",
    "open_late": "未安排已超时",
    "breaches": "超时",
    "at_risk": "临期未安排",
    "running": "进行中",
    "reviewed": "已审核",
    "review_on_time": "审核按时",
}


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def next_period(period: date, grain: str) -> date:
    if grain == "week":
        return period + timedelta(days=7)
    return date(period.year + period.month // 12, period.month % 12 + 1, 1)


def _running() -> Q:
    return Q(state__in=CLOCK_RUNNING, sla_stopped_at__isnull=True)


def figure_condition(figure: str, *, today: date) -> Q | None:
    """The cases of the cohort counted by ``figure`` as of ``today`` (None: an unknown figure).
    Needs the ``_arranged_on`` and ``_decided_on`` annotations (``figure_queryset``)."""
    arranged = Q(_arranged_on__isnull=False)
    arranged_late = arranged & Q(_arranged_on__gt=F("sla_deadline_due"))
    open_late = _running() & Q(sla_deadline_due__lt=today)
    if figure == "received":
        return Q()
    if figure == "arranged":
        return arranged
    if figure == "on_time":
        return arranged & Q(_arranged_on__lte=F("sla_deadline_due"))
    if figure == "arranged_late":
        return arranged_late
    if figure == "open_late":
        return open_late
    if figure == "breaches":
        return arranged_late | open_late
    if figure == "running":
        return _running()
    if figure == "at_risk":
        try:
            horizon = add_workdays(today, 1)
        except CalendarNotCovered:
            return Q(pk__in=[])  # the report counts none when it cannot say what the next working day is
        return _running() & Q(sla_deadline_due__gte=today, sla_deadline_due__lte=horizon)
    if figure == "reviewed":
        return Q(_decided_on__isnull=False)
    if figure == "review_on_time":
        return Q(_decided_on__isnull=False, _decided_on__lte=F("review_due"))
    return None


def figure_queryset(queryset: QuerySet, params: dict[str, str], *, today: date) -> QuerySet:
    """``queryset`` narrowed to the cases the report counted for the figure ``params`` describe
    (the ``report_*`` parameters without their prefix)."""
    queryset = queryset.filter(submitted_at__isnull=False).annotate(
        _arranged_on=CaseWhen(
            When(sla_started_on__isnull=False, then=TruncDate("sla_stopped_at", tzinfo=SHANGHAI)),
            default=None,
            output_field=DateField(),
        ),
        _decided_on=TruncDate("reviewed_at", tzinfo=SHANGHAI),
    )
    if day := _day(params.get("from")):
        queryset = queryset.filter(submitted_at__gte=_start(day))
    if day := _day(params.get("to")):
        queryset = queryset.filter(submitted_at__lt=_start(day + timedelta(days=1)))
    if period := _day(params.get("period")):
        grain = "month" if params.get("grain") == "month" else "week"
        queryset = queryset.filter(
            submitted_at__gte=_start(period), submitted_at__lt=_start(next_period(period, grain))
        )
    provider = params.get("provider")
    if provider == UNASSIGNED:
        queryset = queryset.filter(provider__isnull=True)
    elif provider:
        queryset = queryset.filter(provider_id=int(provider)) if provider.isdigit() else queryset.none()
    if service := params.get("service"):
        queryset = queryset.filter(service_id=int(service)) if service.isdigit() else queryset.none()
    if series := params.get("series"):
        queryset = queryset.filter(enrollment__edition__series=series)
    if city := params.get("city"):
        queryset = queryset.filter(city=city)
    condition = figure_condition(params.get("figure") or "received", today=today)
    return queryset.none() if condition is None else queryset.filter(condition)


def describe(params: dict[str, str], *, today: date) -> str:
    """The figure in words: "超时 · 受理 2026-09-01 至 2026-09-30 · 截至 2026-09-30"."""
    parts = [FIGURES.get(params.get("figure") or "received", "未知指标")]
    if params.get("from") or params.get("to"):
        parts.append(f"受理 {params.get('from', '…')} 至 {params.get('to', '…')}")
    if params.get("period"):
        parts.append(f"{'月' if params.get('grain') == 'month' else '周'} {params['period']}")
    if params.get("city"):
        parts.append(params["city"])
    parts.append(f"截至 {today:%Y-%m-%d}")
    return " · ".join(parts)


def report_figure_title(query) -> str | None:
    """The list's title when it was opened from a report figure (``query``: the request's GET)."""
    if PREFIX + "figure" not in query:
        return None
    params = {name: query.get(PREFIX + name) for name in PARAMETERS if query.get(PREFIX + name)}
    return describe(params, today=_day(params.get("day")) or timezone.localdate())


class ReportFigureFilter(admin.ListFilter):
    """Shown only when the list was opened from a report figure: names the figure, one click clears it."""

    title = "时效报表指标"
    template = "admin/filter.html"

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.used: dict[str, str] = {}
        for name in PARAMETERS:
            key = PREFIX + name
            if key in params:
                value = params.pop(key)
                self.used[name] = value[-1] if isinstance(value, list) else value

    def has_output(self) -> bool:
        return bool(self.used)

    def expected_parameters(self) -> list[str | None]:
        return [PREFIX + name for name in PARAMETERS]

    def today(self) -> date:
        return _day(self.used.get("day")) or timezone.localdate()

    def describe(self) -> str:
        return describe(self.used, today=self.today())

    def choices(self, changelist):
        yield {"selected": True, "query_string": changelist.get_query_string(), "display": self.describe()}
        yield {
            "selected": False,
            "query_string": changelist.get_query_string(remove=self.expected_parameters()),
            "display": "清除报表指标",
        }

    def queryset(self, request, queryset):
        if not self.used:
            return queryset
        return figure_queryset(queryset, self.used, today=self.today())
