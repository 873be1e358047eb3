"""Service-level reminders and the working-day rank table the manager reports count with.

A ``Reminder`` row is both the record of a reminder and its gate: the unique constraint on
case × kind × deadline is what keeps a reminder to once, however many sweeps overlap. When the
deadline moves (the clock paused and resumed), the new deadline earns its own reminder.
"""

import uuid

from django.db import models
from django.utils import timezone


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", "即将到期"
    BREACHED = "breached", "已超时"
    REVIEW_DUE_SOON = "review_due_soon", "审核即将到期"
    REVIEW_BREACHED = "review_breached", "审核已超时"


class Reminder(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="sla_reminders", verbose_name="案件")
    kind = models.CharField("类型", max_length=20, choices=ReminderKind.choices)
    deadline = models.DateField("到期日")
    # The sweep that inserted the row: lets a sweep find exactly the reminders it won.
    batch = models.UUIDField("巡检批次", default=uuid.uuid4, db_index=True, editable=False)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    message = models.ForeignKey(
        "notifications.OutboxMessage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="通知消息",
    )

    class Meta:
        verbose_name = "时效提醒"
        verbose_name_plural = "时效提醒"
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

    day = models.DateField("日期", primary_key=True)
    rank = models.PositiveIntegerField("累计工作日")
    run_start = models.PositiveSmallIntegerField("连续覆盖起始年")

    class Meta:
        verbose_name = "工作日序号"
        verbose_name_plural = "工作日序号"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} #{self.rank}"


class WorkdayRankState(models.Model):
    """The calendar revision the rank table was built from (one row)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    token = models.CharField("日历版本", max_length=64, blank=True)
    built_at = models.DateTimeField("生成时间", null=True, blank=True)

    class Meta:
        verbose_name = "工作日序号版本"
        verbose_name_plural = "工作日序号版本"

    def __str__(self) -> str:
        return self.token or "—"
