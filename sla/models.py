"""Service-level reminders and the working-day rank table the manager reports count with.

A ``Reminder`` row is both the record of a reminder and its gate: the unique constraint on
case × kind × deadline is what keeps a reminder to once, however many sweeps overlap. When the
deadline moves (the clock paused and resumed), the new deadline earns its own reminder.
"""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", _("即将到期")
    BREACHED = "breached", _("已超时")
    REVIEW_DUE_SOON = "review_due_soon", _("审核即将到期")
    REVIEW_BREACHED = "review_breached", _("审核已超时")


class Reminder(models.Model):
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="sla_reminders", verbose_name=_("案件")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=ReminderKind.choices)
    deadline = models.DateField(_("到期日"))
    # The sweep that inserted the row (one value per sweep: what one sweep sent, read together).
    batch = models.UUIDField(_("巡检批次"), default=uuid.uuid4, db_index=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    message = models.ForeignKey(
        "notifications.OutboxMessage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("通知消息"),
    )

    class Meta:
        verbose_name = _("时效提醒")
        verbose_name_plural = _("时效提醒")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "deadline"], name="reminder_once_per_case_kind_deadline"),
        ]
        permissions = [("view_reports", "查看时效报表")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_kind_display()} {self.deadline:%Y-%m-%d}"


class WorkdayRank(models.Model):
    """For every day of the covered years: how many working days of its run of consecutive covered
    years fall on or before it. Working days in (a, b] = rank(b) - rank(a) when a and b lie in the
    same run, which lets the reports count working days inside the database."""

    day = models.DateField(_("日期"), primary_key=True)
    rank = models.PositiveIntegerField(_("累计工作日"))
    run_start = models.PositiveSmallIntegerField(_("连续覆盖起始年"))

    class Meta:
        verbose_name = _("工作日序号")
        verbose_name_plural = _("工作日序号")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} #{self.rank}"


class WorkdayRankState(models.Model):
    """The calendar revision the rank table was built from (one row)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    token = models.CharField(_("日历版本"), max_length=64, blank=True)
    built_at = models.DateTimeField(_("生成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("工作日序号版本")
        verbose_name_plural = _("工作日序号版本")

    def __str__(self) -> str:
        return self.token or "—"


class ReportCounts(models.Model):
    """The counts every aggregate table of the manager report holds (``sla.report_aggregates.COUNTS``)."""

    received = models.IntegerField(_("受理量"), default=0)
    arranged = models.IntegerField(_("已安排"), default=0)
    on_time = models.IntegerField(_("按时安排"), default=0)
    exempt_late = models.IntegerField(_("超时安排（院方原因豁免）"), default=0)
    arranged_late = models.IntegerField(_("超时安排"), default=0)
    reviewed = models.IntegerField(_("已审核"), default=0)
    review_on_time = models.IntegerField(_("审核按时"), default=0)
    # Cases whose arrangement clock runs (cases.states.CLOCK_RUNNING, not stopped): with their deadline
    # (``open_due``, ``due``), the report counts "open past deadline" and "at risk" for its day.
    open = models.IntegerField(_("办理中"), default=0, db_default=0)

    class Meta:
        abstract = True


class ReportCellBase(ReportCounts):
    """The manager report's counts for the cases received on one day, by provider, service and city
    and by how many working days the arrangement and the review took (NULL: not yet, or the calendar
    cannot say) — the same grain the report's direct statement counts before its grouping sets."""

    day = models.DateField(_("受理日"))
    provider_id = models.IntegerField(_("服务商"), null=True)
    service_id = models.IntegerField(_("服务项目"))
    city = models.CharField(_("城市"), max_length=32)
    arrange_days = models.IntegerField(_("安排用时（工作日）"), null=True)
    review_days = models.IntegerField(_("审核用时（工作日）"), null=True)
    # The deadline of the open cases counted here; NULL for every other case (so the cells of cases no
    # longer open are not split by deadline).
    open_due = models.DateField(_("办理中案件的最迟完成日"), null=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.provider_id}/{self.service_id}/{self.city} {self.received}"


class ReportCell(ReportCellBase):
    """Compacted counts: one row per key (``sla.report_aggregates``)."""

    id = models.BigAutoField(primary_key=True)

    class Meta:
        verbose_name = _("报表汇总格")
        verbose_name_plural = _("报表汇总格")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "provider_id", "service_id", "city", "arrange_days", "review_days", "open_due"],
                nulls_distinct=False,
                name="sla_reportcell_key",
            )
        ]


class ReportDelta(ReportCellBase):
    """Changes to the counts written by the case table's triggers, signed (a case leaving a key
    subtracts its old contribution), appended without contention and folded into ``ReportCell`` by
    the compaction task."""

    id = models.BigAutoField(primary_key=True)

    class Meta:
        verbose_name = _("报表汇总增量")
        verbose_name_plural = _("报表汇总增量")


class ReportMargin(ReportCounts):
    """The cells summed per week, month or day (``grain`` w/m/d) and one dimension (``dim``: t total,
    p provider, s service, c city; ``value`` its id or name, '' for the total or no provider), as
    counts (``measure`` n), as how many cases took ``days`` working days to arrangement (a) or to
    review (r), or as how many open cases are due on ``due`` (o): what a report over whole periods
    needs, a few thousand rows a year however many cases. Kept by the rebuild and the compaction from
    the cells; the deltas not compacted yet are added when read."""

    id = models.BigAutoField(primary_key=True)
    grain = models.CharField(_("周期"), max_length=1)
    period = models.DateField(_("周期起始日"))
    dim = models.CharField(_("维度"), max_length=1)
    value = models.CharField(_("维度值"), max_length=32)
    measure = models.CharField(_("度量"), max_length=1)
    days = models.IntegerField(_("工作日"), null=True)
    # measure o: how many open cases have this deadline.
    due = models.DateField(_("最迟完成日"), null=True)

    class Meta:
        verbose_name = _("报表周期汇总")
        verbose_name_plural = _("报表周期汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "period", "dim", "value", "measure", "days", "due"],
                nulls_distinct=False,
                name="sla_reportmargin_key",
            )
        ]
        # The trend's totals (dim t) of a run of periods, without walking every dimension's rows.
        indexes = [models.Index(fields=["grain", "dim", "period"], name="sla_reportmargin_trend_idx")]

    def __str__(self) -> str:
        return f"{self.grain} {self.period:%Y-%m-%d} {self.dim}={self.value} {self.measure}{self.days}"


class ReportAggregateState(models.Model):
    """Whether the aggregates are built, and from which working-day rank table (one row)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    built_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    rank_token = models.CharField(_("日历版本"), max_length=64, blank=True, default="")
    compacted_at = models.DateTimeField(_("最近合并时间"), null=True, blank=True)
    # Which tables the build wrote (sla.report_aggregates.LAYOUT): aggregates of an older layout are
    # not read, and the next compaction rebuilds them.
    layout = models.PositiveSmallIntegerField(_("汇总结构版本"), default=0, db_default=0)

    class Meta:
        verbose_name = _("报表汇总状态")
        verbose_name_plural = _("报表汇总状态")

    def __str__(self) -> str:
        return f"{self.built_at or '未生成'}"
