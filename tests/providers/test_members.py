import pytest
from rest_framework.test import APIClient

from audit.models import ApiToken
from audit.tokens import api_token_issue
from providers.services import provider_member_create, provider_member_deactivate, provider_member_token_reset
from tests.factories.audit import StaffFactory
from tests.providers.conftest import dispatched_case

pytestmark = pytest.mark.django_db


def _client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_new_api_user_can_act_on_its_providers_cases(provider_a, coordinator):
    member = provider_member_create(provider=provider_a, username="chenxi-api")
    case = dispatched_case(provider=provider_a, actor=coordinator)
    client = _client(provider_member_token_reset(member=member))
    assert client.post(f"/api/v1/provider/cases/{case.number}/accept").status_code == 200
    assert not member.user.has_usable_password()


def test_token_reset_revokes_the_old_token(provider_a):
    member = provider_member_create(provider=provider_a, username="chenxi-api")
    old = provider_member_token_reset(member=member)
    new = provider_member_token_reset(member=member)
    assert old != new
    assert _client(old).get("/api/v1/provider/cases").status_code == 401
    assert _client(new).get("/api/v1/provider/cases").status_code == 200


def test_tokens_are_stored_as_digests_only(provider_a):
    member = provider_member_create(provider=provider_a, username="chenxi-api")
    key = provider_member_token_reset(member=member)
    stored = ApiToken.objects.get(user=member.user, revoked_at__isnull=True)
    assert key not in (stored.digest, stored.prefix) and len(stored.digest) == 64
    assert key not in str(list(ApiToken.objects.values()))


def test_an_expired_token_is_refused(provider_a):
    member = provider_member_create(provider=provider_a, username="chenxi-api")
    key = api_token_issue(user=member.user, days=0)
    response = _client(key).get("/api/v1/provider/cases")
    assert response.status_code == 401 and "过期" in response.json()["detail"]


def test_deactivated_member_token_stops_working_even_if_it_was_kept(provider_a):
    """The attack: a member deactivated by a flag flip (no token revocation) kept authenticating."""
    member = provider_member_create(provider=provider_a, username="chenxi-api")
    key = provider_member_token_reset(member=member)
    member.active = False
    member.save(update_fields=["active"])  # the flag alone, as the admin's change form would do
    response = _client(key).get("/api/v1/provider/cases")
    assert response.status_code == 401 and "停用" in response.json()["detail"]
    provider_member_deactivate(member=member)
    assert not ApiToken.objects.filter(user=member.user, revoked_at__isnull=True).exists()


def test_member_of_a_provider_no_longer_in_business_is_refused(provider_a, client_a):
    provider_a.active = False
    provider_a.save()
    assert client_a.get("/api/v1/provider/cases").status_code in (401, 403)


def test_a_new_token_is_shown_once_on_a_page_never_in_the_messages_cookie(client, provider_a):
    member = provider_member_create(provider=provider_a, username="chenxi-api")
    client.force_login(StaffFactory(is_superuser=True))

    response = client.post(
        "/admin/providers/providermember/", {"action": "reset_token", "_selected_action": [member.pk]}
    )

    page = response.content.decode()
    key = page.split('class="api-token">')[1].split("<")[0]
    assert _client(key).get("/api/v1/provider/cases").status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "messages" not in response.cookies or key not in response.cookies["messages"].value
    assert key not in client.get("/admin/providers/providermember/").content.decode()
