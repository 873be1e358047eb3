from typing import TYPE_CHECKING, TypedDict

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from simple_history.admin import SimpleHistoryAdmin

from workdays.models import CalendarDay, CalendarYear, DayKind
from workdays.selectors import coverage_summary, next_year_missing_warning
from workdays.services import calendar_sync

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _DayTotals(TypedDict):
    """What the changelist's queryset annotates on each year."""

    holiday_total: int
    makeup_total: int


class CalendarDayFormSet(BaseInlineFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # The year being added is not saved yet; give each day its year so that clean() can check
        # the date belongs to it.
        form.instance.calendar_year = self.instance
        return form


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    formset = CalendarDayFormSet
    extra = 3
    fields = ["date", "kind", "name"]
    ordering = ["date"]


@admin.register(CalendarYear)
class CalendarYearAdmin(SimpleHistoryAdmin):
    list_display = ["year", "covered", "source", "holiday_count", "makeup_count", "notes", "updated_at"]
    list_filter = ["covered", "source"]
    search_fields = ["year", "notes"]
    inlines = [CalendarDayInline]
    actions = ["sync_from_library"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                holiday_total=Count("days", filter=Q(days__kind=DayKind.HOLIDAY)),
                makeup_total=Count("days", filter=Q(days__kind=DayKind.WORKDAY)),
            )
        )

    @admin.display(description="放假日", ordering="holiday_total")
    def holiday_count(self, obj: "WithAnnotations[CalendarYear, _DayTotals]") -> int:
        return obj.holiday_total

    @admin.display(description="调休上班日", ordering="makeup_total")
    def makeup_count(self, obj: "WithAnnotations[CalendarYear, _DayTotals]") -> int:
        return obj.makeup_total

    def changelist_view(self, request, extra_context=None):
        warning = next_year_missing_warning()
        if warning and request.method == "GET":
            messages.warning(request, warning)
        extra_context = {**(extra_context or {}), "coverage": coverage_summary(), "coverage_warning": warning}
        return super().changelist_view(request, extra_context=extra_context)

    @admin.action(description="从 chinesecalendar 库同步（不覆盖手工录入的年度）")
    def sync_from_library(self, request, queryset):
        result = calendar_sync(actor=request.user, request=request)
        self.message_user(
            request,
            f"新增 {len(result.added)} 个年度，更新 {len(result.refreshed)} 个，"
            f"保留手工录入 {len(result.kept_manual)} 个。",
        )


@admin.register(CalendarDay)
class CalendarDayAdmin(SimpleHistoryAdmin):
    list_display = ["date", "kind", "name", "calendar_year"]
    list_filter = ["kind", "calendar_year__year"]
    search_fields = ["name"]
    date_hierarchy = "date"
    list_select_related = ["calendar_year"]
