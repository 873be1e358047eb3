"""The quota ledger: one lockable bucket per beneficiary × enrollment × service × quota period,
and one hold row per request drawing on it."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from entitlements.models.catalog import Service
from entitlements.models.enrollments import Enrollment
from entitlements.models.people import Person


class QuotaBucket(models.Model):
    """The running count of one quota period.

    Every hold locks this row (SELECT … FOR UPDATE) before counting, and the CHECK constraint
    makes over-spending impossible even for a writer that forgot to lock.
    """

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="quota_buckets", verbose_name=_("服务权益")
    )
    beneficiary = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="quota_buckets", verbose_name=_("服务对象")
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="quota_buckets", verbose_name=_("服务项目")
    )
    period_start = models.DateField(_("计次起始日"))
    period_end = models.DateField(_("计次终止日"))
    limit = models.PositiveSmallIntegerField(_("次数上限"), null=True, blank=True, help_text=_("留空为不限次"))
    held = models.PositiveIntegerField(_("占用中"), default=0)
    used = models.PositiveIntegerField(_("已使用"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("额度台账")
        verbose_name_plural = _("额度台账")
        ordering = ["-period_start", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "beneficiary", "service", "period_start"], name="quota_bucket_unique"
            ),
            models.CheckConstraint(
                condition=Q(limit__isnull=True) | Q(held__lte=F("limit") - F("used")),
                name="quota_bucket_within_limit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary.name} · {self.service} · {self.period_start}~{self.period_end}"

    @property
    def remaining(self) -> int | None:
        if self.limit is None:
            return None
        return max(self.limit - self.held - self.used, 0)


class QuotaHoldStatus(models.TextChoices):
    HELD = "held", _("占用中")
    USED = "used", _("已使用")
    RELEASED = "released", _("已释放")


class QuotaHold(models.Model):
    """The ledger entry of one request: held when submitted, used when arranged (or paid),
    released on rejection, withdrawal or cancellation."""

    bucket = models.ForeignKey(QuotaBucket, on_delete=models.PROTECT, related_name="holds", verbose_name=_("额度台账"))
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.PROTECT, related_name="quota_holds", verbose_name=_("服务权益")
    )
    # No index of its own: quota_hold_beneficiary_idx (beneficiary, status) begins with it.
    beneficiary = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="quota_holds", verbose_name=_("服务对象"), db_index=False
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="quota_holds", verbose_name=_("服务项目")
    )
    period_start = models.DateField(_("计次起始日"))
    period_end = models.DateField(_("计次终止日"))
    status = models.CharField(_("状态"), max_length=10, choices=QuotaHoldStatus.choices, default=QuotaHoldStatus.HELD)
    reference = models.CharField(_("关联单号"), max_length=64, blank=True, db_index=True)
    requested_on = models.DateField(_("申请服务日"))
    release_reason = models.CharField(_("释放原因"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("占用时间"), auto_now_add=True)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    released_at = models.DateTimeField(_("释放时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("额度占用")
        verbose_name_plural = _("额度占用记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["beneficiary", "status"], name="quota_hold_beneficiary_idx")]

    def __str__(self) -> str:
        return f"{self.reference or self.pk} · {self.service} · {self.get_status_display()}"
