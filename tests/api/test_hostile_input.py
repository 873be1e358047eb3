"""Input found to answer 500, each answered 400/404/413 as it should; personal-data API answers
kept out of shared caches; error pages without personal data."""

import pytest
from django.test import RequestFactory

from tests.factories.audit import StaffFactory, api_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    client.raise_request_exception = False
    client.force_login(StaffFactory(is_superuser=True))
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/cases/%00/",
        "/cases/LB%00/documents/1/",
        "/board/cases/%00/",
        "/admin/cases/case/%00/change/",
        "/api/v1/cases/%00",
    ],
)
def test_a_nul_in_the_path_is_not_found(superuser_client, url):
    assert superuser_client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/admin/audit/auditevent/?at__year=99999999999999999999",
        "/admin/audit/auditevent/?at__year=9999&at__month=12&at__day=31",
        "/admin/cases/case/?submitted_at__year=9999999999",
    ],
)
def test_a_year_overflow_in_an_admin_filter_is_a_bad_request(superuser_client, url):
    assert superuser_client.get(url).status_code == 400


def test_a_report_over_every_representable_date_names_the_fields(superuser_client):
    response = superuser_client.get("/reports/", {"date_from": "0001-01-01", "date_to": "9999-12-31"})
    assert response.status_code == 400
    errors = response.context["filter"].form.errors
    assert "date_from" in errors and "date_to" in errors


def test_a_decade_long_report_is_refused_naming_the_limit(superuser_client):
    response = superuser_client.get("/reports/", {"date_from": "2000-01-01", "date_to": "2030-12-31"})
    assert response.status_code == 400 and "年" in response.context["filter"].form.errors["date_to"][0]


def test_deeply_nested_json_is_a_bad_request_in_json(api_client):
    api_client.raise_request_exception = False
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(StaffFactory(role='intake'))}")
    response = api_client.generic(
        "POST", "/api/v1/cases", "[" * 100_000 + "]" * 100_000, content_type="application/json"
    )
    assert response.status_code == 400 and "嵌套" in response.json()["detail"]


def test_an_oversized_json_body_is_413_in_json(api_client, settings):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(StaffFactory(role='intake'))}")
    length = str(settings.REQUEST_MAX_BYTES + 1)
    response = api_client.generic(
        "POST", "/api/v1/cases", b"{}", content_type="application/json", CONTENT_LENGTH=length
    )
    assert response.status_code == 413 and response["Content-Type"] == "application/json"


def test_personal_data_api_answers_are_private_and_vary_by_credentials(api_client, family_enrollment):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(StaffFactory(role='intake'))}")
    response = api_client.post(
        "/api/v1/entitlements", {"id_number": family_enrollment.insured.id_number}, format="json"
    )
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert "Authorization" in response["Vary"]


@pytest.fixture
def family_enrollment():
    from tests.factories.entitlements import EnrollmentFactory

    return EnrollmentFactory()


def test_the_technical_error_page_shows_no_id_phone_or_diagnosis(settings):
    """DEBUG's 500 page, as a developer (or an attacker who found DEBUG on) would see it. The values
    are assembled at run time: the page also shows the source lines around each frame."""
    import sys

    from django.views.debug import technical_500_response

    settings.DEBUG = True
    id_number, phone, diagnosis = "3101041975" + "04122016", "138" + "16620431", "肺恶性" + "肿瘤"
    request = RequestFactory().post(
        f"/api/v1/cases?id_number={id_number}",
        {"beneficiary_id_number": id_number, "diagnosis": diagnosis, "phone": phone},
        HTTP_COOKIE="sessionid=" + "secret-" + "session",
    )
    request.user = None
    try:
        raise ValueError("boom")
    except ValueError:
        page = technical_500_response(request, *sys.exc_info()).content.decode()
    for value in (id_number, phone, diagnosis, "secret-" + "session"):
        assert value not in page
    assert "ValueError" in page  # the page rendered in full
