"""The handbook's service catalogue: services, editions (plan/tier rows) and their rules.

Loaded from ``entitlements/data/catalog.yaml`` by ``manage.py load_catalog``; catalogue admins may
edit it in the admin, and every change is kept by django-simple-history.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.i18n import choice_label


class ServiceKind(models.TextChoices):
    GREEN_CHANNEL = "green_channel", _("绿通服务")
    REIMBURSEMENT = "reimbursement", _("费用报销")
    USAGE = "usage", _("使用登记")


class IllnessCondition(models.TextChoices):
    """What the handbook asks of the customer's illness before the service is given."""

    NONE = "none", _("无")
    # 普惠版 重疾专家*: "如客户疑似罹患重疾" — a suspected critical illness, no insurer review.
    SUSPECTED = "suspected", _("疑似罹患重疾")
    # 服务条件: diagnosed (suspected or confirmed) by a specialist of a level-2+ public hospital,
    # disease on the list, and the insurer's approval.
    REVIEWED = "reviewed", _("二级及以上公立医院专科诊断并经公司审核")


class QuotaPer(models.TextChoices):
    YEAR = "year", _("每服务年度")
    SERVICE_PERIOD = "service_period", _("服务期内")
    FIRST_YEAR = "first_year", _("仅首年")


class PeriodRule(models.TextChoices):
    PAYMENT_TERM = "payment_term", _("同保费达标保单交费期（首年剔除犹豫期）")
    ONE_YEAR = "one_year", _("保单生效后一年（不含犹豫期）")
    NINETEENTH_DAY = "nineteenth_day", _("满足条件后第19天起3年（升级后5年）")
    YEAR_END = "year_end", _("成功加入次日至当年12月31日")
    WUYOU = "wuyou", _("同指定险种交费期（首年剔除犹豫期，趸交1年）")


class EligibilityRule(models.TextChoices):
    """The shape of an edition's 达标条件 (二、服务对象); products and amounts are configuration."""

    # 专业版、关爱版: "当年投保指定重疾险保单达到保费要求，且作为该保单被保险人".
    POLICY = "policy", _("指定保单达到保费要求")
    # 尊享版: a + "b 持有有效健康险保单且作为被保险人".
    POLICY_AND_HEALTH = "policy_and_health", _("指定长险保单达标，并持有有效健康险保单")
    # 2019/2020 医疗特权: a + "b 当年投保指定的健康险".
    POLICY_AND_SAME_YEAR_HEALTH = "policy_and_same_year_health", _("指定长期险保单达标，并当年投保指定健康险")
    # 无忧管家: "投保指定重疾险险种并达到基本保额要求".
    SUM_INSURED = "sum_insured", _("指定重疾险达到基本保额要求")
    # 普惠版: "符合年龄及健康告知要求且成功加入".
    JOINED = "joined", _("成功加入")


class ArrangementField(models.TextChoices):
    """The facts an arrangement can record; each service's catalogue row names the ones it needs."""

    HOSPITAL = "hospital", _("医院/机构")
    DEPARTMENT = "department", _("科室")
    DOCTOR = "doctor", _("医生/专家")
    DOCTOR_TITLE = "doctor_title", _("职称")
    ARRANGED_AT = "arranged_at", _("就诊/入院时间")
    ADDRESS = "address", _("地址")
    SPECIALIST = "specialist", _("康复指导人员")
    GUIDANCE_MODE = "guidance_mode", _("指导形式")
    TRANSFERS = "transfers", _("专车接送安排")
    ACCOMMODATION = "accommodation", _("就医当地住宿方案")
    NURSE = "nurse", _("上门护士")


class NamedExpert(models.TextChoices):
    NONE = "none", _("不可指定专家")
    EXPERT = "expert", _("可指定专家")
    FAMOUS = "famous", _("可指定著名专家")


class Service(models.Model):
    code = models.SlugField(_("代码"), max_length=64, unique=True)
    name = models.CharField(_("服务名称"), max_length=64, unique=True, help_text=_("与服务手册所印名称一致"))
    aliases = models.JSONField(_("手册中的其他叫法"), default=list, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=ServiceKind.choices)
    illness_condition = models.CharField(
        _("服务条件"), max_length=20, choices=IllnessCondition.choices, default=IllnessCondition.NONE
    )
    needs_admission_slip = models.BooleanField(_("需住院单"), default=False)
    needs_invoice = models.BooleanField(_("需发票"), default=False)
    max_claim_amount = models.DecimalField(
        _("单次最高报销（元）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    claim_fee_kinds = models.JSONField(
        _("可报销费用类型"), default=list, blank=True, help_text=_("如 120急救补贴：出车费、出诊费、急救费")
    )
    sla_target_working_days = models.PositiveSmallIntegerField(_("目标时效（工作日）"), null=True, blank=True)
    sla_deadline_working_days = models.PositiveSmallIntegerField(_("最迟时效（工作日）"), null=True, blank=True)
    sla_text = models.CharField(_("手册时效原文"), max_length=64, blank=True)
    description = models.TextField(_("服务内容"), blank=True)
    # What the service text promises of the arrangement, as flags (read by intake and arrangement):
    requires_senior_doctor = models.BooleanField(
        _("须副主任医师及以上"), default=False, help_text=_("服务内容写明“副主任医师及以上专家”")
    )
    allows_top50_hospital = models.BooleanField(
        _("可指定全国前50三甲医院"), default=False, help_text=_("服务内容写明“支持（指定）全国排名前 50 三甲医院”")
    )
    arrangement_fields = models.JSONField(
        _("安排结果字段"), default=list, blank=True, help_text=_("记录安排结果时填写的字段（ArrangementField 代码）")
    )
    arrangement_required = models.JSONField(_("安排结果必填字段"), default=list, blank=True)
    arrangement_specialists = models.JSONField(
        _("可安排的康复指导人员"), default=list, blank=True, help_text=_("如 营养师、康复师、心理咨询师")
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务项目")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def needs_medical_review(self) -> bool:
        return self.illness_condition == IllnessCondition.REVIEWED


class Edition(models.Model):
    """One plan/tier row of the handbook's tables, e.g. 太保蓝本（2023版）尊享版 2档."""

    class Series(models.TextChoices):
        S2023 = "2023", _("太保蓝本（2023版）")
        S2022 = "2022", _("太保蓝本（2022版）")
        S2021 = "2021", _("太保蓝本（2021庆典版）")
        S2020 = "2020", _("太保蓝本（2020版）")
        S2019 = "2019", _("太保蓝本（2019版）")
        WUYOU_2023 = "wuyou-2023", _("太保蓝本无忧管家（2023版）")
        PUHUI_2023 = "puhui-2023", _("太保蓝本普惠版（2023版）")

    code = models.SlugField(_("代码"), max_length=64, unique=True)
    series = models.CharField(_("版本"), max_length=16, choices=Series.choices)
    plan = models.CharField(_("计划"), max_length=16, help_text=_("专业版、尊享版、关爱版、医疗特权、普惠版"))
    tier = models.PositiveSmallIntegerField(_("档次"), null=True, blank=True)
    period_rule = models.CharField(_("服务期限规则"), max_length=20, choices=PeriodRule.choices)
    period_text = models.CharField(_("手册服务期限原文"), max_length=128, blank=True)
    eligibility_text = models.CharField(_("达标条件"), max_length=255, blank=True)
    eligibility_rule = models.CharField(
        _("达标条件类型"), max_length=32, choices=EligibilityRule.choices, default=EligibilityRule.POLICY
    )
    # 一、服务内容 "按客户达标年度提供对应版本": the years whose qualification this edition serves.
    qualifying_year_from = models.PositiveSmallIntegerField(_("适用达标年度自"), null=True, blank=True)
    qualifying_year_to = models.PositiveSmallIntegerField(
        _("适用达标年度至"), null=True, blank=True, help_text=_("留空为此后各年度")
    )
    max_family_members = models.PositiveSmallIntegerField(_("可指定直系亲属人数"), default=0)
    family_max_years = models.PositiveSmallIntegerField(
        _("直系亲属服务期上限（年）"), null=True, blank=True, help_text=_("自首次指定起；留空为同被保险人服务期")
    )
    # The period rule's figures, from the 服务期限 clauses.
    start_offset_days = models.PositiveSmallIntegerField(
        _("服务起始日距达标日（天）"), null=True, blank=True, help_text=_("2019/2020版：第19天起")
    )
    fixed_cooling_off_days = models.PositiveSmallIntegerField(
        _("固定犹豫期（天）"), null=True, blank=True, help_text=_("关爱版“不含15天犹豫期”；留空按保单犹豫期")
    )
    period_years = models.PositiveSmallIntegerField(
        _("服务期（年）"), null=True, blank=True, help_text=_("留空为交费期")
    )
    upgraded_period_years = models.PositiveSmallIntegerField(_("升级后服务期（年）"), null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("版本档次")
        verbose_name_plural = _("版本档次")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["series", "plan", "tier"], name="edition_series_plan_tier_unique"),
            models.UniqueConstraint(
                fields=["series", "plan"], condition=models.Q(tier__isnull=True), name="edition_series_plan_untiered"
            ),
        ]

    def __str__(self) -> str:
        tier = f" {self.tier}档" if self.tier else ""
        return f"{choice_label(self.Series, self.series)}{self.plan}{tier}"

    @property
    def allows_family(self) -> bool:
        return self.max_family_members > 0

    def serves_qualifying_year(self, year: int) -> bool:
        if self.qualifying_year_from is not None and year < self.qualifying_year_from:
            return False
        return self.qualifying_year_to is None or year <= self.qualifying_year_to

    @property
    def qualifying_years_text(self) -> str:
        start, end = self.qualifying_year_from, self.qualifying_year_to
        if start is None and end is None:
            return "不限达标年度"
        if start == end:
            return f"{start}年度达标客户"
        return f"{start}年度及以后达标客户" if end is None else f"{start}至{end}年度达标客户"


class EditionRule(models.Model):
    """One cell of an edition's table: how often the insured and family members may use a service.

    ``insured_limit``/``family_limit`` null means unlimited; ``family_allowed`` false means family
    members may not use the service at all (注1, or a tier without family sharing).
    ``policy_year_from``/``policy_year_to`` carry 无忧管家's two phases (years 1–5, then 6 onwards).
    """

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="rules", verbose_name=_("版本档次"))
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="rules", verbose_name=_("服务项目"))
    policy_year_from = models.PositiveSmallIntegerField(_("自保单年度"), default=1)
    policy_year_to = models.PositiveSmallIntegerField(_("至保单年度"), null=True, blank=True)
    insured_limit = models.PositiveSmallIntegerField(
        _("被保险人次数"), null=True, blank=True, help_text=_("留空为不限次")
    )
    insured_per = models.CharField(_("被保险人计次周期"), max_length=20, choices=QuotaPer.choices)
    family_allowed = models.BooleanField(_("直系亲属可用"), default=False)
    family_limit = models.PositiveSmallIntegerField(
        _("直系亲属次数"), null=True, blank=True, help_text=_("留空为不限次")
    )
    family_per = models.CharField(_("直系亲属计次周期"), max_length=20, choices=QuotaPer.choices, blank=True)
    named_expert = models.CharField(_("指定专家"), max_length=10, choices=NamedExpert.choices, default=NamedExpert.NONE)
    qualified_in_year = models.PositiveSmallIntegerField(
        _("限该年新达标客户"), null=True, blank=True, help_text=_("如 2020版线上购药：仅 2020 新达标客户")
    )
    handbook_text = models.CharField(_("手册原文"), max_length=128, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("服务规则")
        verbose_name_plural = _("服务规则")
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

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("疾病名称"), max_length=64, unique=True)
    severity = models.CharField(_("程度"), max_length=8, default="重度")
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("重症疾病")
        verbose_name_plural = _("重症疾病范围列表")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class TopHospital(models.Model):
    """The national top-50 三甲 hospitals a customer may name where the service text allows it
    ("支持指定全国排名前 50 三甲医院"). The handbook prints no list: it is data, editable."""

    name = models.CharField(_("医院名称"), max_length=128, unique=True)
    aliases = models.JSONField(_("其他叫法"), default=list, blank=True)
    rank = models.PositiveSmallIntegerField(_("排名"), null=True, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("全国前50三甲医院")
        verbose_name_plural = _("全国前50三甲医院名单")
        ordering = ["rank", "id"]

    def __str__(self) -> str:
        return self.name
