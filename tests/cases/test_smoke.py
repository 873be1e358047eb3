import pytest

from cases.models import CaseState
from cases.services import case_start_review, case_submit, review_approve
from tests.factories.cases import service

pytestmark = pytest.mark.django_db


def test_reviewed_case_goes_from_submission_to_approval(intake, reviewer, enrollment_2023_pro, medical_record):
    case = case_submit(
        actor=intake,
        channel="wechat",
        beneficiary=enrollment_2023_pro.insured,
        service=service("ci-top3a-expert-appointment"),
        documents=[medical_record],
        city="上海",
        diagnosis="肺恶性肿瘤",
        suspected=True,
        diagnosing_hospital="上海市第一人民医院",
        diagnosing_hospital_level=3,
        diagnosing_hospital_ownership="public",
    )
    assert case.state == CaseState.SUBMITTED
    case = case_start_review(case=case, actor=reviewer)
    checklist = dict.fromkeys(
        ["check_hospital_level", "check_specialist_diagnosis", "check_disease_listed", "check_documents_complete"], True
    )
    case = review_approve(case=case, actor=reviewer, checklist=checklist)
    assert case.state == CaseState.APPROVED
    assert case.sla_target_due is not None
    print(case.number, case.review_due, case.sla_target_due, list(case.events.values_list("transition", flat=True)))
