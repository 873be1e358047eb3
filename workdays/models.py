"""The PRC working-day calendar as data.

Only the exceptions are stored: a Monday-to-Friday date is a working day unless it is a listed
holiday, and a Saturday or Sunday is a rest day unless it is a listed make-up working day (调休).
The State Council publishes each year's schedule in the autumn before, so a year is usable only
once its row is marked covered. A year not published yet is computed from the law (see
``workdays.statutory``) and marked provisional until the official schedule replaces it.
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class YearSource(models.TextChoices):
    LIBRARY = "library", _("chinesecalendar 库")
    MANUAL = "manual", _("手工录入")
    COMPUTED = "computed", _("按放假办法推算")


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("法定节假日（休）")
    WORKDAY = "workday", _("调休上班日")


class CalendarYear(models.Model):
    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("来源"), max_length=16, choices=YearSource.choices, default=YearSource.MANUAL)
    covered = models.BooleanField(
        _("已覆盖"),
        default=False,
        help_text=_("勾选表示该年的节假日与调休安排已完整录入，可用于工作日计算；未勾选的年份参与计算时会报错。"),
    )
    # A year the State Council has not published yet, computed from 《全国年节及纪念日放假办法》: usable
    # for deadlines, and every due date resting on it is shown as 暂定 until the official schedule
    # replaces it.
    provisional = models.BooleanField(
        _("暂定"),
        default=False,
        db_default=False,
        help_text=_(
            "按《全国年节及纪念日放假办法》推算、尚未录入国务院办公厅正式安排的年度；落在该年的时限标注“暂定”。"
        ),
    )
    notes = models.TextField(_("备注"), blank=True, help_text=_("例如国务院办公厅通知的文号与发布日期"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("日历年度")
        verbose_name_plural = _("日历年度")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year} 年（暂定）" if self.provisional else f"{self.year} 年"


class CalendarDay(models.Model):
    calendar_year = models.ForeignKey(
        CalendarYear, on_delete=models.CASCADE, related_name="days", verbose_name=_("年度")
    )
    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=DayKind.choices)
    name = models.CharField(_("名称"), max_length=64, blank=True, help_text=_("例如：春节、国庆节"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("节假日 / 调休日")
        verbose_name_plural = _("节假日 / 调休日")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=DayKind.values), name="workdays_day_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()} {self.name}".strip()

    def clean(self) -> None:
        errors = {}
        try:
            year = self.calendar_year.year
        except CalendarYear.DoesNotExist:
            year = None
        if self.date and year and self.date.year != year:
            errors["date"] = f"日期 {self.date.isoformat()} 不在 {year} 年内。"
        # A make-up working day only means something on a weekend; a weekday is already worked.
        if self.date and self.kind == DayKind.WORKDAY and self.date.weekday() < 5:
            errors["kind"] = f"{self.date.isoformat()} 是工作日（周一至周五），无需登记为调休上班日。"
        if errors:
            raise ValidationError(errors)


class CalendarRevision(models.Model):
    """One row whose token changes with every edit of the calendar, so that each process can tell
    cheaply whether its precomputed index is stale. A random token rather than a counter: a rolled
    back edit restores the old token, and the old index is then correct again."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    token = models.UUIDField(default=uuid.uuid4)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("日历版本")
        verbose_name_plural = _("日历版本")

    def __str__(self) -> str:
        return str(self.token)
