from datetime import date, datetime, time, timedelta

import django_filters
from django import forms
from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from config.widgets import QuickSelect
from entitlements.models import Edition, Service
from providers.models import Provider
from sla.selectors import SHANGHAI

# The report's period: the portal holds no case before 2000, and a century of weeks is no report.
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
MAX_PERIOD_DAYS = 10 * 366


def day_start(day: date) -> datetime:
    """Midnight at the start of ``day`` in Shanghai, as an aware moment."""
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


# Each city once, in order: from one city to the next by a probe of the city index (a few dozen
# probes), where SELECT DISTINCT would read every case.
CITIES_SQL = """
WITH RECURSIVE cities (name) AS (
    SELECT MIN(city) FROM {table} WHERE city > ''
    UNION ALL
    SELECT (SELECT MIN(city) FROM {table} WHERE city > cities.name) FROM cities WHERE cities.name IS NOT NULL
)
SELECT name FROM cities WHERE name IS NOT NULL
"""


def city_choices() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(CITIES_SQL.format(table=Case._meta.db_table))
        return [(city, city) for (city,) in cursor.fetchall()]


class ReportFilter(django_filters.FilterSet):
    """The manager report's filters. The period selects cases by the day they were received."""

    # A range of moments on submitted_at (Shanghai days), which its index serves; a __date lookup
    # would compute every case's date first.
    date_from = django_filters.DateFilter(
        method="received_from", label=_("受理日期自"), widget=forms.DateInput({"type": "date"})
    )
    date_to = django_filters.DateFilter(method="received_to", label=_("至"), widget=forms.DateInput({"type": "date"}))
    provider = django_filters.ModelChoiceFilter(
        queryset=Provider.objects.all(), label=_("服务商"), empty_label=_("全部"), widget=QuickSelect
    )
    service = django_filters.ModelChoiceFilter(
        queryset=Service.objects.exclude(kind="usage").order_by("sort_order", "id"),
        label=_("服务项目"),
        empty_label=_("全部"),
        widget=QuickSelect,
    )
    series = django_filters.ChoiceFilter(
        field_name="enrollment__edition__series",
        choices=Edition.Series.choices,
        label=_("版本"),
        empty_label=_("全部"),
        widget=QuickSelect,
    )
    city = django_filters.ChoiceFilter(choices=city_choices, label=_("城市"), empty_label=_("全部"), widget=QuickSelect)
    grain = django_filters.ChoiceFilter(
        choices=[("week", _("按周")), ("month", _("按月"))],
        label=_("趋势"),
        empty_label=None,
        method="keep",
        widget=QuickSelect,
    )

    class Meta:
        model = Case
        fields: list[str] = []

    def received_from(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        return queryset.filter(submitted_at__gte=day_start(value))

    def received_to(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        return queryset.filter(submitted_at__lt=day_start(value + timedelta(days=1)))

    def keep(self, queryset, name, value):
        return queryset  # the trend's grain shapes the chart, not the cohort

    def clean_period(self) -> None:
        data = self.form.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        for name, day in (("date_from", start), ("date_to", end)):
            if day and not (EARLIEST <= day <= LATEST):
                self.form.add_error(name, f"日期须在 {EARLIEST:%Y-%m-%d} 至 {LATEST:%Y-%m-%d} 之间")
        if self.form.errors:
            return
        if start and end and start > end:
            self.form.add_error("date_to", _("结束日期不能早于开始日期"))
        elif start and end and (end - start).days > MAX_PERIOD_DAYS:
            self.form.add_error("date_to", f"统计区间不能超过 {MAX_PERIOD_DAYS // 366} 年")

    def is_valid(self) -> bool:
        if not super().is_valid():
            return False
        self.clean_period()
        return not self.form.errors
