"""Each role against the portal's own pages and the provider API (the admin pages are covered
model by model in test_roles)."""

import pytest
from django.urls import reverse

from tests.factories.audit import api_key
from tests.factories.providers import ProviderMemberFactory

pytestmark = pytest.mark.django_db

ROLES = ["intake", "reviewer", "coordinator", "manager", "provider", "catalogue_admin"]
BOARD = {"intake": 200, "reviewer": 200, "coordinator": 200, "manager": 200, "provider": 403, "catalogue_admin": 403}


def _user(staff, role):
    if role != "provider":
        return staff(role)
    user = staff("provider", is_staff=False)
    ProviderMemberFactory(user=user)
    return user


@pytest.mark.parametrize("role", ROLES)
def test_dispatch_board_opens_only_for_roles_that_see_cases(client, staff, role):
    client.force_login(_user(staff, role))
    assert client.get(reverse("dispatch:board")).status_code == BOARD[role]


@pytest.mark.parametrize("role", ROLES)
def test_provider_api_answers_only_provider_tokens(api_client, staff, role):
    user = _user(staff, role)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    response = api_client.get(reverse("provider-api:cases"))
    assert response.status_code == (200 if role == "provider" else 403)


def test_anonymous_is_sent_to_login_from_the_board(client):
    response = client.get(reverse("dispatch:board"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
