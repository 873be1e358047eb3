import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from providers.services import provider_member_create, provider_member_deactivate, provider_member_token_reset
from tests.providers.conftest import dispatched_case

pytestmark = pytest.mark.django_db


def _client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_new_api_user_can_act_on_its_providers_cases(provider_a, coordinator):
    member = provider_member_create(provider=provider_a, username="chenxi-api")
    case = dispatched_case(provider=provider_a, actor=coordinator)
    client = _client(member.user.auth_token.key)
    assert client.post(f"/api/v1/provider/cases/{case.number}/accept").status_code == 200
    assert not member.user.has_usable_password()


def test_token_reset_revokes_the_old_token(provider_a):
    member = provider_member_create(provider=provider_a, username="chenxi-api")
    old = member.user.auth_token.key
    new = provider_member_token_reset(member=member).key
    assert old != new
    assert _client(old).get("/api/v1/provider/cases").status_code == 401
    assert _client(new).get("/api/v1/provider/cases").status_code == 200


def test_deactivated_member_has_no_token(provider_a):
    member = provider_member_create(provider=provider_a, username="chenxi-api")
    provider_member_deactivate(member=member)
    assert not Token.objects.filter(user=member.user).exists()


def test_member_of_a_provider_no_longer_in_business_is_refused(provider_a, client_a):
    provider_a.active = False
    provider_a.save()
    assert client_a.get("/api/v1/provider/cases").status_code == 403
