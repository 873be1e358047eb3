"""Redis, the broker, is stopped for 30 seconds while 200 cases are submitted and moved through
medical review. Every case commits; the notices written to the outbox meanwhile are delivered by a
real worker once Redis is back (the relay picks up what no enqueue could hand over), each once.

This test stops the Redis server CELERY_BROKER_URL names and always starts it again.
"""

import contextlib
import threading
import time
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from cases.models import Case, CaseState, DocumentKind
from cases.services import DocumentUpload, case_start_review, case_submit, review_approve
from notifications.models import Notification, OutboxMessage
from notifications.services import permission_holders
from tests.factories.cases import pdf_bytes, role_user, service
from tests.factories.entitlements import EnrollmentFactory, PolicyFactory
from tests.faults.conftest import Worker, redis_start, redis_stop, report, wait_until, worker_queue

# Stops the shared Redis: nothing else may run beside it (dev.py runs the exclusive tests alone).
pytestmark = [pytest.mark.faults, pytest.mark.exclusive, pytest.mark.django_db(transaction=True)]

CASES = 200
OUTAGE_SECONDS = 30
THREADS = 4
WORKER_ENV = {"EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"}
REQUEST = {
    "city": "上海",
    "province": "上海",
    "diagnosis": "肺恶性肿瘤",
    "suspected": True,
    "diagnosing_hospital": "上海市第一人民医院",
    "diagnosing_hospital_level": 3,
    "diagnosing_hospital_ownership": "public",
}
CHECKLIST = {
    "check_hospital_level": True,
    "check_specialist_diagnosis": True,
    "check_disease_listed": True,
    "check_documents_complete": True,
}


def submit_and_approve(enrollments, intake, reviewer, errors: list) -> None:
    try:
        for enrollment in enrollments:
            case = case_submit(
                actor=intake,
                channel="wechat",
                beneficiary=enrollment.insured,
                service=service("ci-top3a-expert-appointment"),
                enrollment=enrollment,
                documents=[DocumentUpload(kind=DocumentKind.MEDICAL_RECORD, content=pdf_bytes(), name="病历.pdf")],
                **REQUEST,
            )
            case = case_start_review(case=case, actor=reviewer)
            review_approve(case=case, actor=reviewer, checklist=CHECKLIST)
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        connection.close()


def expected_notifications(messages) -> int:
    def role(message) -> int:
        permission = message.payload.get("permission")
        return permission_holders(permission).count() if permission else 0

    return sum(len(m.payload.get("user_ids", [])) + len(m.payload.get("emails", [])) + role(m) for m in messages)


def test_cases_moved_while_redis_is_down_all_commit_and_every_notice_arrives_once(settings, tmp_path):
    from config.celery import app

    settings.MEDIA_ROOT = tmp_path / "private-media"
    intake, reviewer = role_user("intake", "intake-during-outage"), role_user("reviewer", "reviewer-during-outage")
    role_user("coordinator", "coordinator-during-outage")
    enrollments = [EnrollmentFactory(policy=PolicyFactory()) for _ in range(CASES)]
    connection.close()
    errors: list[str] = []

    with worker_queue(f"faults-redis-{uuid.uuid4().hex[:8]}") as queue:
        worker = Worker(queue, extra_env=WORKER_ENV)
        try:
            time.sleep(3)  # the worker is connected before the broker goes away
            redis_stop()
            stopped = time.monotonic()
            try:
                threads = [
                    threading.Thread(
                        target=submit_and_approve, args=(enrollments[i::THREADS], intake, reviewer, errors)
                    )
                    for i in range(THREADS)
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(timeout=600)
                written_during_outage = OutboxMessage.objects.count()
                delivered_during_outage = OutboxMessage.objects.filter(delivered_at__isnull=False).count()
                time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopped)))
            finally:
                redis_start()
            outage = time.monotonic() - stopped
            back = timezone.now()

            def all_delivered() -> bool:
                if not OutboxMessage.objects.filter(delivered_at__isnull=True).exists():
                    return True
                # The beat's relay; a publish on a pooled connection Redis dropped fails once, then reconnects.
                with contextlib.suppress(Exception):
                    app.send_task("notifications.tasks.relay_outbox", queue=queue)
                return False

            wait_until(all_delivered, timeout=180, interval=5)
        finally:
            worker.stop()

    cases = Case.objects.filter(enrollment__in=enrollments)
    messages = list(OutboxMessage.objects.filter(payload__case_number__in=list(cases.values_list("number", flat=True))))
    notifications = Notification.objects.filter(message__in=messages)
    pairs = notifications.values_list("message_id", "recipient_id", "email")
    report(
        "redis_stopped",
        cases=CASES,
        outage_seconds=round(outage, 1),
        committed=cases.count(),
        approved=cases.filter(state=CaseState.APPROVED).count(),
        outbox_messages=len(messages),
        written_during_outage=written_during_outage,
        delivered_during_outage=delivered_during_outage,
        delivered_after=OutboxMessage.objects.filter(pk__in=[m.pk for m in messages], delivered_at__gte=back).count(),
        notifications=notifications.count(),
        lost=expected_notifications(messages) - notifications.count(),
        duplicates=len(pairs) - len(set(pairs)),
        errors=len(errors),
    )
    assert errors == []
    assert outage >= OUTAGE_SECONDS
    assert cases.count() == cases.filter(state=CaseState.APPROVED).count() == CASES
    assert len(messages) == written_during_outage and delivered_during_outage == 0
    assert all(m.delivered_at is not None for m in OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]))
    assert notifications.count() == expected_notifications(messages)
    assert len(pairs) == len(set(pairs))
