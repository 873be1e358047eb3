from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q


class ThrottledLoginBackend(AxesStandaloneBackend):
    """django-axes' lockout check for logins that come with an HTTP request (admin, API).

    Authentication without a request — the shell, management commands, the test client's
    ``login()`` — has no remote party to throttle, so it passes through to the next backend
    instead of failing as the stock backend does.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        from audit.lockout import address_sprayed

        if address_sprayed(request):
            # One address guessing at many users (password spraying): refused like a locked pair.
            request.axes_locked_out = True
            request.axes_credentials = {"username": username}
            raise AxesBackendPermissionDenied("too many failed logins from this address")
        return super().authenticate(request, username=username, password=password, **kwargs)


class PermissionBackend(ModelBackend):
    """Django's model backend, with a user's own and group permissions read in one query.

    Every API request authenticates afresh, and the stock backend spends two queries (direct and
    group permissions) on the first ``has_perm``; the answer is the same set.
    """

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                return super().get_all_permissions(user_obj, obj)
            held = Q(user=user_obj) | Q(group__user=user_obj)
            rows = Permission.objects.filter(held).values_list("content_type__app_label", "codename").distinct()
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache
