"""Third-party providers (第三方服务商), where they work, who speaks for them, and their API trail.

The handbook names three providers and says the insurer may change providers at any time (第二章
第4条), so coverage and routing are configuration maintained in the admin, not code.
"""

import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

_PLACE_SUFFIX = re.compile(r"(省|市|自治区|特别行政区|壮族自治区|回族自治区|维吾尔自治区)$")


def place_key(name: str) -> str:
    """ "上海市" and "上海", "浙江省" and "浙江" name the same place: coverage and cases are compared
    on the name without its administrative suffix."""
    name = (name or "").strip()
    stripped = _PLACE_SUFFIX.sub("", name)
    return stripped or name


class Provider(models.Model):
    """A third-party provider (第三方服务商) the insurer dispatches green-channel cases to."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64, unique=True)
    contact_name = models.CharField(_("联系人"), max_length=32, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    active = models.BooleanField(_("合作中"), default=True)
    webhook_url = models.URLField(
        _("Webhook 地址"), max_length=300, blank=True, db_default="", help_text=_("派单、改派时向此地址 POST 签名通知")
    )
    # The webhook secret is never stored: it is HMAC(WEBHOOK_SIGNING_KEY, nonce), shown once when
    # the nonce is rotated (providers/webhooks.py).
    webhook_nonce = models.CharField(_("Webhook 密钥版本"), max_length=64, blank=True, db_default="", editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("服务商")
        verbose_name_plural = _("服务商")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ProviderContact(models.Model):
    """A person at the provider the coordinators call or e-mail (调度对接人)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("服务商"))
    name = models.CharField(_("姓名"), max_length=32)
    role = models.CharField(_("岗位"), max_length=32, blank=True)
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    email = models.EmailField(_("邮箱"), blank=True)
    receives_reminders = models.BooleanField(_("接收催办邮件"), default=True)

    class Meta:
        verbose_name = _("服务商联系人")
        verbose_name_plural = _("服务商联系人")
        ordering = ["provider", "id"]

    def __str__(self) -> str:
        return f"{self.provider} · {self.name}"


class ProviderCoverage(models.Model):
    """Where a provider can deliver which services.

    Blank province means nationwide, blank city means the whole province. ``all_services`` spares
    listing every green-channel service for a provider that offers them all.
    """

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="coverages", verbose_name=_("服务商"))
    all_services = models.BooleanField(_("全部绿通服务"), default=False)
    services = models.ManyToManyField(
        "entitlements.Service", blank=True, related_name="provider_coverages", verbose_name=_("服务项目")
    )
    province = models.CharField(_("省份"), max_length=32, blank=True, help_text=_("留空为全国"))
    city = models.CharField(_("城市"), max_length=32, blank=True, help_text=_("留空为全省"))
    active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("备注"), max_length=255, blank=True)
    history = HistoricalRecords(m2m_fields=[services])

    class Meta:
        verbose_name = _("服务覆盖范围")
        verbose_name_plural = _("服务覆盖范围")
        ordering = ["provider", "province", "city"]
        indexes = [models.Index(fields=["province", "city"], name="provcov_place_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(city="") | ~Q(province=""), name="provcov_city_needs_province"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} · {self.place_label}"

    def save(self, *args, **kwargs) -> None:
        self.province, self.city = place_key(self.province), place_key(self.city)
        super().save(*args, **kwargs)

    @property
    def place_label(self) -> str:
        if not self.province:
            return "全国"
        return f"{self.province}{self.city}" if self.city else f"{self.province}（全省）"

    @property
    def specificity(self) -> int:
        """2 for a city, 1 for a whole province, 0 for nationwide: the most specific match wins."""
        return 2 if self.city else (1 if self.province else 0)


class RoutingRule(models.Model):
    """A coordinator's preference among covering providers: lower priority numbers are tried first.

    Blank service/province/city match anything, so a rule may say "chenxi first for every
    service in 北京" or "cpic-health-mgmt first for 重疾三甲病房手术安排 everywhere".
    """

    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="routing_rules", verbose_name=_("服务商")
    )
    service = models.ForeignKey(
        "entitlements.Service",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="routing_rules",
        verbose_name=_("服务项目"),
        help_text=_("留空为全部服务"),
    )
    province = models.CharField(_("省份"), max_length=32, blank=True, help_text=_("留空为全国"))
    city = models.CharField(_("城市"), max_length=32, blank=True, help_text=_("留空为全省"))
    priority = models.PositiveSmallIntegerField(_("优先级"), default=100, help_text=_("数字越小越优先"))
    active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("备注"), max_length=255, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("派单规则")
        verbose_name_plural = _("派单规则")
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        service = self.service.name if self.service is not None else "全部服务"
        place = f"{self.province}{self.city}" or "全国"
        return f"{service} · {place} → {self.provider}（{self.priority}）"

    def save(self, *args, **kwargs) -> None:
        self.province, self.city = place_key(self.province), place_key(self.city)
        super().save(*args, **kwargs)


class ProviderMember(models.Model):
    """A user who acts for a provider through the provider API (one token per user)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_member", verbose_name=_("用户")
    )
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="members", verbose_name=_("服务商"))
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("服务商接口用户")
        verbose_name_plural = _("服务商接口用户")
        ordering = ["provider", "id"]

    def __str__(self) -> str:
        return f"{self.provider} · {self.user}"


class IdempotencyRecord(models.Model):
    """The first answer to a provider's write, replayed when the same ``Idempotency-Key`` comes back.

    The row is inserted before the write runs (unique on user + key), so two concurrent retries
    cannot both perform the transition: the second waits on the row lock and then replays.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("用户")
    )
    key = models.CharField(_("幂等键"), max_length=128)
    method = models.CharField(_("方法"), max_length=8)
    path = models.CharField(_("路径"), max_length=255)
    body_hash = models.CharField(_("请求体摘要"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("响应状态"), null=True, blank=True)
    response_body = models.JSONField(_("响应内容"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("幂等记录")
        verbose_name_plural = _("幂等记录")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")]

    def __str__(self) -> str:
        return f"{self.user} {self.method} {self.path} [{self.key}]"


class ProviderApiLog(models.Model):
    """Every write a provider makes through the API, with its outcome (kept even when it failed)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("用户")
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.SET_NULL, null=True, related_name="api_logs", verbose_name=_("服务商")
    )
    method = models.CharField(_("方法"), max_length=8)
    path = models.CharField(_("路径"), max_length=255)
    case_number = models.CharField(_("案件编号"), max_length=32, blank=True, db_index=True)
    action = models.CharField(_("操作"), max_length=32, blank=True)
    status_code = models.PositiveSmallIntegerField(_("响应状态"))
    idempotency_key = models.CharField(_("幂等键"), max_length=128, blank=True)
    replayed = models.BooleanField(_("重放"), default=False)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("服务商接口日志")
        verbose_name_plural = _("服务商接口日志")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.provider} {self.action} {self.case_number} → {self.status_code}"


class ProviderReminder(models.Model):
    """A coordinator's reminder (催办) to a provider about one case.

    The row is both the record of who chased whom and the e-mail queue: the task claims it with a
    conditional update on ``sent_at`` so two workers never send the same reminder.
    """

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="provider_reminders", verbose_name=_("案件")
    )
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("服务商"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("催办人")
    )
    created_at = models.DateTimeField(_("催办时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    recipients = models.JSONField(_("收件人"), default=list, blank=True)

    class Meta:
        verbose_name = _("服务商催办")
        verbose_name_plural = _("服务商催办")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.provider} · {self.case_id} · {self.created_at:%Y-%m-%d %H:%M}"
