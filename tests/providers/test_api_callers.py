"""Each API admits only its own callers: a provider's token on the staff case API, a channel's token
on staff decisions, and a staff token on the provider API are all refused (docs/security.md)."""

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEvent
from cases.models import Case, CaseState, Channel
from providers.models import ProviderMember
from tests.factories.audit import api_key
from tests.factories.cases import CaseFactory, UserFactory, role_user
from tests.providers.conftest import attach_document, dispatched_case

pytestmark = pytest.mark.django_db


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return client


@pytest.fixture
def channel_client():
    """The WeChat back end: an API-only user (no back-office login) holding the intake permissions."""
    return _token_client(UserFactory(username="wechat-backend", is_staff=False, role="intake"))


def test_provider_token_cannot_pause_its_own_sla_clock_on_the_staff_api(client_a, provider_a, coordinator):
    case = dispatched_case(provider=provider_a, actor=coordinator)
    client_a.post(f"/api/v1/provider/cases/{case.number}/accept")

    response = client_a.post(f"/api/v1/cases/{case.number}/actions/await_customer", {"note": "等客户"}, format="json")

    assert response.status_code == 403
    assert "服务商" in response.json()["detail"]
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED


def test_provider_token_cannot_read_cases_on_the_staff_api(client_a, provider_a, coordinator):
    case = dispatched_case(provider=provider_a, actor=coordinator)
    attach_document(case)

    response = client_a.get(f"/api/v1/cases/{case.number}")

    assert response.status_code == 403
    assert "病历" not in response.content.decode()


def test_provider_token_cannot_look_up_entitlements(client_a, provider_a):
    response = client_a.get("/api/v1/entitlements", {"id_number": "11010519491231002X"})
    assert response.status_code == 403


def test_channel_token_cannot_take_staff_decisions(channel_client, provider_a, coordinator):
    case = dispatched_case(provider=provider_a, actor=coordinator)

    response = channel_client.post(f"/api/v1/cases/{case.number}/actions/cancel", {"note": "x"}, format="json")

    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).state == CaseState.DISPATCHED


def test_channel_reads_only_its_own_channels_cases_and_the_read_is_audited(channel_client):
    own = CaseFactory(channel=Channel.WECHAT)
    hotline = CaseFactory(channel=Channel.HOTLINE)

    assert channel_client.get(f"/api/v1/cases/{own.number}").status_code == 200
    assert channel_client.get(f"/api/v1/cases/{hotline.number}").status_code == 404
    assert AuditEvent.objects.filter(action="case_view", object_id=str(own.pk)).count() == 1


def test_staff_token_reads_a_case_on_the_staff_api_and_leaves_an_audit_row():
    case = CaseFactory(channel=Channel.HOTLINE)
    staff = role_user("coordinator")

    response = _token_client(staff).get(f"/api/v1/cases/{case.number}")

    assert response.status_code == 200
    row = AuditEvent.objects.get(action="case_view", object_id=str(case.pk))
    assert row.actor_id == staff.pk


def test_staff_token_is_refused_on_the_provider_api_even_with_a_member_row(provider_a):
    staff = role_user("coordinator", "staff-with-member")
    ProviderMember.objects.create(user=staff, provider=provider_a)

    response = _token_client(staff).get("/api/v1/provider/cases")

    assert response.status_code == 403
