"""Provider members: the API users a provider's systems sign in as, and their tokens."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from audit.roles import role_by_key
from audit.tokens import api_token_issue, api_token_revoke_all
from providers.models import Provider, ProviderMember


def _provider_group() -> Group:
    """The portal's 服务商 role group (audit.roles keeps its permissions in line with the role table)."""
    group, _ = Group.objects.get_or_create(name=role_by_key("provider").name)
    group.permissions.add(Permission.objects.get(content_type__app_label="cases", codename="provider_act"))
    return group


@transaction.atomic
def provider_member_create(*, provider: Provider, username: str, email: str = "") -> ProviderMember:
    """Create an API user for a provider (no token yet: "重置 API 令牌" issues one and shows it once).
    The user cannot sign in to the portal."""
    user = get_user_model().objects.create_user(username=username, email=email)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    user.groups.add(_provider_group())
    return ProviderMember.objects.create(user=user, provider=provider)


def provider_member_token_reset(*, member: ProviderMember, actor=None) -> str:
    """Issue the member a new token and return its key (to be shown once); the old one stops
    working at once (one token per user)."""
    return api_token_issue(user=member.user, actor=actor)


@transaction.atomic
def provider_member_deactivate(*, member: ProviderMember, actor=None) -> ProviderMember:
    member.active = False
    member.save(update_fields=["active"])
    api_token_revoke_all(user=member.user, actor=actor)
    return member
