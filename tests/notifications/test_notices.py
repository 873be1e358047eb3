"""Notices worth reading: none for your own actions, none for the demo's history, read when the case
is opened from them, an unread tab, and e-mails that link to the case with its state and deadline."""

import pytest
from django.core import mail
from django.urls import reverse

from cases.services import case_start_review, review_return
from notifications.models import Notification
from tests.cases.conftest import REVIEWED_REQUEST
from tests.factories.cases import pdf_bytes, role_user
from tests.factories.entitlements import EnrollmentFactory, PolicyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(calendar_and_media, celery_eager, settings):
    settings.SITE_BASE_URL = "https://desk.example.cn"


def _deliver() -> None:
    """What the worker does after commit: deliver the outbox, then send the e-mails."""
    from notifications.models import OutboxMessage
    from notifications.services import notification_send_emails, outbox_deliver

    for pk in OutboxMessage.objects.filter(delivered_at__isnull=True).values_list("pk", flat=True):
        outbox_deliver(message_id=pk)
    notification_send_emails()


def _submit(actor):
    import datetime

    from cases.models import DocumentKind
    from cases.services import DocumentUpload, case_submit
    from tests.factories.cases import service

    enrollment = EnrollmentFactory(policy=PolicyFactory(effective_date=datetime.date(2024, 3, 1)))
    case = case_submit(
        actor=actor,
        channel="wechat",
        beneficiary=enrollment.insured,
        service=service("ci-top3a-expert-appointment"),
        documents=[DocumentUpload(kind=DocumentKind.MEDICAL_RECORD, content=pdf_bytes(), name="病历.pdf")],
        **REVIEWED_REQUEST,
    )
    _deliver()
    return case


def test_nobody_is_noticed_of_his_own_action():
    # A reviewer who also keys requests in: the review queue's notice of his own submission skips him.
    reviewer = role_user("reviewer", "dr-both")
    from django.contrib.auth.models import Permission

    reviewer.user_permissions.add(Permission.objects.get(codename="submit_case"))
    colleague = role_user("reviewer", "dr-colleague")

    _submit(reviewer)

    assert not Notification.objects.filter(recipient=reviewer).exists()
    assert Notification.objects.filter(recipient=colleague).count() == 1


def test_email_links_to_the_case_with_its_state_and_deadline():
    role_user("reviewer", "dr-mail").__class__.objects.filter(username="dr-mail").update(email="dr@example.cn")

    case = _submit(role_user("intake"))

    sent = [m for m in mail.outbox if "dr@example.cn" in m.to]
    assert len(sent) == 1
    body = sent[0].body
    assert f"https://desk.example.cn{reverse('admin:cases_case_change', args=[case.pk])}" in body
    assert "当前状态：已提交" in body
    assert f"办理期限：审核应完成日 {case.review_due:%Y-%m-%d}" in body


def test_opening_the_case_from_a_notice_marks_it_read(client):
    reviewer = role_user("reviewer")
    case = _submit(role_user("intake"))
    notice = Notification.objects.get(recipient=reviewer)
    client.force_login(reviewer)

    response = client.get(reverse("notifications:open", args=[notice.pk]))

    assert response.url == reverse("admin:cases_case_change", args=[case.pk])
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_nobody_opens_another_users_notice(client):
    reviewer, other = role_user("reviewer"), role_user("coordinator")
    _submit(role_user("intake"))
    notice = Notification.objects.get(recipient=reviewer)
    client.force_login(other)

    client.get(reverse("notifications:open", args=[notice.pk]))

    notice.refresh_from_db()
    assert notice.read_at is None


def test_unread_tab_shows_only_unread_notices(client):
    reviewer = role_user("reviewer")
    intake = role_user("intake")
    first, second = _submit(intake), _submit(intake)
    Notification.objects.filter(recipient=reviewer, case_number=first.number).update(read_at="2026-01-01T00:00Z")
    client.force_login(reviewer)

    everything = client.get(reverse("notifications:inbox")).content.decode()
    unread = client.get(reverse("notifications:inbox"), {"show": "unread"}).content.decode()

    assert first.number in everything and second.number in everything
    assert second.number in unread and first.number not in unread
    assert "全部" in unread and "未读（1）" in unread


def test_the_holder_is_told_when_the_applicant_resubmits_but_not_of_his_own_return():
    reviewer = role_user("reviewer")
    case = case_start_review(case=_submit(role_user("intake")), actor=reviewer)
    before = Notification.objects.filter(recipient=reviewer).count()

    review_return(case=case, actor=reviewer, message="请补充出院小结")
    _deliver()

    assert Notification.objects.filter(recipient=reviewer).count() == before


def test_seeding_the_demo_writes_no_notices_for_its_history(settings):
    from django.core.management import call_command

    from cases.models import CaseEvent
    from demo.story import _moment

    settings.DEBUG = True
    call_command("seed_demo")

    from notifications.models import OutboxMessage

    today_start = _moment(0, 0)
    notices = OutboxMessage.objects.filter(topic="notify").exclude(payload__case_number="")
    noticed = set(notices.values_list("payload__case_number", flat=True))
    recent = set(CaseEvent.objects.filter(at__gte=today_start).values_list("case__number", flat=True))
    assert CaseEvent.objects.filter(at__lt=today_start).exists()  # the demo has a history
    assert noticed <= recent  # only cases with an event today are noticed
    assert notices.count() < CaseEvent.objects.filter(kind="transition").count() / 3
