"""The benchmark's staff: one user per role, each in its role's group, and the intake API token."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

ROLES = {
    "intake": "录入客服",
    "reviewer": "医学审核",
    "coordinator": "调度协调",
    "manager": "运营管理",
}


def bench_users_ensure() -> dict[str, int]:
    """Role key → user id; creates the users (no usable password: the runner logs them in directly)."""
    ids = {}
    for key, group_name in ROLES.items():
        user, created = get_user_model().objects.get_or_create(
            username=f"bench-{key}", defaults={"first_name": group_name, "is_staff": True}
        )
        if created:
            user.set_unusable_password()
            user.save()
        user.groups.add(Group.objects.get(name=group_name))
        ids[key] = user.pk
    return ids


def bench_intake_token() -> str:
    user = get_user_model().objects.get(username="bench-intake")
    from audit.tokens import api_token_issue

    return api_token_issue(user=user)
