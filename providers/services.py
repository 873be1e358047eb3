"""Provider members: the API users a provider's systems sign in as, and their tokens."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from rest_framework.authtoken.models import Token

from audit.roles import role_by_key
from providers.models import Provider, ProviderMember


def _provider_group() -> Group:
    """The portal's 服务商 role group (audit.roles keeps its permissions in line with the role table)."""
    group, _ = Group.objects.get_or_create(name=role_by_key("provider").name)
    group.permissions.add(Permission.objects.get(content_type__app_label="cases", codename="provider_act"))
    return group


@transaction.atomic
def provider_member_create(*, provider: Provider, username: str, email: str = "") -> ProviderMember:
    """Create an API user for a provider, with its token. The user cannot sign in to the portal."""
    user = get_user_model().objects.create_user(username=username, email=email)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    user.groups.add(_provider_group())
    member = ProviderMember.objects.create(user=user, provider=provider)
    Token.objects.create(user=user)
    return member


@transaction.atomic
def provider_member_token_reset(*, member: ProviderMember) -> Token:
    """Replace the member's token: the old one stops working at once (one token per user)."""
    Token.objects.filter(user=member.user).delete()
    return Token.objects.create(user=member.user)


@transaction.atomic
def provider_member_deactivate(*, member: ProviderMember) -> ProviderMember:
    member.active = False
    member.save(update_fields=["active"])
    Token.objects.filter(user=member.user).delete()
    return member
