"""Who hears about a case event: the party that acts next, never the customer's personal data."""

import pytest
from django.core import mail

from cases.services import case_dispatch, case_start_review, review_return
from providers.models import ProviderContact

pytestmark = pytest.mark.django_db


def test_dispatch_emails_the_providers_contacts(
    approved_case, coordinator, provider, django_capture_on_commit_callbacks
):
    ProviderContact.objects.create(provider=provider, name="调度张", email="dispatch@provider.test")

    with django_capture_on_commit_callbacks(execute=True):
        case_dispatch(case=approved_case, actor=coordinator, provider=provider, note="请尽快联系客户")

    assert [m.to for m in mail.outbox] == [["dispatch@provider.test"]]
    assert approved_case.number in mail.outbox[0].subject
    assert approved_case.beneficiary.name not in mail.outbox[0].body


def test_return_to_applicant_tells_intake(
    submit, enrollment_2023_pro, reviewer, intake, django_capture_on_commit_callbacks
):
    case = case_start_review(case=submit(enrollment_2023_pro), actor=reviewer)

    with django_capture_on_commit_callbacks(execute=True):
        review_return(case=case, actor=reviewer, message="请补充病理报告")

    assert [m.to for m in mail.outbox] == [[intake.email]]
    assert "请补充病理报告" in mail.outbox[0].body


def test_nothing_is_sent_when_the_action_is_rolled_back(
    approved_case, outsider, provider, django_capture_on_commit_callbacks
):
    from cases.errors import CasePermissionDenied

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(CasePermissionDenied):
        case_dispatch(case=approved_case, actor=outsider, provider=provider)

    assert callbacks == []
    assert mail.outbox == []
