"""The provider API's trail: every write and every read of personal data, with its outcome."""

from typing import cast

from django.contrib.auth.models import User
from rest_framework.request import Request
from rest_framework.response import Response

from audit.models import AuditAction
from audit.services import audit_record
from dispatch.api.idempotency import HEADER
from providers.models import ProviderApiLog


def api_log_record(
    *,
    request: Request,
    action: str,
    number: str,
    response: Response | None = None,
    status_code: int | None = None,
    replayed: bool = False,
) -> ProviderApiLog:
    code = response.status_code if response is not None else status_code
    if code is None:
        raise TypeError("api_log_record needs the response or its status code")
    log = ProviderApiLog.objects.create(
        # Behind the provider API's IsProviderMember: the user is a signed-in provider member.
        user=cast(User, request.user),
        provider=getattr(request, "provider", None),
        method=request.method or "",
        path=request.path[:255],
        case_number=number[:32],
        action=action,
        status_code=code,
        idempotency_key=request.headers.get(HEADER, "")[:128],
        replayed=replayed,
    )
    _audit(request=request, log=log)
    return log


def _audit(*, request: Request, log: ProviderApiLog) -> None:
    # The portal-wide trail gets the same line, so one place answers "who saw or changed this case".
    summary = f"服务商接口 {log.method} {log.action} {log.case_number} → {log.status_code}"
    extra = {"provider": log.provider.code if log.provider else "", "replayed": log.replayed, "path": log.path}
    audit_record(actor=request.user, action=AuditAction.API_CALL, summary=summary, request=request, extra=extra)
