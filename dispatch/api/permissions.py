from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from dispatch.selectors import provider_for_user
from providers.models import Provider


class IsProviderMember(BasePermission):
    """Only a provider's active API users; the provider is attached to the request for the view."""

    message = "仅服务商接口用户可访问"

    def has_permission(self, request, view) -> bool:
        # Staff are refused even if a member row was attached to them: the provider API is for
        # providers' systems, never a second door into the back office.
        if getattr(request.user, "is_staff", False):
            request.provider = None
            return False
        provider = provider_for_user(user=request.user)
        request.provider = provider
        return provider is not None


def request_provider(request: Request) -> Provider:
    """The provider ``IsProviderMember`` attached to the request (views behind it only)."""
    provider = request.provider  # type: ignore[attr-defined]  # set by IsProviderMember.has_permission
    assert isinstance(provider, Provider)  # noqa: S101 — the permission refused the request otherwise
    return provider
