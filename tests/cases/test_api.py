"""POST /api/v1/cases from the WeChat back end: token-authenticated, field-level errors, nothing half-created."""

import base64
import json
from decimal import Decimal

import pytest

from cases.models import Case, Document
from entitlements.models import QuotaHold
from tests.factories.audit import api_key
from tests.factories.cases import pdf_bytes, role_user
from tests.factories.entitlements import FamilyDesignationFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases"


def _b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


@pytest.fixture
def wechat(api_client):
    user = role_user("intake", "wechat-backend")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return api_client


def _request(enrollment, **overrides) -> dict:
    body = {
        "beneficiary_id_number": enrollment.insured.id_number,
        "service": "ci-top3a-expert-appointment",
        "city": "上海",
        "preferred_hospital": "复旦大学附属中山医院",
        "hospital_is_top50": True,
        "diagnosis": "肺恶性肿瘤",
        "critical_illness": None,
        "suspected": True,
        "diagnosing_hospital": "上海市第一人民医院",
        "diagnosing_hospital_level": 3,
        "diagnosing_hospital_ownership": "public",
        "documents": [{"kind": "medical_record", "name": "病历.pdf", "content_base64": _b64(pdf_bytes())}],
    }
    body.update(overrides)
    return body


def _nothing_created() -> bool:
    return not (Case.objects.exists() or QuotaHold.objects.exists() or Document.objects.exists())


def test_wechat_request_becomes_a_case(wechat, enrollment_2023_pro):
    response = wechat.post(URL, _request(enrollment_2023_pro), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "submitted" and body["state_label"] == "已提交"
    assert body["number"].startswith("LB-")
    case = Case.objects.get(number=body["number"])
    assert case.channel == "wechat" and case.enrollment == enrollment_2023_pro


def test_bad_fields_get_one_message_each(wechat, enrollment_2023_pro):
    body = _request(
        enrollment_2023_pro,
        beneficiary_id_number="310101198005170010",
        service="no-such-service",
        city="",
        diagnosing_hospital_level=5,
        claimed_amount="-3",
    )

    response = wechat.post(URL, body, format="json")

    assert response.status_code == 400
    errors = response.json()
    assert {"beneficiary_id_number", "service", "city", "diagnosing_hospital_level", "claimed_amount"} <= set(errors)
    assert _nothing_created()


def test_missing_documents_and_diagnosis_are_field_errors(wechat, enrollment_2023_pro):
    response = wechat.post(URL, _request(enrollment_2023_pro, documents=[], diagnosis=""), format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"documents", "diagnosis"}
    assert _nothing_created()


def test_document_that_is_not_a_pdf_is_a_field_error(wechat, enrollment_2023_pro):
    fake = [{"kind": "medical_record", "name": "病历.pdf", "content_base64": _b64(b"hello")}]

    response = wechat.post(URL, _request(enrollment_2023_pro, documents=fake), format="json")

    assert response.status_code == 400
    assert "仅接受 PDF、JPEG、PNG" in response.json()["documents"][0]
    assert _nothing_created()


def test_exhausted_quota_is_409(wechat, enrollment_2023_pro):
    assert wechat.post(URL, _request(enrollment_2023_pro), format="json").status_code == 201

    response = wechat.post(URL, _request(enrollment_2023_pro), format="json")

    assert response.status_code == 409
    # The first request is still being handled: 办理中, not 已用完.
    assert "1次正在办理（办理中）" in response.json()["service"][0]
    assert Case.objects.count() == 1


def test_family_member_barred_from_ward_is_400_on_the_beneficiary(wechat, enroll):
    designation = FamilyDesignationFactory(enrollment=enroll("2023-premium-2"))
    documents = [
        {"kind": "medical_record", "name": "病历.pdf", "content_base64": _b64(pdf_bytes())},
        {"kind": "admission_slip", "name": "住院单.pdf", "content_base64": _b64(pdf_bytes("slip"))},
    ]
    body = _request(
        designation.enrollment,
        beneficiary_id_number=designation.member.id_number,
        service="ci-top3a-expert-ward",
        documents=documents,
    )

    response = wechat.post(URL, body, format="json")

    assert response.status_code == 400
    assert "仅限被保险人" in response.json()["beneficiary_id_number"][0]
    assert _nothing_created()


def test_120_claim_over_the_cap_may_be_claimed_but_not_approved(wechat, enrollment_2023_pro):
    invoice = [{"kind": "invoice", "name": "发票.pdf", "content_base64": _b64(pdf_bytes("invoice"))}]
    body = {
        "beneficiary_id_number": enrollment_2023_pro.insured.id_number,
        "service": "ambulance-120",
        "city": "上海",
        "claimed_amount": "350.00",
        "documents": invoice,
    }

    response = wechat.post(URL, body, format="json")

    assert response.status_code == 201, response.json()
    assert Decimal(response.json()["claimed_amount"]) == Decimal("350.00")
    assert response.json()["approved_amount"] is None


def test_token_is_required(api_client, enrollment_2023_pro):
    response = api_client.post(URL, _request(enrollment_2023_pro), format="json")

    assert response.status_code == 401


def test_token_without_submit_permission_is_403(api_client, enrollment_2023_pro):
    user = role_user("reviewer")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")

    response = api_client.post(URL, _request(enrollment_2023_pro), format="json")

    assert response.status_code == 403
    assert _nothing_created()


def test_a_role_taken_away_refuses_the_very_next_request(api_client, enrollment_2023_pro, enroll):
    """The token check reads the caller's permissions afresh with the token itself: nothing is
    remembered between requests, so a changed role or a revoked token counts at once."""
    from audit.tokens import api_token_revoke_all

    user = role_user("intake", "wechat-backend")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    assert api_client.post(URL, _request(enrollment_2023_pro), format="json").status_code == 201

    held = list(user.user_permissions.all())
    user.user_permissions.clear()
    other = enroll("2023-pro")
    assert api_client.post(URL, _request(other), format="json").status_code == 403

    user.user_permissions.set(held)
    assert api_client.post(URL, _request(other), format="json").status_code == 201
    api_token_revoke_all(user=user)
    assert api_client.post(URL, _request(enroll("2023-pro")), format="json").status_code == 401


def test_case_status_can_be_read_back(wechat, enrollment_2023_pro):
    number = wechat.post(URL, _request(enrollment_2023_pro), format="json").json()["number"]

    response = wechat.get(f"{URL}/{number}")

    assert response.status_code == 200
    assert response.json()["holder"] == "医学审核队列"


def test_intake_endpoint_is_in_the_openapi_schema(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")

    schema = response.json() if response["Content-Type"].startswith("application/json") else None
    text = response.content.decode()
    assert response.status_code == 200
    assert "/api/v1/cases" in (str(schema["paths"].keys()) if schema else text)
    assert "content_base64" in text


def _token_client(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return api_client


def test_reviewer_approves_through_the_api_with_the_same_rules(api_client, submit, enrollment_2023_pro, reviewer):
    from cases.services import case_start_review

    case = case_start_review(case=submit(enrollment_2023_pro), actor=reviewer)
    client = _token_client(api_client, reviewer)
    url = f"{URL}/{case.number}/actions/approve"

    incomplete = client.post(url, {"expected_state": "in_review", "check_hospital_level": True}, format="json")
    assert incomplete.status_code == 400
    assert incomplete.json()["checklist"] == ["审核清单未全部勾选"]
    assert incomplete.json()["check_documents_complete"] == ["未勾选「材料齐全」"]  # each missing item named

    checklist = dict.fromkeys(
        ["check_hospital_level", "check_specialist_diagnosis", "check_disease_listed", "check_documents_complete"], True
    )
    approved = client.post(url, {"expected_state": "in_review", **checklist}, format="json")
    assert approved.status_code == 200
    assert approved.json()["state"] == "approved"

    again = client.post(url, {"expected_state": "in_review", **checklist}, format="json")
    assert again.status_code == 409
    assert again.json()["state"] == "approved"


def test_api_action_without_the_permission_is_403(api_client, submit, enrollment_2023_pro):
    case = submit(enrollment_2023_pro)
    client = _token_client(api_client, role_user("coordinator"))

    response = client.post(f"{URL}/{case.number}/actions/start_review", {}, format="json")

    assert response.status_code == 403


def test_wechat_back_end_reads_what_the_reviewer_asked_for(wechat, enrollment_2023_pro, reviewer):
    from cases.services import case_start_review, review_return

    number = wechat.post(URL, _request(enrollment_2023_pro), format="json").json()["number"]
    case = case_start_review(case=Case.objects.get(number=number), actor=reviewer)
    review_return(case=case, actor=reviewer, message="请补充近三个月的病理报告")

    body = wechat.get(f"{URL}/{number}").json()

    assert body["state"] == "returned"
    assert body["message_to_applicant"] == "请补充近三个月的病理报告"


def test_a_review_free_submission_costs_a_fixed_handful_of_statements(wechat, enroll):
    """The figure the submission benchmark depends on: 10 statements (the token with its user and
    permissions; the person, the enrollment and the person's open cases of the service in one; the
    number, the quota hold with its bucket, case, history, audit, outbox, and the transaction; the
    service and its edition's rule are kept in the process), whatever else is in the database."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first, second = enroll("2021-pro"), enroll("2021-pro")

    def body(enrollment) -> dict:
        return {
            "beneficiary_id_number": enrollment.insured.id_number,
            "enrollment": enrollment.pk,
            "service": "escort",
            "city": "上海",
        }

    assert wechat.post(URL, body(first), format="json").status_code == 201  # the year's number sequence exists
    with CaptureQueriesContext(connection) as captured:
        response = wechat.post(URL, body(second), format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["state"] == "approved"
    # 10, plus the savepoint pair around the number: a test's transaction never commits, so the
    # process never learns that the year's sequence exists.
    assert len(captured) <= 12, [q["sql"][:80] for q in captured.captured_queries]


def _errors(detail) -> dict:
    return json.loads(json.dumps(detail))


BAD_BODIES = [
    {},
    {
        "beneficiary_id_number": 123,
        "service": "no-such-service",
        "city": "长" * 40,
        "hospital_is_top50": "maybe",
        "preferred_date_from": "2026-13-01",
        "enrollment": "abc",
        "applicant_relation": "uncle",
        "claimed_amount": "-1",
        "claim_fee_kinds": "出车费",
        "documents": "病历",
        "note": None,
    },
    {"enrollment": True, "claimed_amount": "1.234", "diagnosing_hospital_level": 9, "city": "", "service": 7},
    {"enrollment": 10**30, "critical_illness": "no-such-illness", "suspected": "yes", "applicant_phone": ["1"]},
    {"enrollment": 987654321, "preferred_date_to": "2020-01-01T00:00:00", "documents": [{"kind": "x"}]},
]


@pytest.mark.parametrize("body", BAD_BODIES)
def test_a_request_is_refused_as_its_declared_fields_refuse_it(body, enrollment_2023_pro):
    """The request is checked against CaseIntakeSerializer's fields as they stand on the class (no
    serializer instance a request): every field's reasons are the ones DRF's own validation of the
    same fields gives, word for word."""
    from rest_framework import serializers
    from rest_framework.exceptions import ValidationError

    from cases.api.serializers import CaseIntakeSerializer, intake_request

    with pytest.raises(ValidationError) as ours:
        intake_request(body)
    with pytest.raises(ValidationError) as drf:
        serializers.Serializer.to_internal_value(CaseIntakeSerializer(data=body), body)
    ours_errors, drf_errors = _errors(ours.value.detail), _errors(drf.value.detail)
    # The person is ours to look up: a well-formed ID number of nobody is refused by name.
    ours_errors.pop("beneficiary_id_number", None)
    drf_errors.pop("beneficiary_id_number", None)
    assert ours_errors == drf_errors


def test_a_body_that_is_not_an_object_is_refused_as_drf_refuses_it(wechat):
    response = wechat.post(URL, [1, 2], format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["无效数据。期待为字典类型，得到的是 list 。"]}


def test_the_answer_is_the_declared_fields_as_drf_renders_them(wechat, enrollment_2023_pro, reviewer, enroll):
    """``case_body`` writes the answer out once; DRF's rendering of CaseSerializer's declared fields
    gives the same JSON for a review-free case, a returned one and one with documents and amounts."""
    from rest_framework import serializers

    from cases.api.serializers import CaseSerializer, case_body
    from cases.services import case_start_review, review_return

    with_documents = wechat.post(URL, _request(enrollment_2023_pro), format="json").json()["number"]
    returned = case_start_review(case=Case.objects.get(number=with_documents), actor=reviewer)
    review_return(case=returned, actor=reviewer, message="请补充近三个月的病理报告")
    other = enroll("2021-pro")
    free = wechat.post(
        URL,
        {"beneficiary_id_number": other.insured.id_number, "enrollment": other.pk, "service": "escort", "city": "上海"},
        format="json",
    ).json()["number"]
    Case.objects.filter(number=free).update(claimed_amount=Decimal("1280.5"), approved_amount=Decimal("1000"))
    for number in (with_documents, free):
        case = Case.objects.get(number=number)
        drf = serializers.Serializer.to_representation(CaseSerializer(case), case)
        assert _errors(case_body(case)) == _errors(drf)
    body = wechat.get(f"{URL}/{free}").json()
    assert body["claimed_amount"] == "1280.50" and body["submitted_at"].endswith("+08:00")
