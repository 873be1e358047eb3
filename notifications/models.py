"""The transactional outbox and the notifications it delivers.

A service that must tell somebody something writes an ``OutboxMessage`` in the same database
transaction as the change itself, so the message exists if and only if the change committed — even
when the broker is down at that moment. Workers deliver messages; a periodic relay picks up anything a
lost enqueue or a dead worker left behind. Delivery claims a message with a conditional update, and the
in-app ``Notification`` rows it creates are unique per message and recipient, so nothing is delivered
twice.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    topic = models.CharField(_("主题"), max_length=64)
    payload = models.JSONField(_("内容"), default=dict)
    dedupe_key = models.CharField(_("去重键"), max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    claimed_until = models.DateTimeField(_("处理租约至"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    # Retries back off (notifications.services.retry_delay); after MAX_ATTEMPTS the message is failed.
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), db_default=Now())
    failed_at = models.DateTimeField(_("放弃时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("待发消息")
        verbose_name_plural = _("待发消息（发件箱）")
        indexes = [
            models.Index(
                fields=["created_at"], condition=models.Q(delivered_at__isnull=True), name="outbox_pending_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk}"


class Notification(models.Model):
    """One message to one recipient: shown in the portal (when the recipient is a user) and e-mailed."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.PROTECT, related_name="notifications")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    email = models.EmailField(_("收件邮箱"), blank=True)
    kind = models.CharField(_("类型"), max_length=64)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    case_number = models.CharField(_("案件号"), max_length=32, blank=True, db_index=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "recipient", "email"],
                name="notification_once_per_recipient",
                nulls_distinct=False,
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_inbox_idx"),
            models.Index(
                fields=["created_at"],
                condition=models.Q(emailed_at__isnull=True) & ~models.Q(email=""),
                name="notification_email_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class MessageTemplate(models.Model):
    """The wording of a text message to a customer, editable by product staff. Placeholders in
    braces ({name}, {service}, {number}, …) are filled when the event happens."""

    key = models.SlugField(_("代码"), max_length=64, unique=True)
    name = models.CharField(_("用途"), max_length=64)
    text = models.TextField(_("内容"))
    active = models.BooleanField(_("启用"), default=True, help_text=_("停用后该事件不再给客户发消息"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("客户消息模板")
        verbose_name_plural = _("客户消息模板")
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name


class CustomerMessage(models.Model):
    """One text message sent to a customer (SMS or WeChat template message), once per outbox message."""

    message = models.OneToOneField(
        OutboxMessage, on_delete=models.PROTECT, related_name="customer_message", verbose_name=_("发件箱消息")
    )
    template_key = models.CharField(_("模板"), max_length=64)
    case_number = models.CharField(_("案件号"), max_length=32, blank=True, db_index=True)
    phone = models.CharField(_("手机号"), max_length=32)
    text = models.TextField(_("内容"))
    backend = models.CharField(_("发送通道"), max_length=64)
    provider_ref = models.CharField(_("通道回执"), max_length=128, blank=True)
    sent_at = models.DateTimeField(_("发送时间"))

    class Meta:
        verbose_name = _("客户消息")
        verbose_name_plural = _("客户消息记录")
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.case_number} · {self.template_key}"
