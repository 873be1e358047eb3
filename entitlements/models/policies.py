"""Policies from the core policy system, and the configurable qualifying-product lists (达标条件)."""

from datetime import date
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from entitlements.models.catalog import Edition
from entitlements.models.people import Person


class PolicyCategory(models.TextChoices):
    CRITICAL_ILLNESS = "critical_illness", _("重疾类")
    OTHER = "other", _("非重疾长期险")
    HEALTH = "health", _("健康险")


class PaymentMode(models.TextChoices):
    ANNUAL = "annual", _("年交")
    SINGLE = "single", _("趸交")


class PolicyStatus(models.TextChoices):
    IN_FORCE = "in_force", _("有效")
    LAPSED = "lapsed", _("失效")
    SURRENDERED = "surrendered", _("退保")
    TERMINATED = "terminated", _("终止")


class Policy(models.Model):
    policy_no = models.CharField(_("保单号"), max_length=32, unique=True)
    product_name = models.CharField(_("产品名称"), max_length=128)
    category = models.CharField(_("险种类别"), max_length=20, choices=PolicyCategory.choices)
    insured = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="policies", verbose_name=_("被保险人"))
    annual_premium = models.DecimalField(_("年交保费（元）"), max_digits=12, decimal_places=2)
    sum_insured = models.DecimalField(_("基本保额（元）"), max_digits=14, decimal_places=2)
    effective_date = models.DateField(_("生效日"))
    payment_term_years = models.PositiveSmallIntegerField(_("交费期（年）"))
    payment_mode = models.CharField(_("交费方式"), max_length=10, choices=PaymentMode.choices)
    cooling_off_days = models.PositiveSmallIntegerField(_("犹豫期（天）"), default=15)
    status = models.CharField(_("状态"), max_length=12, choices=PolicyStatus.choices, default=PolicyStatus.IN_FORCE)
    status_on = models.DateField(
        _("状态生效日"), null=True, blank=True, help_text=_("失效、退保或终止之日：自该日起保单不再有效")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("保单")
        verbose_name_plural = _("保单")
        ordering = ["-effective_date", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(payment_term_years__gte=1), name="policy_payment_term_positive"),
            models.CheckConstraint(condition=models.Q(annual_premium__gte=0), name="policy_premium_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.policy_no} {self.product_name}"

    @property
    def is_single_premium(self) -> bool:
        return self.payment_mode == PaymentMode.SINGLE

    @property
    def ended_on(self) -> date | None:
        """The first day the policy is no longer in force, when it has ended."""
        if self.status == PolicyStatus.IN_FORCE:
            return None
        return self.status_on


class QualifyingProduct(models.Model):
    """One product that makes its insured eligible for some editions ("以系统实际支持为准").

    The handbook prints no amounts and no product names: both are configuration kept here.
    """

    product_name = models.CharField(_("产品名称"), max_length=128)
    category = models.CharField(_("险种类别"), max_length=20, choices=PolicyCategory.choices)
    editions = models.ManyToManyField(Edition, related_name="qualifying_products", verbose_name=_("适用版本档次"))
    min_annual_premium = models.DecimalField(
        _("最低年交保费（元）"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    min_sum_insured = models.DecimalField(
        _("最低基本保额（元）"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("达标险种")
        verbose_name_plural = _("达标险种配置")
        ordering = ["product_name", "id"]
        constraints = [models.UniqueConstraint(fields=["product_name"], name="qualifying_product_name_unique")]

    def __str__(self) -> str:
        return f"{self.product_name}（{self.get_category_display()}）"
