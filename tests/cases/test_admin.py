"""The review queue and review page in the admin: buttons go through the services."""

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Case, CaseState
from cases.services import case_start_review, review_approve
from tests.cases.conftest import CHECKLIST_ALL
from tests.factories.cases import pdf_bytes

pytestmark = pytest.mark.django_db
QUEUE = reverse("admin:cases_case_changelist")


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _change(case: Case) -> str:
    return reverse("admin:cases_case_change", args=[case.pk])


def _action(case: Case, name: str) -> str:
    return reverse("admin:cases_case_action", args=[case.pk, name])


def test_queue_lists_cases_waiting_for_review_oldest_first(client, reviewer, submit, enroll, approved_case):
    first, second = submit(enroll()), submit(enroll())
    client.force_login(reviewer)

    response = client.get(QUEUE)

    assert response.status_code == 200
    numbers = [case.number for case in response.context["cl"].result_list]
    assert numbers == [first.number, second.number]  # the approved case is not in the queue


def test_queue_is_searchable_by_id_tail_policy_and_number(client, reviewer, submit, enroll):
    case, other = submit(enroll()), submit(enroll())
    client.force_login(reviewer)

    for query in (case.beneficiary.id_number[-4:], case.enrollment.policy.policy_no, case.number):
        found = client.get(QUEUE, {"q": query}).context["cl"].result_list
        assert [c.number for c in found] == [case.number], query
    assert other.number != case.number


def test_queue_filters_by_waiting_working_days(client, reviewer, submit, enroll):
    submit(enroll())
    client.force_login(reviewer)

    assert len(client.get(QUEUE, {"waiting": "0-1"}).context["cl"].result_list) == 1
    assert len(client.get(QUEUE, {"waiting": "6+"}).context["cl"].result_list) == 0


def test_queue_query_count_does_not_grow_with_cases(client, reviewer, submit, enroll, django_assert_max_num_queries):
    for _ in range(5):
        submit(enroll())
    client.force_login(reviewer)

    with django_assert_max_num_queries(12):
        client.get(QUEUE)


def test_review_page_shows_request_documents_checklist_and_decisions(client, reviewer, submit, enroll):
    case = case_start_review(case=submit(enroll()), actor=reviewer)
    client.force_login(reviewer)

    response = client.get(_change(case))

    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("cases:document", args=[case.number, case.documents.get().pk]) in html
    assert "<iframe" in html
    assert "二级及以上公立医院诊断" in html
    assert "（符合二级及以上公立）" in html  # the request's facts beside each tick box
    assert [a.name for a in response.context["actions"]] == ["approve", "return_to_applicant", "reject", "misuse_stop"]
    assert 'name="state"' not in html


def test_approve_button_goes_through_the_service(client, reviewer, submit, enroll):
    case = case_start_review(case=submit(enroll()), actor=reviewer)
    client.force_login(reviewer)
    form = {"approve-expected_state": "in_review", **{f"approve-{k}": "on" for k in CHECKLIST_ALL}}

    response = client.post(_action(case, "approve"), form, follow=True)

    case.refresh_from_db()
    assert case.state == CaseState.APPROVED
    assert f"{case.number}：已批准" in _messages(response)
    assert case.events.filter(transition="approve", actor=reviewer).count() == 1
    assert case.sla_started_on is not None


def test_approve_with_an_incomplete_checklist_is_refused_with_the_reason(client, reviewer, submit, enroll):
    case = case_start_review(case=submit(enroll()), actor=reviewer)
    client.force_login(reviewer)

    response = client.post(
        _action(case, "approve"), {"approve-expected_state": "in_review", "approve-check_hospital_level": "on"}
    )

    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW
    approve = next(item.form for item in response.context["actions"] if item.name == "approve")
    assert "审核清单未全部勾选" in approve.non_field_errors()  # on the decision's own form
    assert approve.errors["check_specialist_diagnosis"] == ["未勾选「专科医生诊断」"]  # beside the item it names


def test_the_slower_reviewer_is_told_someone_else_decided(client, reviewer, submit, enroll):
    case = case_start_review(case=submit(enroll()), actor=reviewer)
    review_approve(case=case, actor=reviewer, checklist=CHECKLIST_ALL)  # the other reviewer, first
    client.force_login(reviewer)

    response = client.post(
        _action(case, "reject"), {"reject-expected_state": "in_review", "reject-reason": "not_specialist"}
    )

    case.refresh_from_db()
    assert case.state == CaseState.APPROVED
    assert any("案件已被他人处理，当前状态：待派单" in m for m in _messages(response))


def test_reviewer_cannot_dispatch_through_a_crafted_post(client, reviewer, approved_case, provider):
    client.force_login(reviewer)

    response = client.post(
        _action(approved_case, "dispatch"),
        {"dispatch-expected_state": "approved", "dispatch-provider": provider.pk},
    )

    approved_case.refresh_from_db()
    assert approved_case.state == CaseState.APPROVED
    assert any("权限" in m for m in _messages(response))


def test_outsider_cannot_open_the_queue(client, outsider):
    client.force_login(outsider)

    assert client.get(QUEUE).status_code == 403


def test_case_page_shows_state_holder_and_timeline(client, reviewer, submit, enroll):
    case = case_start_review(case=submit(enroll()), actor=reviewer)
    client.force_login(reviewer)

    html = client.get(reverse("cases:case", args=[case.number])).content.decode()

    assert case.number in html and "医学审核中" in html
    assert "已提交" in html and "case-timeline" in html
    assert reviewer.username in html  # who holds it now


def test_intake_form_uses_the_same_rules_as_the_api(client, intake, enrollment_2023_pro):
    client.force_login(intake)
    url = reverse("admin:cases_case_add")
    data = {
        "channel": "backoffice",
        "beneficiary_id_number": enrollment_2023_pro.insured.id_number,
        "service": "ci-top3a-expert-appointment",
        "applicant_relation": "self",
        "city": "上海",
        "diagnosis": "肺恶性肿瘤",
        "suspected": "on",
        "diagnosing_hospital": "上海市第一人民医院",
        "diagnosing_hospital_level": "3",
        "diagnosing_hospital_ownership": "public",
    }

    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "该服务须上传病历资料" in refused.content.decode()
    assert not Case.objects.exists()

    data["medical_record"] = SimpleUploadedFile("病历.pdf", pdf_bytes(), content_type="application/pdf")
    response = client.post(url, data, follow=True)

    case = Case.objects.get()
    assert case.channel == "backoffice" and case.state == CaseState.SUBMITTED
    assert any(case.number in m for m in _messages(response))


def test_hotline_records_a_service_without_documents(client, intake, enroll):
    enrollment = enroll("2021-pro")
    client.force_login(intake)

    client.post(
        reverse("admin:cases_case_add"),
        {
            "channel": "hotline",
            "beneficiary_id_number": enrollment.insured.id_number,
            "service": "escort",
            "applicant_relation": "self",
            "city": "上海",
        },
    )

    case = Case.objects.get()
    assert (case.channel, case.state) == ("hotline", CaseState.APPROVED)


def test_hotline_form_reports_an_unknown_id_number_on_its_field(client, intake):
    client.force_login(intake)

    response = client.post(
        reverse("admin:cases_case_add"),
        {"channel": "hotline", "beneficiary_id_number": "110101199003070000", "service": "escort", "city": "北京"},
    )

    assert "beneficiary_id_number" in response.context["form"].errors


def test_document_upload_on_the_review_page(client, intake, submit, enroll):
    case = submit(enroll())
    client.force_login(intake)
    upload = SimpleUploadedFile("补充.pdf", pdf_bytes("more"), content_type="application/pdf")

    client.post(reverse("admin:cases_case_document", args=[case.pk]), {"doc-kind": "other", "doc-document": upload})

    assert case.documents.count() == 2
