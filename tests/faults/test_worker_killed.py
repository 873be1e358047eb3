"""A Celery worker is killed with SIGKILL in the middle of an SLA sweep over 10,000 late cases, and
again in the middle of delivering the reminders; after each restart the beat's periodic tasks (the
sweep, the outbox relay) run again. In the end every reminder, every outbox message and every
notification exists exactly once.
"""

import time
import uuid
from datetime import date

import psycopg
import pytest
from django.db import connection
from django.db.models import Count

from cases.models import Case, CaseState, Channel
from notifications.models import Notification, OutboxMessage
from sla.models import Reminder
from tests.factories.cases import UserFactory
from tests.factories.entitlements import EnrollmentFactory
from tests.factories.providers import ProviderFactory
from tests.faults.conftest import Worker, _admin_dsn, report, wait_until, worker_queue

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

CASES = 10_000
LATE_SINCE = date(2026, 9, 1)
WORKER_ENV = {
    "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    # A killed delivery's lease lapses quickly, so the relay can finish inside the test's budget.
    "OUTBOX_LEASE_SECONDS": "5",
}


def late_cases(count: int, holder) -> None:
    """``count`` dispatched cases past their deadline, written in bulk (the clock fields as the
    services would leave them; no quota holds, the ledger is not under test)."""
    enrollment = EnrollmentFactory()
    provider = ProviderFactory(contact_email="desk@provider.example")
    from entitlements.models import Service

    service = Service.objects.get(code="ci-top3a-expert-appointment")
    prefix = uuid.uuid4().hex[:6]
    Case.objects.bulk_create(
        [
            Case(
                number=f"LB-K{prefix}-{i:05d}",
                channel=Channel.WECHAT,
                state=CaseState.DISPATCHED,
                enrollment=enrollment,
                beneficiary=enrollment.insured,
                service=service,
                applicant_name=enrollment.insured.name,
                city="上海",
                provider=provider,
                holder=holder,
                sla_started_on=date(2026, 8, 3),
                sla_target_due=LATE_SINCE,
                sla_deadline_due=LATE_SINCE,
            )
            for i in range(count)
        ],
        batch_size=2000,
    )


def sweep_in_progress() -> bool:
    """A backend of the test database is inside the sweep's transaction, writing reminders."""
    name = connection.settings_dict["NAME"]
    with psycopg.connect(_admin_dsn(), autocommit=True) as admin:
        row = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND xact_start IS NOT NULL "
            "AND (query ILIKE '%%sla_reminder%%' OR query ILIKE '%%notifications_outboxmessage%%')",
            [name],
        ).fetchone()
    return bool(row and row[0])


def delivered() -> int:
    return OutboxMessage.objects.filter(dedupe_key__startswith="reminder:", delivered_at__isnull=False).count()


def test_worker_killed_mid_sweep_and_mid_delivery_leaves_every_reminder_exactly_once():
    from config.celery import app

    holder = UserFactory(username="coordinator-holding-10k")
    late_cases(CASES, holder)
    connection.close()
    kills: list[str] = []
    started = time.monotonic()

    with worker_queue(f"faults-kill-{uuid.uuid4().hex[:8]}") as queue:
        first = Worker(queue, concurrency=2, extra_env=WORKER_ENV)
        try:
            app.send_task("sla.tasks.sweep_sla", queue=queue)
            assert wait_until(sweep_in_progress, timeout=120, interval=0.05), "the sweep never started"
            first.kill()
            kills.append("mid-sweep" if not Reminder.objects.exists() else "after-sweep-commit")
        finally:
            first.stop()

        second = Worker(queue, concurrency=2, extra_env=WORKER_ENV)
        try:
            app.send_task("sla.tasks.sweep_sla", queue=queue)  # the beat's next run
            assert wait_until(lambda: delivered() >= CASES // 5, timeout=240), "no delivery after the restart"
            second.kill()
            kills.append(f"mid-delivery ({delivered()} of {CASES} delivered)")
        finally:
            second.stop()

        third = Worker(queue, concurrency=2, extra_env=WORKER_ENV)
        try:
            app.send_task("sla.tasks.sweep_sla", queue=queue)

            def relay_until_done() -> bool:
                if delivered() >= CASES:
                    return True
                app.send_task("notifications.tasks.relay_outbox", queue=queue)  # the beat's relay
                return False

            wait_until(relay_until_done, timeout=300, interval=6)
        finally:
            third.stop()

    reminders = Reminder.objects.count()
    distinct_reminders = Reminder.objects.values("case", "kind", "deadline").distinct().count()
    messages = OutboxMessage.objects.filter(dedupe_key__startswith="reminder:")
    notices = Notification.objects.filter(kind="sla_breached", recipient=holder)
    duplicates = notices.values("case_number").annotate(n=Count("id")).filter(n__gt=1).count()
    cases_reminded = Reminder.objects.values("case").distinct().count()
    report(
        "worker_sigkill_sla_sweep",
        cases=CASES,
        kills=len(kills),
        killed_at="; ".join(kills),
        reminders=reminders,
        outbox_messages=messages.count(),
        delivered=delivered(),
        notifications=notices.count(),
        lost=CASES - cases_reminded + (CASES - notices.values("case_number").distinct().count()),
        duplicates=(reminders - distinct_reminders) + duplicates,
        seconds=round(time.monotonic() - started, 1),
    )
    assert len(kills) == 2
    assert reminders == distinct_reminders == cases_reminded == CASES
    assert messages.count() == CASES and delivered() == CASES
    assert notices.count() == CASES and duplicates == 0
    assert not Reminder.objects.filter(message__isnull=True).exists()
