"""Writes about providers: API users and their tokens."""

from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework.authtoken.models import Token

from providers.models import Provider, ProviderMember


@transaction.atomic
def provider_member_create(*, provider: Provider, username: str, email: str = "") -> ProviderMember:
    """Create an API user for a provider, with its token. The user cannot sign in to the portal."""
    user = get_user_model().objects.create_user(username=username, email=email)
    user.set_unusable_password()
    user.save(update_fields=["password"])
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
