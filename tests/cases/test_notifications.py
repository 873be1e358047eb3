"""Case events reach the people who act next, through the transactional outbox: never the
customer's personal data, never for an action that was refused, never lost to a broker outage."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from audit.roles import REVIEWER
from cases.errors import CaseConflict, CasePermissionDenied
from cases.models import CaseState
from cases.services import case_dispatch, case_start_review, review_approve, review_return
from notifications.models import Notification, OutboxMessage
from notifications.services import outbox_deliver
from providers.models import ProviderContact
from tests.cases.conftest import CHECKLIST_ALL
from tests.factories.cases import UserFactory

pytestmark = pytest.mark.django_db


def _messages(case, kind):
    return OutboxMessage.objects.filter(payload__case_number=case.number, payload__kind=kind)


def _recipients(message) -> set[int]:
    """Who got the notice in the portal once the worker delivered it."""
    outbox_deliver(message_id=message.pk)
    return set(Notification.objects.filter(message=message).values_list("recipient_id", flat=True))


def test_approval_tells_the_coordinators_in_the_portal_and_by_email(submit, enrollment_2023_pro, reviewer, coordinator):
    case = case_start_review(case=submit(enrollment_2023_pro), actor=reviewer)
    case = review_approve(case=case, actor=reviewer, checklist=CHECKLIST_ALL)
    message = _messages(case, "case.approve").get()
    assert message.dedupe_key.startswith("case-event:")

    outbox_deliver(message_id=message.pk)

    notice = Notification.objects.get(recipient=coordinator, case_number=case.number)
    assert case.number in notice.subject
    assert "待派单" in notice.body


def test_dispatch_emails_the_providers_contacts(approved_case, coordinator, provider):
    ProviderContact.objects.create(provider=provider, name="对接人", email="desk@provider.example")

    case = case_dispatch(case=approved_case, actor=coordinator, provider=provider)

    message = _messages(case, "case.dispatch").get()
    assert message.payload["emails"] == ["desk@provider.example"]
    assert message.payload["user_ids"] == []


def test_dispatch_mail_carries_no_personal_data(
    approved_case, coordinator, provider, django_capture_on_commit_callbacks
):
    ProviderContact.objects.create(provider=provider, name="调度张", email="dispatch@provider.test")

    with django_capture_on_commit_callbacks(execute=True):
        case_dispatch(case=approved_case, actor=coordinator, provider=provider, note="请尽快联系客户")

    assert [m.to for m in mail.outbox] == [["dispatch@provider.test"]]
    assert approved_case.number in mail.outbox[0].subject
    assert approved_case.beneficiary.name not in mail.outbox[0].body
    assert approved_case.beneficiary.id_number not in mail.outbox[0].body


def test_return_to_applicant_tells_intake(submit, enrollment_2023_pro, reviewer, intake):
    case = case_start_review(case=submit(enrollment_2023_pro), actor=reviewer)

    case = review_return(case=case, actor=reviewer, message="请补充病理报告")

    message = _messages(case, "case.return_to_applicant").get()
    assert "请补充病理报告" in message.payload["body"]
    assert _recipients(message) == {intake.pk}


def test_a_refused_action_leaves_no_notice(approved_case, coordinator, outsider, provider):
    before = OutboxMessage.objects.count()

    with pytest.raises(CaseConflict):
        case_dispatch(case=approved_case, actor=coordinator, provider=provider, expected_state="dispatched")
    with pytest.raises(CasePermissionDenied):
        case_dispatch(case=approved_case, actor=outsider, provider=provider)

    assert OutboxMessage.objects.count() == before


def test_a_broker_outage_never_undoes_or_breaks_a_decision(
    submit, enrollment_2023_pro, reviewer, django_capture_on_commit_callbacks, monkeypatch
):
    from notifications.tasks import deliver_outbox_message

    def broker_down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(deliver_outbox_message, "apply_async", broker_down)
    case = case_start_review(case=submit(enrollment_2023_pro), actor=reviewer)

    with django_capture_on_commit_callbacks(execute=True):
        case = review_return(case=case, actor=reviewer, message="请补充病理报告")

    assert case.state == CaseState.RETURNED
    assert _messages(case, "case.return_to_applicant").get().delivered_at is None  # left for the relay


def test_a_case_accepted_at_once_tells_the_coordinators_not_the_reviewers(submit, enroll, reviewer, coordinator):
    case = submit(enroll("2021-pro"), "escort", documents=[])

    assert case.state == "approved"
    assert not _messages(case, "case.submit").exists()  # nothing for reviewers to do
    assert _recipients(_messages(case, "case.skip_review").get()) == {coordinator.pk}


def test_a_case_awaiting_review_tells_every_reviewer_once(submit, enrollment_2023_pro, reviewer, coordinator):
    second = UserFactory(username="reviewer-2")  # a reviewer by role group, not by direct permissions
    second.groups.add(Group.objects.get(name=REVIEWER.name))
    left = UserFactory(username="reviewer-left", is_active=False)
    left.groups.add(Group.objects.get(name=REVIEWER.name))

    message = _messages(submit(enrollment_2023_pro), "case.submit").get()

    assert message.payload["permission"] == "cases.review_case"
    assert _recipients(message) == {reviewer.pk, second.pk}
    outbox_deliver(message_id=message.pk)  # delivered again (a retried task): nobody hears twice
    assert Notification.objects.filter(message=message).count() == 2


def test_a_role_notice_reaches_whoever_holds_the_role_when_it_is_delivered(submit, enrollment_2023_pro, reviewer):
    message = _messages(submit(enrollment_2023_pro), "case.submit").get()
    newcomer = UserFactory(username="reviewer-joined")
    newcomer.groups.add(Group.objects.get(name=REVIEWER.name))
    reviewer.is_active = False
    reviewer.save()

    assert _recipients(message) == {newcomer.pk}
