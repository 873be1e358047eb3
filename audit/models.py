"""The audit trail: append-only rows of who did what, when and from where.

Rows are written only by ``audit.services.audit_record``. The model refuses to save a row twice or
to delete one, the queryset refuses bulk update/delete, and on PostgreSQL a trigger refuses
UPDATE and DELETE from any client, the application's raw SQL included. The application's database
role may only INSERT and SELECT the table (``manage.py audit grant``), and an insert trigger chains
each row to the one before it (``chain_seq``, ``prev_hash``, ``row_hash``) and stamps its time, so
``manage.py audit verify`` finds a row deleted, altered or slipped in out of order by the owner.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditImmutableError(Exception):
    """An audit row may be written once and never changed or removed."""

    def __init__(self, operation: str) -> None:
        super().__init__(f"审计记录只能追加，不能{operation}。")


class AuditAction(models.TextChoices):
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKOUT = "lockout", _("登录锁定")
    LOGOUT = "logout", _("退出")
    TRANSITION = "transition", _("状态流转")
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    REVEAL = "reveal", _("查看完整个人信息")
    REVEAL_REFUSED = "reveal_refused", _("查看完整个人信息被拒")
    EXPORT = "export", _("导出")
    API_CALL = "api_call", _("服务商接口调用")


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditImmutableError("修改")

    def delete(self):
        raise AuditImmutableError("删除")


class AuditEvent(models.Model):
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    # No foreign key: the trail must outlive the user, and deleting a user must not touch it.
    actor_id = models.BigIntegerField(_("操作人 ID"), null=True, blank=True)
    actor_username = models.CharField(_("操作人"), max_length=150, blank=True)
    action = models.CharField(_("动作"), max_length=64, choices=AuditAction.choices)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    object_id = models.CharField(_("对象 ID"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    summary = models.TextField(_("摘要"), blank=True)
    ip = models.GenericIPAddressField(_("来源 IP"), null=True, blank=True)
    user_agent = models.CharField(_("客户端"), max_length=300, blank=True)
    extra = models.JSONField(_("附加信息"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    # Set by the database's insert trigger (audit/migrations/0004), whatever the client sends.
    chain_seq = models.BigIntegerField(_("链序号"), null=True, blank=True, unique=True, editable=False)
    prev_hash = models.CharField(_("前一条摘要"), max_length=64, blank=True, editable=False, db_default="")
    row_hash = models.CharField(_("本条摘要"), max_length=64, blank=True, editable=False, db_default="")

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["action", "at"], name="audit_action_at_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor_id", "at"], name="audit_actor_at_idx"),
        ]
        permissions = [
            ("reveal_personal_data", "查看完整身份证号与手机号"),
            ("export_personal_data", "导出未脱敏的个人信息"),
        ]

    def __str__(self) -> str:
        when = timezone.localtime(self.at)
        return f"{when:%Y-%m-%d %H:%M:%S} {self.actor_username or '-'} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditImmutableError("修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutableError("删除")


class ApiToken(models.Model):
    """An API credential. Only the SHA-256 of the key is kept: the key itself is shown once, on the
    page (or command output) that issued it. Tokens expire, are rotated by issuing a new one (the
    user's others are revoked at once), and are refused for inactive users and provider members."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("用户")
    )
    digest = models.CharField(_("摘要"), max_length=64, unique=True)
    prefix = models.CharField(_("前缀"), max_length=8, help_text=_("令牌的前 8 个字符，便于辨认"))
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"))
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} · {self.prefix}…"
