"""Case events reach the people who act next, through the transactional outbox."""

import pytest

from cases.errors import CaseConflict
from cases.services import case_dispatch, review_approve
from notifications.models import Notification, OutboxMessage
from notifications.services import outbox_deliver
from providers.models import ProviderContact
from tests.cases.conftest import CHECKLIST_ALL


def _messages(case, kind):
    return OutboxMessage.objects.filter(payload__case_number=case.number, payload__kind=kind)


@pytest.mark.django_db
def test_approval_tells_the_coordinators_in_the_portal_and_by_email(submit, enrollment_2023_pro, reviewer, coordinator):
    from cases.services import case_start_review

    case = case_start_review(case=submit(enrollment_2023_pro), actor=reviewer)
    case = review_approve(case=case, actor=reviewer, checklist=CHECKLIST_ALL)
    message = _messages(case, "case.approve").get()
    assert message.dedupe_key.startswith("case-event:")
    outbox_deliver(message_id=message.pk)
    notice = Notification.objects.get(recipient=coordinator, case_number=case.number)
    assert case.number in notice.subject
    assert "待派单" in notice.body


@pytest.mark.django_db
def test_dispatch_emails_the_providers_contacts(approved_case, coordinator, provider):
    ProviderContact.objects.create(provider=provider, name="对接人", email="desk@provider.example")
    case = case_dispatch(case=approved_case, actor=coordinator, provider=provider)
    message = _messages(case, "case.dispatch").get()
    assert message.payload["emails"] == ["desk@provider.example"]
    assert message.payload["user_ids"] == []


@pytest.mark.django_db
def test_a_refused_action_leaves_no_notice(approved_case, coordinator, provider):
    before = OutboxMessage.objects.count()
    with pytest.raises(CaseConflict):
        case_dispatch(case=approved_case, actor=coordinator, provider=provider, expected_state="dispatched")
    assert OutboxMessage.objects.count() == before
