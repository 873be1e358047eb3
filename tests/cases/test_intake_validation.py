"""Validation where people type (issue 15 item 6): each error beside its field, naming the reason."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from cases.models import Case, CaseState
from cases.sla import local_today
from cases.workflow import ACTIONS
from tests.factories.audit import api_key
from tests.factories.cases import CaseFactory
from tests.factories.entitlements import make_id_number

pytestmark = pytest.mark.django_db
SERVICE = "top3a-expert-appointment"


@pytest.fixture
def enrollment(enroll):
    return enroll("2021-premium-1")


def _form(enrollment, **extra):
    return {
        "channel": "hotline",
        "beneficiary": enrollment.insured.pk,
        "service": SERVICE,
        "applicant_relation": "self",
        "city": "上海",
        "preferred_hospital": "复旦大学附属中山医院",
        "preferred_department": "心内科",
        **extra,
    }


def test_a_preferred_date_in_the_past_is_refused_beside_its_field(client, intake, enrollment):
    client.force_login(intake)
    yesterday = local_today() - datetime.timedelta(days=1)
    response = client.post(reverse("admin:cases_case_add"), _form(enrollment, preferred_date_from=yesterday))
    errors = response.context["form"].errors
    assert "不能早于今天" in errors["preferred_date_from"][0] and not Case.objects.exists()


def test_a_preferred_range_ending_before_it_starts_is_refused(client, intake, enrollment):
    client.force_login(intake)
    start = local_today() + datetime.timedelta(days=5)
    response = client.post(
        reverse("admin:cases_case_add"),
        _form(enrollment, preferred_date_from=start, preferred_date_to=start - datetime.timedelta(days=1)),
    )
    assert "不能早于期望日期自" in str(response.context["form"].errors)


@pytest.mark.parametrize("phone", ["abc", "1234567", "23812345678", "021-123"])
def test_a_phone_not_in_a_mainland_format_is_refused_beside_its_field(client, intake, enrollment, phone):
    client.force_login(intake)
    response = client.post(reverse("admin:cases_case_add"), _form(enrollment, applicant_phone=phone))
    assert "电话格式不正确" in response.context["form"].errors["applicant_phone"][0]


@pytest.mark.parametrize("phone", ["13812345678", "021-63211234", "075512345678"])
def test_mobile_and_landline_numbers_are_accepted(client, intake, enrollment, phone):
    client.force_login(intake)
    client.post(reverse("admin:cases_case_add"), _form(enrollment, applicant_phone=phone))
    assert Case.objects.get().applicant_phone == phone


def test_the_api_names_a_bad_phone_and_a_past_date(api_client, intake, enrollment):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(intake)}")
    body = {
        "beneficiary_id_number": enrollment.insured.id_number,
        "service": SERVICE,
        "city": "上海",
        "applicant_phone": "abc",
        "preferred_date_to": (local_today() - datetime.timedelta(days=3)).isoformat(),
    }
    response = api_client.post("/api/v1/cases", body, format="json")
    assert response.status_code == 400
    assert "电话格式不正确" in response.json()["applicant_phone"][0]
    assert "不能早于今天" in response.json()["preferred_date_to"][0]


@pytest.fixture
def person_editor(intake):
    intake.user_permissions.add(*Permission.objects.filter(codename__in=["add_person", "change_person", "view_person"]))
    return intake


def _person(**extra):
    return {
        "name": "李四",
        "gender": "M",
        "birth_date": "1990-03-07",
        "id_number": make_id_number(datetime.date(1990, 3, 7), 7, "M"),
        "phone": "13812345678",
        "social_insurance": "unknown",
        **extra,
    }


def test_a_birth_date_against_the_id_number_is_refused_beside_it(client, person_editor):
    client.force_login(person_editor)
    response = client.post(reverse("admin:entitlements_person_add"), _person(birth_date="2030-03-07"))
    assert "身份证号中的出生日期为 1990-03-07" in response.context["adminform"].form.errors["birth_date"][0]


def test_a_gender_against_the_id_number_is_refused_beside_it(client, person_editor):
    client.force_login(person_editor)
    response = client.post(reverse("admin:entitlements_person_add"), _person(gender="F"))
    assert "第17位表示男" in response.context["adminform"].form.errors["gender"][0]


def test_a_customer_phone_must_be_a_phone(client, person_editor):
    client.force_login(person_editor)
    response = client.post(reverse("admin:entitlements_person_add"), _person(phone="abc"))
    assert "电话格式不正确" in response.context["adminform"].form.errors["phone"][0]


def test_a_consistent_customer_is_saved(client, person_editor):
    from entitlements.models import Person

    client.force_login(person_editor)
    client.post(reverse("admin:entitlements_person_add"), _person())
    assert Person.objects.filter(name="李四").exists()


def test_resubmitting_needs_a_document_or_a_note(client, intake):
    case = CaseFactory(state=CaseState.RETURNED)
    client.force_login(intake)
    url = reverse("admin:cases_case_action", args=[case.pk, "resubmit"])
    data = {"resubmit-expected_state": CaseState.RETURNED, "resubmit-kind": "medical_record"}
    page = client.post(url, data, follow=True)
    case.refresh_from_db()
    assert case.state == CaseState.RETURNED
    assert "需要附上补充材料" in page.content.decode()
    client.post(url, {**data, "resubmit-note": "已电话确认，病历已由客户补交纸质件"})
    case.refresh_from_db()
    assert case.state != CaseState.RETURNED


@pytest.mark.parametrize("name", ["close", "withdraw", "cancel", "reject"])
def test_irreversible_actions_carry_their_confirmation(name):
    assert ACTIONS[name].confirm.startswith(("结案", "撤回", "取消", "审核不通过")) and "确定" in ACTIONS[name].confirm


def test_every_action_form_on_the_case_page_asks_its_confirmation(client, coordinator):
    case = CaseFactory(state=CaseState.COMPLETED)
    client.force_login(coordinator)
    page = client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    assert 'id="action-close"' in page and f'data-confirm="{ACTIONS["close"].confirm}"' in page
