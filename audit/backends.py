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


def _held(user) -> Q:
    return Q(user=user) | Q(group__user=user)


# The user's permissions, own and through groups, as ``app_label.codename``: the set
# ``PermissionBackend.get_all_permissions`` reads (a test holds them equal), written out so that
# the token's statement (audit.tokens) reads it beside the token.
PERMISSIONS_SQL = """ARRAY(
    SELECT ct.app_label || '.' || p.codename FROM auth_permission p
    JOIN django_content_type ct ON ct.id = p.content_type_id
    WHERE p.id IN (SELECT permission_id FROM auth_user_user_permissions WHERE user_id = {user})
       OR p.id IN (SELECT gp.permission_id FROM auth_user_groups ug
                   JOIN auth_group_permissions gp ON gp.group_id = ug.group_id WHERE ug.user_id = {user}))"""


def permissions_preload(user, names: list[str]) -> None:
    """Give ``user`` the permission set ``get_all_permissions`` would read (``permissions_of``)."""
    if not user.is_superuser:  # a superuser's answer is every permission: left to the backend
        user._perm_cache = set(names)


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
            rows = Permission.objects.filter(_held(user_obj)).values_list("content_type__app_label", "codename")
            rows = rows.distinct()
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache
