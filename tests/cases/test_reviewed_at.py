"""Case.reviewed_at: the review decision's moment, stamped by the decision transitions and equal to
the moment of the decision's history row (what the manager report counts review days to)."""

from decimal import Decimal

import pytest

from cases.models import Case, CaseEvent, CaseState, DocumentKind
from cases.services import (
    DocumentUpload,
    case_resubmit,
    case_start_review,
    case_take_over,
    claim_approve,
    review_approve,
    review_reject,
    review_return,
)
from tests.cases.conftest import CHECKLIST_ALL
from tests.factories.cases import pdf_bytes

pytestmark = pytest.mark.django_db
S = CaseState


@pytest.fixture
def in_review(submit, enrollment_2023_pro, reviewer):
    return case_start_review(case=submit(enrollment_2023_pro), actor=reviewer)


def decision_event(case: Case) -> CaseEvent:
    return CaseEvent.objects.get(
        case=case, from_state=S.IN_REVIEW, to_state__in=[S.APPROVED, S.REJECTED, S.CLAIM_APPROVED]
    )


def test_approval_stamps_the_moment_of_its_history_row(in_review, reviewer):
    assert in_review.reviewed_at is None

    case = review_approve(case=in_review, actor=reviewer, checklist=CHECKLIST_ALL)

    case.refresh_from_db()
    assert case.reviewed_at is not None
    assert case.reviewed_at == decision_event(case).at


def test_rejection_stamps_the_moment_of_its_history_row(in_review, reviewer):
    case = review_reject(case=in_review, actor=reviewer, reason="not_specialist")

    case.refresh_from_db()
    assert case.state == S.REJECTED
    assert case.reviewed_at == decision_event(case).at


def test_subsidy_approval_stamps_the_moment_of_its_history_row(submit, enrollment_2023_pro, reviewer, payer):
    invoice = DocumentUpload(kind=DocumentKind.INVOICE, content=pdf_bytes("invoice"), name="120发票.pdf")
    case = submit(enrollment_2023_pro, "ambulance-120", documents=[invoice], claimed_amount=Decimal("350.00"))
    case = case_start_review(case=case, actor=reviewer)
    case = case_take_over(case=case, actor=payer, reason="核定补贴金额")

    case = claim_approve(case=case, actor=payer, amount="180")

    case.refresh_from_db()
    assert case.state == S.CLAIM_APPROVED
    assert case.reviewed_at == decision_event(case).at


def test_returning_for_documents_is_not_a_decision(in_review, reviewer, intake):
    case = review_return(case=in_review, actor=reviewer, message="请补充出院小结")
    case.refresh_from_db()
    assert case.reviewed_at is None

    case = case_resubmit(case=case, actor=intake, note="已补充出院小结")
    case = review_approve(case=case, actor=reviewer, checklist=CHECKLIST_ALL)

    case.refresh_from_db()
    assert case.reviewed_at == decision_event(case).at
