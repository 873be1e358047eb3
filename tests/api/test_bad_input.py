"""Garbage a caller may send that once reached the database and answered 500: each is a 400 now."""

import json

import pytest

from tests.factories.audit import api_key
from tests.factories.cases import UserFactory, role_user
from tests.factories.entitlements import EnrollmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(api_client):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(UserFactory(is_superuser=True))}")
    return api_client


@pytest.fixture
def wechat(api_client):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(role_user('intake'))}")
    return api_client


@pytest.mark.parametrize("id_number", ["3101\x00011980", "¿\U000f01f3\x00ü>", "31010119800517001X\x00"])
def test_entitlement_inquiry_with_a_nul_in_the_id_number_is_a_400(staff, id_number):
    assert staff.post("/api/v1/entitlements", {"id_number": id_number}, format="json").status_code == 400


@pytest.mark.parametrize("id_number", ["¿ü>", "310101198005170011X", "310101198013170011"])
def test_entitlement_inquiry_with_a_malformed_id_number_names_the_field(staff, id_number):
    response = staff.post("/api/v1/entitlements", {"id_number": id_number}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["id_number"]


@pytest.mark.parametrize("field", ["city", "applicant_phone", "province", "diagnosis", "preferred_hospital"])
@pytest.mark.parametrize("text", ["Dw\ud910\udd1a\udafd", "上海\x00"])
def test_intake_with_unstorable_text_is_a_400_not_a_500(wechat, field, text):
    enrollment = EnrollmentFactory()
    body = {"beneficiary_id_number": enrollment.insured.id_number, "service": "ci-top3a-expert-appointment"}
    body.update({"city": "上海", field: text})

    # JSON escapes (\\udafd) carry lone surrogates that no UTF-8 text can hold.
    response = wechat.post("/api/v1/cases", json.dumps(body), content_type="application/json")

    assert response.status_code == 400, response.content[:300]


@pytest.mark.parametrize("text", ["\x00", "ci\x00"])
def test_intake_with_a_nul_in_a_code_field_is_a_400(wechat, text):
    enrollment = EnrollmentFactory()
    body = {"beneficiary_id_number": enrollment.insured.id_number, "service": "ci-top3a-expert-appointment"}
    body.update({"city": "上海", "critical_illness": text})

    response = wechat.post("/api/v1/cases", json.dumps(body), content_type="application/json")

    assert response.status_code == 400


def test_a_nul_in_any_api_query_string_is_a_400(staff):
    assert staff.get("/api/v1/catalog", {"q": "a\x00"}).status_code == 400
    assert staff.get("/api/v1/provider/cases", {"state\x00": "x"}).status_code == 400


def test_a_nul_in_a_form_encoded_intake_is_a_400(wechat):
    body = "service=ci%00top3a&city=%1E%C3%A8&beneficiary_id_number=%0C"

    response = wechat.post("/api/v1/cases", body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400


def test_an_absurd_page_limit_is_capped_not_a_500(api_client):
    from django.contrib.auth.models import Permission

    from cases.models import CaseState
    from tests.factories.cases import CaseFactory
    from tests.factories.providers import ProviderFactory, ProviderMemberFactory

    member = ProviderMemberFactory(provider=ProviderFactory())
    member.user.user_permissions.add(Permission.objects.get(content_type__app_label="cases", codename="provider_act"))
    CaseFactory(state=CaseState.DISPATCHED, provider=member.provider)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(member.user)}")

    response = api_client.get("/api/v1/provider/cases", {"limit": "1527486057706532633197936640", "offset": "-1"})

    assert response.status_code == 200
    assert response.json()["count"] == 1
