from datetime import date
from typing import TYPE_CHECKING, TypedDict

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from django.http import QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from workdays.imports import parse_schedule
from workdays.models import CalendarDay, CalendarYear, DayKind
from workdays.selectors import coverage_summary, next_year_missing_warning
from workdays.services import (
    CalendarRefused,
    calendar_changes_announce,
    calendar_sync,
    calendar_year_import,
    schedule_diff,
    year_dependents,
    year_missing_holidays,
    year_span,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _DayTotals(TypedDict):
    """What the changelist's queryset annotates on each year."""

    holiday_total: int
    makeup_total: int


UNDATED_SHOWN = 50  # case numbers listed on a confirmation page; the rest are counted


def _cases_moved_message(count: int) -> str:
    return f"{count} 个未结案件的时限已按新日历重新计算，变更已记入各案件的处理记录。"


def _undated_text(year: int, numbers: list[str]) -> str:
    shown = "、".join(numbers[:UNDATED_SHOWN]) + (f" 等 {len(numbers)} 个" if len(numbers) > UNDATED_SHOWN else "")
    return f"{year} 年不再参与计算后，以下未结案件将没有时限到期日：{shown}。"


class CalendarYearForm(forms.ModelForm):
    confirm_uncover = forms.BooleanField(
        label=_("确认取消覆盖"),
        required=False,
        help_text=_("取消“已覆盖”会使依赖该年的未结案件失去时限到期日；列出这些案件后须勾选此项再次保存。"),
    )

    class Meta:
        model = CalendarYear
        fields = ["year", "source", "covered", "provisional", "notes"]

    def clean(self):
        cleaned = super().clean()
        instance = self.instance
        uncovering = instance.pk and instance.covered and not cleaned.get("covered")
        if uncovering and not cleaned.get("confirm_uncover"):
            numbers = year_dependents(instance.year)
            if numbers:
                raise ValidationError(
                    {
                        "confirm_uncover": [
                            _undated_text(instance.year, numbers) + "确需取消覆盖，请勾选“确认取消覆盖”后再次保存。"
                        ]
                    }
                )
        return cleaned


class CalendarDayFormSet(BaseInlineFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # The year being added is not saved yet; give each day its year so that clean() can check
        # the date belongs to it.
        form.instance.calendar_year = self.instance
        return form

    def clean(self):
        super().clean()
        year = self.instance
        if not year.year or not year.covered or year.provisional or any(f.errors for f in self.forms):
            return
        days = {
            form.cleaned_data["date"]: form.cleaned_data["kind"]
            for form in self.forms
            if form.cleaned_data.get("date") and not form.cleaned_data.get("DELETE")
        }
        missing = year_missing_holidays(year.year, days)
        if missing:
            raise ValidationError(
                f"{year.year} 年的法定节假日未全部放假：缺 {'；'.join(missing)}。"
                "请补录后再勾选“已覆盖”，或用“导入年度安排”一次录入全年。"
            )


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    formset = CalendarDayFormSet
    extra = 3
    fields = ["date", "kind", "name"]
    ordering = ["date"]


class ScheduleImportForm(forms.Form):
    year = forms.IntegerField(
        label=_("年份"),
        required=False,
        min_value=2000,
        max_value=2100,
        help_text=_("留空时从通知标题（“关于2027年部分节假日安排的通知”）或 CSV 的日期读取"),
    )
    upload = forms.FileField(
        label=_("CSV 文件"), required=False, help_text=_("每行 date,kind,name，如 2027-02-05,holiday,春节")
    )
    text = forms.CharField(
        label=_("通知全文或 CSV"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "cols": 100}),
        help_text=_("粘贴国务院办公厅通知中“一、元旦：……”至“七、国庆节：……”各行（含调休上班日），或 CSV 内容"),
    )
    notes = forms.CharField(label=_("备注"), required=False, max_length=500, help_text=_("例如通知的文号与发布日期"))

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("upload")
        if upload:
            try:
                cleaned["text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise ValidationError({"upload": ["文件须为 UTF-8 编码的 CSV"]}) from exc
        if not (cleaned.get("text") or "").strip():
            raise ValidationError({"text": ["请上传 CSV 文件或粘贴通知全文"]})
        return cleaned


@admin.register(CalendarYear)
class CalendarYearAdmin(SimpleHistoryAdmin):
    form = CalendarYearForm
    list_display = ["year", "covered", "provisional", "source", "holiday_count", "makeup_count", "notes", "updated_at"]
    list_filter = ["covered", "provisional", "source"]
    search_fields = ["year", "notes"]
    inlines = [CalendarDayInline]
    actions = ["sync_from_library"]
    fields = ["year", "source", "covered", "provisional", "confirm_uncover", "notes"]
    delete_confirmation_template = "admin/workdays/calendaryear/delete_confirmation.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                holiday_total=Count("days", filter=Q(days__kind=DayKind.HOLIDAY)),
                makeup_total=Count("days", filter=Q(days__kind=DayKind.WORKDAY)),
            )
        )

    def get_actions(self, request):
        # A year is deleted one at a time, from its own page, where the cases it dates are named.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_urls(self):
        custom = [
            path("import/", self.admin_site.admin_view(self.import_view), name="workdays_calendaryear_import"),
        ]
        return custom + super().get_urls()

    @admin.display(description=_("放假日"), ordering="holiday_total")
    def holiday_count(self, obj: "WithAnnotations[CalendarYear, _DayTotals]") -> int:
        return obj.holiday_total

    @admin.display(description=_("调休上班日"), ordering="makeup_total")
    def makeup_count(self, obj: "WithAnnotations[CalendarYear, _DayTotals]") -> int:
        return obj.makeup_total

    def changelist_view(self, request, extra_context=None):
        warning = next_year_missing_warning()
        if warning and request.method == "GET":
            messages.warning(request, warning)
        extra_context = {**(extra_context or {}), "coverage": coverage_summary(), "coverage_warning": warning}
        return super().changelist_view(request, extra_context=extra_context)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        first, last = year_span([form.instance.year])
        moved = calendar_changes_announce(first=first, last=last, actor=request.user)
        self.message_user(request, _cases_moved_message(moved))

    def delete_view(self, request, object_id, extra_context=None):
        year = self.get_object(request, object_id)
        numbers = year_dependents(year.year) if year is not None and year.covered else []
        confirmed = request.POST.get("confirm_undated") == "yes"
        extra_context = {**(extra_context or {}), "undated_cases": numbers[:UNDATED_SHOWN],
                         "undated_total": len(numbers), "second_confirmation": False}  # fmt: skip
        if request.method == "POST" and numbers and not confirmed:
            # The first “yes” only leads to the second question, naming the cases.
            extra_context["second_confirmation"] = True
            request.POST = QueryDict()
        return super().delete_view(request, object_id, extra_context=extra_context)

    def delete_model(self, request, obj):
        year = obj.year
        with transaction.atomic():
            super().delete_model(request, obj)
            first, last = year_span([year])
            moved = calendar_changes_announce(first=first, last=last, actor=request.user)
        self.message_user(request, _cases_moved_message(moved), messages.WARNING if moved else messages.INFO)

    def import_view(self, request):
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = ScheduleImportForm(request.POST or None, request.FILES or None)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "title": "导入年度节假日安排"}  # fmt: skip
        if request.method == "POST" and form.is_valid():
            schedule = parse_schedule(form.cleaned_data["text"], year=form.cleaned_data["year"])
            if "save" in request.POST and not schedule.refused:
                try:
                    result = calendar_year_import(
                        schedule=schedule, notes=form.cleaned_data["notes"], actor=request.user, request=request
                    )
                except CalendarRefused as exc:
                    schedule.errors.extend(exc.messages)
                else:
                    self.message_user(
                        request,
                        f"{result.year} 年节假日安排已导入（放假 {schedule.holiday_count()} 天、调休上班 "
                        f"{schedule.workday_count()} 天）。" + _cases_moved_message(result.cases_changed),
                    )
                    return redirect(reverse("admin:workdays_calendaryear_changelist"))
            # The text read from an upload travels on in the textarea, so that 保存 saves what was shown.
            form.data = form.data.copy()
            form.data["text"] = form.cleaned_data["text"]
            if schedule.year and not form.data.get("year"):
                form.data["year"] = str(schedule.year)
            context |= {"schedule": schedule, "diff": None if schedule.errors else schedule_diff(schedule),
                        "existing": CalendarYear.objects.filter(year=schedule.year).first()}  # fmt: skip
        return TemplateResponse(request, "admin/workdays/calendaryear/import.html", context)

    @admin.action(description=_("从 chinesecalendar 库同步（不覆盖手工录入的年度）"))
    def sync_from_library(self, request, queryset):
        result = calendar_sync(actor=request.user, request=request)
        self.message_user(
            request,
            f"新增 {len(result.added)} 个年度，更新 {len(result.refreshed)} 个，"
            f"保留手工录入 {len(result.kept_manual)} 个，暂定推算 {len(result.provisional)} 个。"
            + _cases_moved_message(result.cases_changed),
        )


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["calendar_year", "date", "kind", "name"]

    def clean(self):
        cleaned = super().clean()
        year, day, kind = cleaned.get("calendar_year"), cleaned.get("date"), cleaned.get("kind")
        if not (year and day and kind) or not year.covered or year.provisional:
            return cleaned
        days = dict(year.days.exclude(pk=self.instance.pk).values_list("date", "kind"))
        days[day] = kind
        missing = year_missing_holidays(year.year, days)
        if missing:
            raise ValidationError(f"{year.year} 年的法定节假日未全部放假：缺 {'；'.join(missing)}")
        return cleaned


@admin.register(CalendarDay)
class CalendarDayAdmin(SimpleHistoryAdmin):
    form = CalendarDayForm
    list_display = ["date", "kind", "name", "calendar_year"]
    list_filter = ["kind", "calendar_year__year"]
    search_fields = ["name"]
    date_hierarchy = "date"
    list_select_related = ["calendar_year"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        before = CalendarDay.objects.filter(pk=obj.pk).values_list("date", flat=True).first() if change else None
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            days = [d for d in (before, obj.date) if d]
            moved = calendar_changes_announce(first=min(days), last=max(days), actor=request.user)
        self.message_user(request, _cases_moved_message(moved))

    def delete_view(self, request, object_id, extra_context=None):
        day = self.get_object(request, object_id)
        refusal = self._deletion_refusal(day) if day is not None and request.method == "POST" else None
        if refusal:
            self.message_user(request, refusal, messages.ERROR)
            return redirect(reverse("admin:workdays_calendarday_change", args=[day.pk]))
        return super().delete_view(request, object_id, extra_context=extra_context)

    @staticmethod
    def _deletion_refusal(obj: CalendarDay) -> str | None:
        """An official year may not lose a statutory holiday."""
        year = obj.calendar_year
        if not year.covered or year.provisional:
            return None
        missing = year_missing_holidays(year.year, dict(year.days.exclude(pk=obj.pk).values_list("date", "kind")))
        return f"不能删除：{year.year} 年的法定节假日将不全，缺 {'；'.join(missing)}" if missing else None

    def delete_model(self, request, obj):
        day: date = obj.date
        with transaction.atomic():
            super().delete_model(request, obj)
            moved = calendar_changes_announce(first=day, last=day, actor=request.user)
        self.message_user(request, _cases_moved_message(moved))
