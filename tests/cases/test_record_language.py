"""What a case's record says is written in the desk's language (Chinese), whichever language the
person taking the action reads the desk in: the record is the case file, read by everyone later."""

import pytest
from django.utils import translation

from audit.models import AuditEvent
from cases.models import CaseEvent, CaseState
from cases.services import case_start_review, review_reject

pytestmark = pytest.mark.django_db


def test_a_rejection_taken_in_english_writes_the_case_record_and_the_audit_line_in_chinese(
    submit, enrollment_2023_pro, reviewer
):
    case = case_start_review(case=submit(enrollment_2023_pro), actor=reviewer)
    with translation.override("en"):
        review_reject(case=case, actor=reviewer, reason="not_specialist")
        assert translation.get_language() == "en"
    event = CaseEvent.objects.get(case=case, to_state=CaseState.REJECTED)
    assert event.note == "非专科医生诊断"
    summary = (
        AuditEvent.objects.filter(object_id=str(case.pk), summary__contains="→")
        .order_by("-id")
        .values_list("summary", flat=True)[0]
    )
    assert summary == "审核不通过：医学审核中 → 审核不通过"
