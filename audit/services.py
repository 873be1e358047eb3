"""Writing the audit trail. Every other app records through ``audit_record``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import HttpRequest

from audit.models import AuditAction, AuditEvent
from config.rows import insert_rows

MAX_USER_AGENT = 300
REVEAL_PERMISSION = "audit.reveal_personal_data"
EXPORT_PERMISSION = "audit.export_personal_data"


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address. Behind ``AUDIT_PROXY_COUNT`` trusted proxies (each appending to
    X-Forwarded-For) the address the nearest trusted proxy saw; never a value the client chose."""
    if request is None:
        return None
    proxies = int(getattr(settings, "AUDIT_PROXY_COUNT", 0))
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def _actor_fields(actor: Any, request: HttpRequest | None) -> tuple[int | None, str]:
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, ""
    return actor.pk, actor.get_username()


def _object_fields(obj: models.Model | None) -> dict[str, str]:
    if obj is None:
        return {}
    return {
        "object_type": obj._meta.label_lower,
        "object_id": str(obj.pk) if obj.pk is not None else "",
        "object_repr": str(obj)[:200],
    }


@transaction.atomic(savepoint=False)  # part of the caller's transaction: no savepoint of its own
def audit_record(
    *,
    actor: Any = None,
    action: str,
    obj: models.Model | None = None,
    summary: str = "",
    request: HttpRequest | None = None,
    extra: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one row to the audit trail. ``actor`` is the user (None: the request's user, or the
    system); ``action`` one of ``AuditAction`` or a more specific dotted name; ``obj`` the model
    instance acted on. Written in the caller's transaction: an action rolled back leaves no row."""
    if not action or len(action) > 64:
        raise ValueError("action: 必须是 1–64 个字符的动作名称")
    actor_id, username = _actor_fields(actor, request)
    user_agent = request.META.get("HTTP_USER_AGENT", "")[:MAX_USER_AGENT] if request is not None else ""
    return AuditEvent.objects.create(
        actor_id=actor_id,
        actor_username=username,
        action=action,
        summary=summary,
        ip=client_ip(request),
        user_agent=user_agent,
        extra=extra or {},
        **_object_fields(obj),
    )


def audit_record_many(*, actor: Any, action: str, entries: list[tuple[models.Model, str, dict]]) -> None:
    """Several rows of one actor and action in one INSERT: (object, summary, extra) each."""
    actor_id, username = _actor_fields(actor, None)
    insert_rows(
        [
            AuditEvent(
                actor_id=actor_id,
                actor_username=username,
                action=action,
                summary=summary,
                extra=extra,
                **_object_fields(obj),
            )
            for obj, summary, extra in entries
        ]
    )


def personal_data_reveal(*, actor: Any, obj: models.Model, field: str, request: HttpRequest | None = None) -> str:
    """The full value of a masked field (ID number, phone) for a user whose role needs it.

    Every reveal is recorded; so is every refusal, before PermissionDenied is raised (outside any
    transaction of ours, so the refusal's row is kept)."""
    model_field = obj._meta.get_field(field)
    label = model_field.verbose_name if isinstance(model_field, models.Field) else field
    details = {"actor": actor, "obj": obj, "request": request, "extra": {"field": field}}
    if not (actor and actor.is_active and actor.has_perm(REVEAL_PERMISSION)):
        audit_record(action=AuditAction.REVEAL_REFUSED, summary=f"无权查看完整{label}", **details)
        raise PermissionDenied(f"{field}: 当前角色无权查看完整{label}")
    audit_record(action=AuditAction.REVEAL, summary=f"查看完整{label}", **details)
    return str(getattr(obj, field))


def personal_data_may_export(*, user: Any) -> bool:
    """Whether an export for this user may carry unmasked ID numbers and phones."""
    return bool(user and user.is_active and user.has_perm(EXPORT_PERMISSION))
