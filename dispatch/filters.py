"""The coordinator board's filters and sortable columns."""

from datetime import timedelta

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import CaseState
from cases.states import BOARD_LISTED, CLOCK_RUNNING
from config.widgets import QuickSelect
from dispatch.selectors import (
    BoardView,
    SlaStatus,
    board_cities,
    board_search_filter,
    board_view_filter,
    sla_status_filter,
)
from entitlements.models import Service
from entitlements.models.catalog import ServiceKind
from entitlements.models.people import is_valid_id_number
from providers.models import Provider
from workdays.calendar import CalendarNotCovered, sub_workdays


class ChineseOrderingFilter(django_filters.OrderingFilter):
    descending_fmt = _("%s（倒序）")


def _not_an_identifier(value: str) -> None:
    """A phone or ID number in a URL lands in access logs and browser history: refused here."""
    term = (value or "").strip()
    if is_valid_id_number(term) or (term.replace(" ", "").isdigit() and len(term) >= 7):
        raise ValidationError(_("手机号、身份证号请用右侧「按手机号/身份证号查找」（不进入网址）"))


class BoardFilter(django_filters.FilterSet):
    """``providers`` (all of them, read once by the view, which also lists the active ones for the
    bulk re-dispatch) and ``cities`` (those of the board's cases) are the choices of their filters.

    The city is picked from the cities present and matched exactly, through the board's city
    index; a contains-search read every board case (0.3 s at a million)."""

    q = django_filters.CharFilter(
        label=_("搜索"),
        method="filter_search",
        max_length=50,
        validators=[_not_an_identifier],
        widget=forms.TextInput(attrs={"placeholder": _("案件编号（至少3位）或客户姓名")}),
    )
    view = django_filters.ChoiceFilter(
        label=_("视图"), choices=BoardView.choices, empty_label=_("全部"), method="filter_view", widget=QuickSelect
    )
    provider = django_filters.ChoiceFilter(label=_("服务商"), empty_label=_("全部"), widget=QuickSelect)
    service = django_filters.ModelChoiceFilter(
        label=_("服务项目"),
        queryset=Service.objects.filter(kind=ServiceKind.GREEN_CHANNEL),
        empty_label=_("全部"),
        widget=QuickSelect,
    )
    city = django_filters.ChoiceFilter(label=_("城市"), empty_label=_("全部"), widget=QuickSelect)
    state = django_filters.ChoiceFilter(
        label=_("状态"),
        choices=[(s.value, s.label) for s in map(CaseState, BOARD_LISTED)],
        empty_label=_("全部"),
        widget=QuickSelect,
    )
    sla_status = django_filters.ChoiceFilter(
        label=_("时效"),
        choices=SlaStatus.choices,
        empty_label=_("全部"),
        method="filter_sla_status",
        widget=QuickSelect,
    )
    min_workdays = django_filters.NumberFilter(
        label=_("计时中，已用工作日 ≥"), method="filter_min_workdays", min_value=0, max_value=366
    )
    o = ChineseOrderingFilter(
        label=_("排序"),
        empty_label=_("默认（最迟完成日先到先办）"),
        fields=(
            ("number", "number"),
            ("state", "state"),
            ("service__name", "service"),
            ("city", "city"),
            ("provider__name", "provider"),
            ("sla_started_on", "started"),
            ("sla_deadline_due", "deadline"),
        ),
        field_labels={
            "number": _("案件编号"),
            "state": _("状态"),
            "service__name": _("服务项目"),
            "city": _("城市"),
            "provider__name": _("服务商"),
            "sla_started_on": _("启动日"),
            "sla_deadline_due": _("最迟完成日"),
        },
    )

    def __init__(self, data=None, queryset=None, *, providers=None, cities=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        if providers is None:
            providers = Provider.objects.all()
        self.filters["provider"].extra["choices"] = [(p.pk, p.name) for p in providers]
        cities = list(cities if cities is not None else board_cities())
        chosen = (data or {}).get("city")
        if chosen and chosen not in cities:
            # A link to a city no board case is in any more: shown as chosen, with no rows.
            cities.append(chosen)
        self.filters["city"].extra["choices"] = [(city, city) for city in cities]

    def filter_search(self, queryset, name, value):
        return queryset.filter(board_search_filter(value)) if value.strip() else queryset

    def filter_view(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        predicate = board_view_filter(value, user=user, today=timezone.localdate())
        return queryset.filter(predicate) if predicate is not None else queryset.none()

    def filter_sla_status(self, queryset, name, value):
        predicate = sla_status_filter(value, today=timezone.localdate())
        return queryset.filter(predicate if predicate is not None else Q(sla_status=value))

    def filter_min_workdays(self, queryset, name, value):
        """Clocks still counting with at least N working days used (``cases.clock``: working days
        in (start, today] less the paused ones). For each paused-day count p among the board's
        clocks, the clock must have started before the (N + p)-th working day counting back from
        today inclusive: a handful of cut-off dates computed once, compared in SQL. A stopped or
        paused clock no longer counts and is not chased by this filter.
        """
        if value is None:
            return queryset
        tomorrow = timezone.localdate() + timedelta(days=1)
        running = queryset.filter(state__in=CLOCK_RUNNING, sla_stopped_at__isnull=True, sla_paused_on__isnull=True)
        paused_counts = running.order_by().values_list("sla_paused_days", flat=True).distinct()
        started_early = Q(pk__in=[])
        try:
            for paused in paused_counts:
                cutoff = sub_workdays(tomorrow, int(value) + paused)
                started_early |= Q(sla_paused_days=paused, sla_started_on__lt=cutoff)
        except CalendarNotCovered:
            return queryset.none()
        return running.filter(started_early)
