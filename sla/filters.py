import django_filters
from django import forms

from cases.models import Case
from entitlements.models import Edition, Service
from providers.models import Provider


def city_choices() -> list[tuple[str, str]]:
    cities = Case.objects.exclude(city="").order_by("city").values_list("city", flat=True).distinct()
    return [(city, city) for city in cities]


class ReportFilter(django_filters.FilterSet):
    """The manager report's filters. The period selects cases by the day they were received."""

    date_from = django_filters.DateFilter(
        field_name="submitted_at", lookup_expr="date__gte", label="受理日期自", widget=forms.DateInput({"type": "date"})
    )
    date_to = django_filters.DateFilter(
        field_name="submitted_at", lookup_expr="date__lte", label="至", widget=forms.DateInput({"type": "date"})
    )
    provider = django_filters.ModelChoiceFilter(queryset=Provider.objects.all(), label="服务商", empty_label="全部")
    service = django_filters.ModelChoiceFilter(
        queryset=Service.objects.exclude(kind="usage").order_by("sort_order", "id"),
        label="服务项目",
        empty_label="全部",
    )
    series = django_filters.ChoiceFilter(
        field_name="enrollment__edition__series", choices=Edition.Series.choices, label="版本", empty_label="全部"
    )
    city = django_filters.ChoiceFilter(choices=city_choices, label="城市", empty_label="全部")
    grain = django_filters.ChoiceFilter(
        choices=[("week", "按周"), ("month", "按月")], label="趋势", empty_label=None, method="keep"
    )

    class Meta:
        model = Case
        fields = []

    def keep(self, queryset, name, value):
        return queryset  # the trend's grain shapes the chart, not the cohort

    def clean_period(self) -> None:
        data = self.form.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.form.add_error("date_to", "结束日期不能早于开始日期")

    def is_valid(self) -> bool:
        if not super().is_valid():
            return False
        self.clean_period()
        return not self.form.errors
