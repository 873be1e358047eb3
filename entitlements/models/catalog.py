"""The handbook's service catalogue: services, editions (plan/tier rows) and their rules.

Loaded from ``entitlements/data/catalog.yaml`` by ``manage.py load_catalog``; catalogue admins may
edit it in the admin, and every change is kept by django-simple-history.
"""

from django.db import models
from simple_history.models import HistoricalRecords


class ServiceKind(models.TextChoices):
    GREEN_CHANNEL = "green_channel", "绿通服务"
    REIMBURSEMENT = "reimbursement", "费用报销"
    USAGE = "usage", "使用登记"


class IllnessCondition(models.TextChoices):
    """What the handbook asks of the customer's illness before the service is given."""

    NONE = "none", "无"
    # 普惠版 重疾专家*: "如客户疑似罹患重疾" — a suspected critical illness, no insurer review.
    SUSPECTED = "suspected", "疑似罹患重疾"
    # 服务条件: diagnosed (suspected or confirmed) by a specialist of a level-2+ public hospital,
    # disease on the list, and the insurer's approval.
    REVIEWED = "reviewed", "二级及以上公立医院专科诊断并经公司审核"


class QuotaPer(models.TextChoices):
    YEAR = "year", "每服务年度"
    SERVICE_PERIOD = "service_period", "服务期内"
    FIRST_YEAR = "first_year", "仅首年"


class PeriodRule(models.TextChoices):
    PAYMENT_TERM = "payment_term", "同保费达标保单交费期（首年剔除犹豫期）"
    ONE_YEAR = "one_year", "保单生效后一年（不含犹豫期）"
    NINETEENTH_DAY = "nineteenth_day", "满足条件后第19天起3年（升级后5年）"
    YEAR_END = "year_end", "成功加入次日至当年12月31日"
    WUYOU = "wuyou", "同指定险种交费期（首年剔除犹豫期，趸交1年）"


class NamedExpert(models.TextChoices):
    NONE = "none", "不可指定专家"
    EXPERT = "expert", "可指定专家"
    FAMOUS = "famous", "可指定著名专家"


class Service(models.Model):
    code = models.SlugField("代码", max_length=64, unique=True)
    name = models.CharField("服务名称", max_length=64, unique=True, help_text="与服务手册所印名称一致")
    aliases = models.JSONField("手册中的其他叫法", default=list, blank=True)
    kind = models.CharField("类型", max_length=20, choices=ServiceKind.choices)
    illness_condition = models.CharField(
        "服务条件", max_length=20, choices=IllnessCondition.choices, default=IllnessCondition.NONE
    )
    needs_admission_slip = models.BooleanField("需住院单", default=False)
    needs_invoice = models.BooleanField("需发票", default=False)
    max_claim_amount = models.DecimalField("单次最高报销（元）", max_digits=10, decimal_places=2, null=True, blank=True)
    sla_target_working_days = models.PositiveSmallIntegerField("目标时效（工作日）", null=True, blank=True)
    sla_deadline_working_days = models.PositiveSmallIntegerField("最迟时效（工作日）", null=True, blank=True)
    sla_text = models.CharField("手册时效原文", max_length=64, blank=True)
    description = models.TextField("服务内容", blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "服务项目"
        verbose_name_plural = "服务项目"
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def needs_medical_review(self) -> bool:
        return self.illness_condition == IllnessCondition.REVIEWED


class Edition(models.Model):
    """One plan/tier row of the handbook's tables, e.g. 太保蓝本（2023版）尊享版 2档."""

    class Series(models.TextChoices):
        S2023 = "2023", "太保蓝本（2023版）"
        S2022 = "2022", "太保蓝本（2022版）"
        S2021 = "2021", "太保蓝本（2021庆典版）"
        S2020 = "2020", "太保蓝本（2020版）"
        S2019 = "2019", "太保蓝本（2019版）"
        WUYOU_2023 = "wuyou-2023", "太保蓝本无忧管家（2023版）"
        PUHUI_2023 = "puhui-2023", "太保蓝本普惠版（2023版）"

    code = models.SlugField("代码", max_length=64, unique=True)
    series = models.CharField("版本", max_length=16, choices=Series.choices)
    plan = models.CharField("计划", max_length=16, help_text="专业版、尊享版、关爱版、医疗特权、普惠版")
    tier = models.PositiveSmallIntegerField("档次", null=True, blank=True)
    period_rule = models.CharField("服务期限规则", max_length=20, choices=PeriodRule.choices)
    period_text = models.CharField("手册服务期限原文", max_length=128, blank=True)
    eligibility_text = models.CharField("达标条件", max_length=255, blank=True)
    max_family_members = models.PositiveSmallIntegerField("可指定直系亲属人数", default=0)
    family_max_years = models.PositiveSmallIntegerField("直系亲属服务期上限（年）", null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "版本档次"
        verbose_name_plural = "版本档次"
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["series", "plan", "tier"], name="edition_series_plan_tier_unique"),
            models.UniqueConstraint(
                fields=["series", "plan"], condition=models.Q(tier__isnull=True), name="edition_series_plan_untiered"
            ),
        ]

    def __str__(self) -> str:
        tier = f" {self.tier}档" if self.tier else ""
        return f"{self.get_series_display()}{self.plan}{tier}"

    @property
    def allows_family(self) -> bool:
        return self.max_family_members > 0


class EditionRule(models.Model):
    """One cell of an edition's table: how often the insured and family members may use a service.

    ``insured_limit``/``family_limit`` null means unlimited; ``family_allowed`` false means family
    members may not use the service at all (注1, or a tier without family sharing).
    ``policy_year_from``/``policy_year_to`` carry 无忧管家's two phases (years 1–5, then 6 onwards).
    """

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="rules", verbose_name="版本档次")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="rules", verbose_name="服务项目")
    policy_year_from = models.PositiveSmallIntegerField("自保单年度", default=1)
    policy_year_to = models.PositiveSmallIntegerField("至保单年度", null=True, blank=True)
    insured_limit = models.PositiveSmallIntegerField("被保险人次数", null=True, blank=True, help_text="留空为不限次")
    insured_per = models.CharField("被保险人计次周期", max_length=20, choices=QuotaPer.choices)
    family_allowed = models.BooleanField("直系亲属可用", default=False)
    family_limit = models.PositiveSmallIntegerField("直系亲属次数", null=True, blank=True, help_text="留空为不限次")
    family_per = models.CharField("直系亲属计次周期", max_length=20, choices=QuotaPer.choices, blank=True)
    named_expert = models.CharField("指定专家", max_length=10, choices=NamedExpert.choices, default=NamedExpert.NONE)
    qualified_in_year = models.PositiveSmallIntegerField(
        "限该年新达标客户", null=True, blank=True, help_text="如 2020版线上购药：仅 2020 新达标客户"
    )
    handbook_text = models.CharField("手册原文", max_length=128, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "服务规则"
        verbose_name_plural = "服务规则"
        ordering = ["edition", "policy_year_from", "service__sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "service", "policy_year_from"], name="edition_rule_unique_phase"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.edition} · {self.service} · {self.handbook_text}"

    def covers_policy_year(self, policy_year: int) -> bool:
        if policy_year < self.policy_year_from:
            return False
        return self.policy_year_to is None or policy_year <= self.policy_year_to


class CriticalIllness(models.Model):
    """The critical-illness list (重症疾病范围列表) that medical review checks diagnoses against."""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("疾病名称", max_length=64, unique=True)
    severity = models.CharField("程度", max_length=8, default="重度")
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "重症疾病"
        verbose_name_plural = "重症疾病范围列表"
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name
