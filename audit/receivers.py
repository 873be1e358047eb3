"""What the audit trail hears without anyone calling it: logins, failed logins, lockouts, logouts
and the history-tracked edits of the catalogue, rules, providers and the working-day calendar."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_record

from audit.models import AuditAction
from audit.services import audit_record
from config.i18n import system_language

# Configuration edits worth a line in the trail (django-simple-history keeps the full diff).
AUDITED_HISTORY_MODELS = frozenset(
    {
        "entitlements.service",
        "entitlements.edition",
        "entitlements.editionrule",
        "entitlements.criticalillness",
        "entitlements.qualifyingproduct",
        "providers.provider",
        "providers.providercoverage",
        "providers.routingrule",
        "workdays.calendaryear",
        "workdays.calendarday",
    }
)
_HISTORY_ACTIONS = {"+": AuditAction.CREATE, "~": AuditAction.UPDATE, "-": AuditAction.DELETE}


def on_login(sender, request, user, **kwargs) -> None:
    audit_record(actor=user, action=AuditAction.LOGIN, summary="登录成功", request=request)


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Only the username is kept: credentials also carry the (already masked) password.
    username = str(credentials.get("username", ""))[:150]
    audit_record(
        action=AuditAction.LOGIN_FAILED,
        summary=f"登录失败：用户名 {username}",
        request=request,
        extra={"username": username},
    )


def on_logout(sender, request, user, **kwargs) -> None:
    audit_record(actor=user, action=AuditAction.LOGOUT, summary="退出登录", request=request)


def on_lockout(sender, request, username, ip_address, **kwargs) -> None:
    audit_record(
        action=AuditAction.LOCKOUT,
        summary=f"连续登录失败，已锁定：用户名 {username}",
        request=request,
        extra={"username": username, "ip_address": ip_address},
    )


@system_language
def on_history_record(sender, instance, history_instance, **kwargs) -> None:
    if instance._meta.label_lower not in AUDITED_HISTORY_MODELS:
        return
    action = _HISTORY_ACTIONS.get(history_instance.history_type, AuditAction.UPDATE)
    request = getattr(HistoricalRecords.context, "request", None)
    audit_record(
        actor=history_instance.history_user,
        action=action,
        obj=instance,
        summary=f"{action.label}{instance._meta.verbose_name}：{instance}",
        request=request,
        extra={"history_id": history_instance.pk},
    )


def connect() -> None:
    from axes.signals import user_locked_out

    user_logged_in.connect(on_login, dispatch_uid="audit_login")
    user_login_failed.connect(on_login_failed, dispatch_uid="audit_login_failed")
    user_logged_out.connect(on_logout, dispatch_uid="audit_logout")
    user_locked_out.connect(on_lockout, dispatch_uid="audit_lockout")
    post_create_historical_record.connect(on_history_record, dispatch_uid="audit_history")
