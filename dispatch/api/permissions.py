from rest_framework.permissions import BasePermission

from dispatch.selectors import provider_for_user


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
