"""Who is calling an API: staff, a provider's system, or a customer channel's back end.

Each API admits only its own callers (docs/security.md): a provider's token reaches the provider API
and nothing else; the WeChat back end's token submits requests and reads the status of requests made
on its channel; staff APIs (case decisions, entitlement look-ups) answer staff only.

- provider: a user with a ``providers.ProviderMember`` row (active or not);
- channel: an API-only user (``is_staff`` off) that is no provider, e.g. the WeChat back end;
- staff: a user who may enter the back office (``is_staff`` on) and is no provider.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from rest_framework.permissions import BasePermission

STAFF, PROVIDER, CHANNEL = "staff", "provider", "channel"


def api_caller_kind(user) -> str | None:
    if not (user and user.is_authenticated and user.is_active):
        return None
    # Any member row, active or not: a deactivated provider user never becomes a channel or staff.
    # (The token check loads the relation with the user; a session user costs one query.)
    try:
        user.provider_member  # noqa: B018
    except ObjectDoesNotExist:
        return STAFF if user.is_staff else CHANNEL
    return PROVIDER


class CallerIs(BasePermission):
    """Admit only the caller kinds named; the others get 403 naming who may call."""

    kinds: tuple[str, ...] = ()
    message = "该接口不接受此类调用方的凭据"

    def has_permission(self, request, view) -> bool:
        return api_caller_kind(request.user) in self.kinds


class StaffCaller(CallerIs):
    kinds = (STAFF,)
    message = "该接口仅供后台工作人员使用，服务商与渠道凭据不可调用"


class StaffOrChannelCaller(CallerIs):
    kinds = (STAFF, CHANNEL)
    message = "该接口不接受服务商凭据"


class ProviderCaller(CallerIs):
    kinds = (PROVIDER,)
    message = "仅服务商接口用户可访问"
