"""Intake from the inquiry (issue 15 item 5): pre-filled, the person's cases shown, a duplicate
confirmed explicitly, a form or API call sent twice creating one case."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from cases.models import Case, IntakeKey
from tests.factories.audit import api_key
from tests.factories.cases import CaseFactory, service

pytestmark = pytest.mark.django_db
SERVICE = "top3a-expert-appointment"


@pytest.fixture
def enrollment(enroll):
    return enroll("2021-premium-1")


def _form(enrollment, **extra):
    data = {
        "channel": "hotline",
        "beneficiary": enrollment.insured.pk,
        "service": SERVICE,
        "applicant_relation": "self",
        "city": "上海",
        "preferred_hospital": "复旦大学附属中山医院",
        "preferred_department": "心内科",
        "intake_key": "k-1",
    }
    return {**data, **extra}


def _intake_grant(intake):
    from django.contrib.auth.models import Permission

    intake.user_permissions.add(
        Permission.objects.get(codename="view_person"), Permission.objects.get(codename="reveal_personal_data")
    )
    return intake


def test_the_inquiry_offers_to_start_a_request_for_a_service(client, intake, enrollment):
    client.force_login(_intake_grant(intake))
    page = client.post("/admin/entitlements/person/inquiry/", {"query": enrollment.insured.id_number})
    html = page.content.decode()
    link = f"/admin/cases/case/add/?person={enrollment.insured.pk}&amp;service={SERVICE}&amp;enrollment={enrollment.pk}"
    assert "为此服务发起申请" in html and link in html
    assert enrollment.insured.id_number not in html.split("为此服务发起申请")[0].split("<h2>")[-1]


def test_the_hotline_form_opens_pre_filled_without_the_id_number(client, intake, enrollment):
    client.force_login(intake)
    page = client.get(reverse("admin:cases_case_add"), {"person": enrollment.insured.pk, "service": SERVICE})
    html = page.content.decode()
    form = page.context["form"]
    assert form.initial["service"] == SERVICE and form.initial["beneficiary"] == enrollment.insured.pk
    assert enrollment.insured.name in html and enrollment.insured.id_number not in html
    assert 'name="intake_key"' in html and form.initial["intake_key"]


def test_a_pre_filled_form_submits_for_the_chosen_person(client, intake, enrollment):
    client.force_login(intake)
    client.post(reverse("admin:cases_case_add"), _form(enrollment))
    case = Case.objects.get()
    assert case.beneficiary == enrollment.insured and case.service.code == SERVICE


def test_the_inquiry_and_the_person_page_list_open_and_recent_cases(client, intake, enrollment):
    open_case = CaseFactory(enrollment=enrollment, service=service(SERVICE))
    client.force_login(_intake_grant(intake))
    inquiry = client.post(
        "/admin/entitlements/person/inquiry/", {"query": enrollment.insured.id_number}
    ).content.decode()
    person_page = client.get(f"/admin/entitlements/person/{enrollment.insured.pk}/change/").content.decode()
    for html in (inquiry, person_page):
        assert "该客户的案件" in html and open_case.number in html and "办理中" in html


def test_a_second_request_for_the_same_service_asks_for_confirmation(client, intake, enrollment):
    client.force_login(intake)
    client.post(reverse("admin:cases_case_add"), _form(enrollment))
    first = Case.objects.get()

    warned = client.post(reverse("admin:cases_case_add"), _form(enrollment, intake_key="k-2"))
    html = warned.content.decode()
    assert Case.objects.count() == 1
    assert "confirm_duplicate" in warned.context["form"].errors and first.number in html
    assert reverse("admin:cases_case_change", args=[first.pk]) in html

    client.post(reverse("admin:cases_case_add"), _form(enrollment, intake_key="k-2", confirm_duplicate="on"))
    assert Case.objects.count() == 2


def test_a_form_sent_twice_creates_one_case(client, intake, enrollment):
    client.force_login(intake)
    first = client.post(reverse("admin:cases_case_add"), _form(enrollment))
    again = client.post(reverse("admin:cases_case_add"), _form(enrollment), follow=True)
    assert Case.objects.count() == 1 and IntakeKey.objects.count() == 1
    assert first.status_code == 302 and "该申请已提交过" in again.content.decode()


def test_a_refused_submission_leaves_its_key_free_for_the_corrected_form(client, intake, enrollment):
    client.force_login(intake)
    client.post(reverse("admin:cases_case_add"), _form(enrollment, city=""))
    assert not IntakeKey.objects.exists()
    client.post(reverse("admin:cases_case_add"), _form(enrollment))
    assert Case.objects.count() == 1


def _api_body(enrollment, **extra):
    return {
        "beneficiary_id_number": enrollment.insured.id_number,
        "service": SERVICE,
        "city": "上海",
        "preferred_hospital": "复旦大学附属中山医院",
        "preferred_department": "心内科",
        **extra,
    }


def test_the_api_replays_a_request_sent_again_with_its_key(api_client, intake, enrollment):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(intake)}")
    first = api_client.post("/api/v1/cases", _api_body(enrollment), format="json", HTTP_IDEMPOTENCY_KEY="abc")
    again = api_client.post("/api/v1/cases", _api_body(enrollment), format="json", HTTP_IDEMPOTENCY_KEY="abc")
    assert first.status_code == 201 and again.status_code == 200
    assert again["Idempotent-Replayed"] == "true" and again.json()["number"] == first.json()["number"]
    assert Case.objects.count() == 1


def test_the_api_refuses_a_key_reused_for_another_request(api_client, intake, enrollment):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(intake)}")
    api_client.post("/api/v1/cases", _api_body(enrollment), format="json", HTTP_IDEMPOTENCY_KEY="abc")
    other = api_client.post(
        "/api/v1/cases", _api_body(enrollment, city="北京"), format="json", HTTP_IDEMPOTENCY_KEY="abc"
    )
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert Case.objects.count() == 1


def test_the_api_answers_409_duplicate_unless_confirmed(api_client, intake, enrollment):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(intake)}")
    first = api_client.post("/api/v1/cases", _api_body(enrollment), format="json")
    duplicate = api_client.post("/api/v1/cases", _api_body(enrollment), format="json")
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "duplicate"
    assert duplicate.json()["cases"] == [first.json()["number"]]
    confirmed = api_client.post("/api/v1/cases", _api_body(enrollment, confirm_duplicate=True), format="json")
    assert confirmed.status_code == 201 and Case.objects.count() == 2


def test_the_409_names_every_open_case_of_the_service_newest_first(api_client, intake, enrollment):
    """The person's open cases are read with the person, before the new case is written: each is
    named, newest first; a closed one is not, and another service's is not."""
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(intake)}")
    first = api_client.post("/api/v1/cases", _api_body(enrollment), format="json").json()["number"]
    second = api_client.post("/api/v1/cases", _api_body(enrollment, confirm_duplicate=True), format="json")
    third = api_client.post("/api/v1/cases", _api_body(enrollment, confirm_duplicate=True), format="json")
    Case.objects.filter(number=third.json()["number"]).update(state="withdrawn")
    duplicate = api_client.post("/api/v1/cases", _api_body(enrollment), format="json")
    assert duplicate.status_code == 409
    assert duplicate.json()["cases"] == [second.json()["number"], first]
    assert Case.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submissions_of_one_form_create_one_case(intake, enroll, calendar_and_media):
    from django.test import Client

    enrollment = enroll("2021-premium-1")
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def send():
        client = Client()
        client.force_login(intake)
        barrier.wait()
        try:
            codes.append(client.post(reverse("admin:cases_case_add"), _form(enrollment, intake_key="race")).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [302, 302]
    assert Case.objects.filter(beneficiary=enrollment.insured).count() == 1


def test_the_inquiry_and_the_duplicate_check_agree_on_which_cases_are_over():
    from cases.states import FINAL
    from entitlements.selectors import CASE_ENDED_STATES

    assert set(CASE_ENDED_STATES) == {str(state) for state in FINAL}
