"""The 120 emergency subsidy: invoice review, an approved amount of at most 200 CNY, payment."""

from decimal import Decimal

import pytest

from cases.errors import CaseValidationError
from cases.models import CaseState, DocumentKind
from cases.services import (
    DocumentUpload,
    case_close,
    case_start_review,
    case_take_over,
    claim_approve,
    claim_pay,
)
from tests.factories.cases import pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice():
    return DocumentUpload(kind=DocumentKind.INVOICE, content=pdf_bytes("invoice"), name="120发票.pdf")


@pytest.fixture
def claim(submit, enrollment_2023_pro, invoice, reviewer, payer):
    """A 120 claim the reviewer started, taken over by the payer who fixes the amount."""
    case = submit(enrollment_2023_pro, "ambulance-120", documents=[invoice], claimed_amount=Decimal("350.00"))
    case = case_start_review(case=case, actor=reviewer)
    return case_take_over(case=case, actor=payer, reason="核定补贴金额")


def test_claim_goes_through_invoice_review(claim):
    assert claim.state == CaseState.IN_REVIEW
    assert claim.review_due is not None


def test_approved_amount_may_be_the_full_200(claim, payer):
    case = claim_approve(case=claim, actor=payer, amount="200")

    assert case.state == CaseState.CLAIM_APPROVED
    assert case.approved_amount == Decimal("200.00")


def test_approved_amount_never_exceeds_200(claim, payer):
    with pytest.raises(CaseValidationError) as refused:
        claim_approve(case=claim, actor=payer, amount="200.01")

    assert refused.value.errors == {"approved_amount": ["核定金额不能超过单次上限 200.00 元"]}
    claim.refresh_from_db()
    assert claim.state == CaseState.IN_REVIEW
    assert claim.approved_amount is None


def test_approved_amount_never_exceeds_what_was_claimed(submit, enrollment_2023_pro, invoice, reviewer, payer):
    case = submit(enrollment_2023_pro, "ambulance-120", documents=[invoice], claimed_amount=Decimal("80.00"))
    case = case_take_over(case=case_start_review(case=case, actor=reviewer), actor=payer, reason="核定补贴金额")

    with pytest.raises(CaseValidationError) as refused:
        claim_approve(case=case, actor=payer, amount="100")

    assert "approved_amount" in refused.value.errors


def test_claim_needs_amount_and_invoice(submit, enrollment_2023_pro, medical_record):
    with pytest.raises(CaseValidationError) as refused:
        submit(enrollment_2023_pro, "ambulance-120", documents=[medical_record])

    assert set(refused.value.errors) == {"claimed_amount", "documents"}


def test_payment_uses_the_quota_and_the_claim_closes(claim, payer, coordinator):
    case = claim_approve(case=claim, actor=payer, amount="180.50")
    case = claim_pay(case=case, actor=payer)

    assert case.state == CaseState.PAID
    assert case.quota_hold.status == "used"
    assert case_close(case=case, actor=coordinator).state == CaseState.CLOSED
