"""Submitting requests: what becomes a case, what is refused, and that a refusal leaves nothing behind."""

import datetime
import re

import pytest

from cases.errors import CasePermissionDenied, CaseValidationError
from cases.models import Case, CaseEvent, CaseState, Document, DocumentKind
from cases.services import DocumentUpload, case_submit, usage_record
from entitlements.models import QuotaHold
from tests.factories.cases import pdf_bytes, service
from tests.factories.entitlements import FamilyDesignationFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _nothing_created():
    return not Case.objects.exists() and not QuotaHold.objects.exists() and not Document.objects.exists()


def test_reviewed_service_waits_in_the_review_queue_with_quota_held(submit, enrollment_2023_pro):
    case = submit(enrollment_2023_pro)

    assert case.state == CaseState.SUBMITTED
    assert re.fullmatch(r"LB-\d{4}-\d{6}", case.number)
    assert case.quota_hold.status == "held"
    assert case.review_due is not None
    assert case.sla_started_on is None
    assert case.documents.get().kind == DocumentKind.MEDICAL_RECORD


def test_service_without_review_is_accepted_at_once_and_says_so_in_history(submit, enroll):
    case = submit(enroll("2021-pro"), "escort", documents=[])

    assert case.state == CaseState.APPROVED
    steps = list(case.events.filter(kind="transition").values_list("transition", "to_state", "note"))
    assert steps == [("submit", "submitted", ""), ("skip_review", "approved", "无需医学审核")]
    assert case.sla_started_on == datetime.date.today()
    # 陪诊服务 publishes no time limit: the configurable default applies (10 / 15 working days).
    assert case.sla_target_due < case.sla_deadline_due


def test_case_numbers_are_sequential_within_the_year(submit, enroll):
    first = submit(enroll())
    second = submit(enroll())

    assert int(second.number[-6:]) == int(first.number[-6:]) + 1


def test_family_member_cannot_book_ci_top3a_ward(submit, enroll, medical_record):
    designation = FamilyDesignationFactory(enrollment=enroll("2023-premium-2"))
    request = {"beneficiary": designation.member}
    admission = DocumentUpload(kind=DocumentKind.ADMISSION_SLIP, content=pdf_bytes(), name="住院单.pdf")

    with pytest.raises(CaseValidationError) as refused:
        submit(designation.enrollment, "ci-top3a-expert-ward", documents=[medical_record, admission], **request)

    assert refused.value.code == "family_barred"
    assert "仅限被保险人" in refused.value.errors["beneficiary"][0]
    assert _nothing_created()


def test_exhausted_quota_is_refused_and_nothing_is_created(submit, enrollment_2023_pro):
    submit(enrollment_2023_pro)  # 2023 专业版: 重疾三甲专家预约 1次/年

    with pytest.raises(CaseValidationError) as refused:
        submit(enrollment_2023_pro)

    assert refused.value.code == "exhausted"
    assert "service" in refused.value.errors
    assert Case.objects.count() == 1


def test_request_outside_the_service_period_is_refused(submit, enroll):
    enrollment = enroll("2023-pro", effective_date=datetime.date(2000, 1, 1), payment_term_years=10)

    with pytest.raises(CaseValidationError) as refused:
        submit(enrollment)

    assert refused.value.code in {"outside_period", "not_entitled"}
    assert _nothing_created()


def test_someone_without_entitlement_is_refused(submit, enrollment_2023_pro):
    stranger = PersonFactory()

    with pytest.raises(CaseValidationError) as refused:
        submit(enrollment_2023_pro, beneficiary=stranger, enrollment=None)

    assert "beneficiary" in refused.value.errors
    assert _nothing_created()


def test_system_picks_the_enrollment_with_quota_left(submit, enroll, intake):
    used_up = enroll("2023-pro")
    submit(used_up)
    other = enroll("2023-premium-1", effective_date=datetime.date(2025, 1, 1))
    other.insured = used_up.insured
    other.policy.insured = used_up.insured
    other.policy.save()
    other.save()

    case = submit(used_up, enrollment=None)

    assert case.enrollment == other


def test_named_expert_is_refused_outside_wuyou(submit, enrollment_2023_pro):
    with pytest.raises(CaseValidationError) as refused:
        submit(enrollment_2023_pro, named_expert="张主任")

    assert "named_expert" in refused.value.errors
    assert _nothing_created()


def test_named_expert_is_accepted_where_wuyou_allows_it(submit, enroll):
    case = submit(enroll("wuyou-2023-pro"), "ci-top3a-outpatient-appointment", named_expert="张主任")

    assert case.named_expert == "张主任"


def test_missing_fields_are_reported_together_per_field(submit, enrollment_2023_pro):
    with pytest.raises(CaseValidationError) as refused:
        submit(
            enrollment_2023_pro,
            documents=[],
            city="",
            diagnosis="",
            suspected=False,
            diagnosing_hospital_level=None,
        )

    errors = refused.value.errors
    assert {"city", "diagnosis", "critical_illness", "documents", "diagnosing_hospital_level"} <= set(errors)
    assert _nothing_created()


def test_guardian_must_give_their_name(submit, enrollment_2023_pro):
    with pytest.raises(CaseValidationError) as refused:
        submit(enrollment_2023_pro, applicant_relation="guardian", applicant_name="")

    assert "applicant_name" in refused.value.errors


def test_puhui_ward_request_needs_the_admission_slip(submit, enroll):
    joined = datetime.date(datetime.date.today().year, 1, 2)
    puhui = enroll("puhui-2023", effective_date=joined)

    with pytest.raises(CaseValidationError) as refused:
        submit(puhui, "ci-expert-ward")

    assert refused.value.errors["documents"] == ["该服务须上传住院单"]
    assert _nothing_created()


def test_usage_only_service_makes_no_case_but_records_use(intake, enrollment_2023_pro):
    hold = usage_record(
        actor=intake,
        enrollment=enrollment_2023_pro,
        beneficiary=enrollment_2023_pro.insured,
        service=service("health-consult"),
    )

    assert hold.status == "used"
    assert not Case.objects.exists()


def test_usage_only_service_cannot_be_submitted_as_a_case(submit, enrollment_2023_pro):
    with pytest.raises(CaseValidationError) as refused:
        submit(enrollment_2023_pro, "health-consult")

    assert "service" in refused.value.errors


def test_reviewer_cannot_submit_requests(submit, enrollment_2023_pro, reviewer):
    with pytest.raises(CasePermissionDenied):
        submit(enrollment_2023_pro, actor=reviewer)

    assert _nothing_created()


def test_submission_is_recorded_with_who_and_when(submit, enrollment_2023_pro, intake):
    case = submit(enrollment_2023_pro)

    event = case.events.get(transition="submit")
    assert event.actor == intake
    assert (event.from_state, event.to_state) == ("new", "submitted")
    assert case.events.filter(kind=CaseEvent.Kind.DOCUMENT).count() == 1


def test_case_submit_rejects_unknown_fields(intake, enrollment_2023_pro):
    with pytest.raises(TypeError):
        case_submit(
            actor=intake,
            channel="wechat",
            beneficiary=enrollment_2023_pro.insured,
            service=service("ci-top3a-expert-appointment"),
            state="approved",
        )


def test_transitions_are_written_to_the_audit_trail(submit, enrollment_2023_pro, intake):
    from audit.models import AuditEvent

    case = submit(enrollment_2023_pro)

    entry = AuditEvent.objects.get(action="transition", object_id=str(case.pk))
    assert entry.actor_id == intake.pk
    assert entry.extra["to"] == "submitted"
