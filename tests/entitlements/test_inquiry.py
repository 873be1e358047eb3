"""权益查询: the JSON of the command, the API and the admin page, and the selectors behind it."""

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from entitlements.errors import EntitlementError
from entitlements.selectors import enrollment_pick, enrollments_for, entitlement_inquiry, person_find
from entitlements.services import family_designate, quota_hold, quota_use
from tests.factories.entitlements import PersonFactory

D = dt.date
pytestmark = pytest.mark.django_db
ON = D(2026, 11, 24)


@pytest.fixture
def family(enroll, service_of):
    """The issue's example: 2023 尊享版 2档 effective 1 Mar 2024, 20-year term, a spouse designated."""
    enrollment = enroll("2023-premium-2", effective_date=D(2024, 3, 1), payment_term_years=20)
    spouse = PersonFactory(gender="F", name="李四")
    family_designate(enrollment=enrollment, member=spouse, relation="spouse", designated_on=D(2025, 1, 1))
    quota_hold(enrollment=enrollment, beneficiary=enrollment.insured, service=service_of("重疾三甲专家预约"), on=ON)
    return enrollment, spouse


def services_of(beneficiary: dict) -> dict:
    return {row["service"]: row for row in beneficiary["services"]}


def test_inquiry_has_the_issue_shape(family):
    enrollment, _ = family
    inquiry = entitlement_inquiry(person=enrollment.insured, on=ON)
    [row] = inquiry["enrollments"]
    assert inquiry["on"] == "2026-11-24"
    assert row["edition"].items() >= {"series": "2023", "plan": "尊享版", "tier": 2}.items()
    assert row["service_period"] == {"start": "2024-03-16", "end": "2044-02-29"}
    assert row["service_year"] == {"start": "2026-03-01", "end": "2027-02-28"}
    assert row["active"] is True
    me = row["beneficiaries"][0]
    assert me["relation"] == "self"
    assert me["id_number_masked"] == enrollment.insured.id_number[:4] + "*" * 10 + enrollment.insured.id_number[-4:]
    appointment = services_of(me)["重疾三甲专家预约"]
    expected = {"limit": 5, "per": "year", "used": 0, "held": 1, "remaining": 4, "available": True}
    assert appointment.items() >= expected.items()
    assert appointment["reason"] is None


def test_family_member_rows_carry_readable_reasons(family):
    enrollment, _ = family
    row = entitlement_inquiry(person=enrollment.insured, on=ON)["enrollments"][0]
    member = row["beneficiaries"][1]
    assert (member["relation"], member["valid_until"]) == ("spouse", "2027-12-31")
    ward = services_of(member)["重疾三甲专家病房"]
    assert ward["available"] is False
    assert "仅限被保险人" in ward["reason"]
    assert services_of(member)["重疾陪诊服务"]["limit"] == 1


def test_every_unavailable_service_says_why(family):
    enrollment, _ = family
    for on in (ON, D(2045, 1, 1)):
        for row in entitlement_inquiry(person=enrollment.insured, on=on)["enrollments"]:
            for beneficiary in row["beneficiaries"]:
                assert all(s["available"] or s["reason"] for s in beneficiary["services"])


def test_enrollment_outside_its_period_is_listed_inactive(family):
    enrollment, _ = family
    row = entitlement_inquiry(person=enrollment.insured, on=D(2024, 3, 10))["enrollments"][0]
    assert row["active"] is False
    assert row["service_year"] is None
    assert services_of(row["beneficiaries"][0])["健康咨询"]["reason_code"] == "outside_period"


def test_family_member_sees_only_his_own_entitlements(family):
    _, spouse = family
    [row] = entitlement_inquiry(person=spouse, on=ON)["enrollments"]
    assert [b["name"] for b in row["beneficiaries"]] == ["李四"]


def test_person_found_by_id_phone_or_policy(family):
    enrollment, _ = family
    insured = enrollment.insured
    assert person_find(query=insured.id_number.lower()) == insured
    assert person_find(query=insured.phone) == insured
    assert person_find(query=enrollment.policy.policy_no) == insured
    assert person_find(query="nobody") is None


def test_enrollments_for_a_member_only_while_designated(family):
    enrollment, spouse = family
    assert enrollments_for(beneficiary=spouse, on=D(2024, 12, 31)) == []
    assert enrollments_for(beneficiary=spouse, on=ON) == [enrollment]


def test_pick_skips_an_enrollment_whose_quota_is_spent(enroll, service_of):
    first = enroll("2023-pro", effective_date=D(2024, 3, 1), payment_term_years=20)
    second = enroll("2022-pro", effective_date=D(2024, 4, 1), payment_term_years=20, insured=first.insured)
    service = service_of("重疾三甲专家预约")
    assert enrollment_pick(beneficiary=first.insured, service=service, on=ON) == first
    quota_use(hold=quota_hold(enrollment=first, beneficiary=first.insured, service=service, on=ON))
    assert enrollment_pick(beneficiary=first.insured, service=service, on=ON) == second


def test_command_prints_the_json(family, capsys):
    enrollment, _ = family
    call_command("entitlements", enrollment.insured.id_number, "--on", "2026-11-24", "--json")
    assert json.loads(capsys.readouterr().out)["enrollments"][0]["policy_no"] == enrollment.policy.policy_no


def _intake_agent():
    """A user whose role looks customers up (entitlements are personal data)."""
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user("agent", is_staff=True)
    user.groups.add(Group.objects.get(name="录入客服"))
    return user


def test_api_refuses_a_provider_or_catalogue_user(family, api_client):
    enrollment, _ = family
    api_client.force_authenticate(get_user_model().objects.create_user("someone-without-a-role"))
    response = api_client.post("/api/v1/entitlements", {"id_number": enrollment.insured.id_number}, format="json")
    assert response.status_code == 403


def test_api_returns_the_inquiry_to_an_authenticated_user(family, api_client):
    enrollment, _ = family
    api_client.force_authenticate(_intake_agent())
    response = api_client.post(
        "/api/v1/entitlements", {"id_number": enrollment.insured.id_number, "on": "2026-11-24"}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == entitlement_inquiry(person=enrollment.insured, on=ON)


def test_every_inquiry_is_kept_in_the_audit_trail(family, api_client, admin_client):
    from audit.models import AuditEvent

    enrollment, _ = family
    api_client.force_authenticate(_intake_agent())
    api_client.post("/api/v1/entitlements", {"id_number": enrollment.insured.id_number}, format="json")
    admin_client.post("/admin/entitlements/person/inquiry/", {"query": enrollment.insured.phone})
    events = AuditEvent.objects.filter(action="entitlements.inquiry", object_id=str(enrollment.insured.pk))
    assert sorted(events.values_list("actor_username", flat=True)) == ["admin", "agent"]


def test_api_refuses_anonymous_users(family, api_client):
    enrollment, _ = family
    assert api_client.post(
        "/api/v1/entitlements", {"id_number": enrollment.insured.id_number}, format="json"
    ).status_code in (401, 403)


def test_api_names_a_bad_date_and_an_unknown_person(family, api_client):
    enrollment, _ = family
    api_client.force_authenticate(_intake_agent())
    bad = api_client.post(
        "/api/v1/entitlements", {"id_number": enrollment.insured.id_number, "on": "2026-13-01"}, format="json"
    )
    assert (bad.status_code, list(bad.json())) == (400, ["on"])
    unknown = api_client.post("/api/v1/entitlements", {"id_number": "11010519491231002X"}, format="json")
    assert unknown.status_code == 404


def test_admin_inquiry_page_shows_masked_entitlements(family, admin_client):
    enrollment, _ = family
    response = admin_client.post(
        "/admin/entitlements/person/inquiry/", {"query": enrollment.policy.policy_no, "on": "2026-11-24"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert enrollment.insured.id_number_masked in body
    assert enrollment.insured.id_number not in body
    assert "仅限被保险人使用" in body
    assert "达标条件" in body


def test_admin_import_page_uses_the_feed_importer(admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.entitlements.test_imports import BAD_ID, HEADER, enrollment_line

    content = "\n".join([HEADER, enrollment_line(), enrollment_line("P002", BAD_ID)]).encode()
    upload = SimpleUploadedFile("feed.csv", content, content_type="text/csv")
    response = admin_client.post("/admin/entitlements/person/import/", {"kind": "enrollments", "file": upload})
    body = response.content.decode()
    assert response.status_code == 200
    assert "新增 1 行" in body
    assert "insured_id_number" in body


def test_inquiry_reads_a_family_in_a_fixed_number_of_queries(family, enroll, django_assert_max_num_queries):
    enrollment, _ = family
    enroll("2022-pro", effective_date=D(2024, 4, 1), payment_term_years=20, insured=enrollment.insured)
    for _ in range(2):
        family_designate(enrollment=enrollment, member=PersonFactory(), relation="child", designated_on=ON)
    with django_assert_max_num_queries(8):
        entitlement_inquiry(person=enrollment.insured, on=ON)


def test_lapsed_policy_ends_the_services(family, service_of):
    enrollment, _ = family
    enrollment.policy.status = "lapsed"
    enrollment.policy.save()
    row = entitlement_inquiry(person=enrollment.insured, on=ON)["enrollments"][0]
    assert row["active"] is False
    with pytest.raises(EntitlementError) as info:
        quota_hold(enrollment=enrollment, beneficiary=enrollment.insured, service=service_of("健康咨询"), on=ON)
    assert info.value.code == "outside_period"
    assert "失效" in info.value.message


def test_person_list_links_to_the_inquiry_and_import_pages(admin_client):
    body = admin_client.get("/admin/entitlements/person/").content.decode()
    assert "/admin/entitlements/person/inquiry/" in body
    assert "/admin/entitlements/person/import/" in body


def test_admin_enrollment_form_refuses_a_policy_of_someone_else(family, admin_client, edition_of):
    enrollment, spouse = family
    response = admin_client.post(
        "/admin/entitlements/enrollment/add/",
        {"insured": spouse.pk, "policy": enrollment.policy.pk, "edition": edition_of("2023-pro").pk,
         "qualified_on": "2024-03-01", "designations-TOTAL_FORMS": "0", "designations-INITIAL_FORMS": "0"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "达标保单的被保险人不是该客户" in response.content.decode()


def test_command_prints_a_readable_summary(family, capsys):
    enrollment, _ = family
    call_command("entitlements", enrollment.insured.id_number, "--on", "2026-11-24")
    out = capsys.readouterr().out
    assert "服务中" in out
    assert "重疾三甲专家预约: 剩余4" in out
    assert enrollment.insured.id_number not in out
