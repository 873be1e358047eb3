"""The outbox: a message exists exactly when its change committed, and is delivered exactly once."""

import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone

from notifications.models import Notification, OutboxMessage
from notifications.services import notify, outbox_deliver, outbox_relay

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def coordinator(django_user_model):
    return django_user_model.objects.create_user("coord", email="coord@insurer.example", password="pw-long-enough")


def _notify(user, **extra):
    return notify(
        kind="sla_due_soon",
        subject="LB-2026-000001 明天到期",
        case_number="LB-2026-000001",
        users=[user],
        emails=["ops@provider.example"],
        **extra,
    )


@pytest.mark.django_db(transaction=True)
def test_no_message_is_left_when_the_change_rolls_back(coordinator):
    with pytest.raises(RuntimeError), transaction.atomic():
        _notify(coordinator)
        raise RuntimeError("the case change failed")
    assert OutboxMessage.objects.count() == 0


@pytest.mark.django_db
def test_delivery_shows_the_notice_in_the_portal_and_emails_everyone(coordinator, mailoutbox):
    message = _notify(coordinator)
    assert outbox_deliver(message_id=message.pk) is True
    assert list(Notification.objects.values_list("recipient__username", "email").order_by("email")) == [
        ("coord", "coord@insurer.example"),
        (None, "ops@provider.example"),
    ]
    assert sorted(mail.to[0] for mail in mailoutbox) == ["coord@insurer.example", "ops@provider.example"]
    message.refresh_from_db()
    assert message.delivered_at is not None


@pytest.mark.django_db
def test_delivering_the_same_message_again_changes_nothing(coordinator, mailoutbox):
    message = _notify(coordinator)
    outbox_deliver(message_id=message.pk)
    assert outbox_deliver(message_id=message.pk) is False
    assert Notification.objects.count() == 2
    assert len(mailoutbox) == 2


@pytest.mark.django_db
def test_a_reminder_with_the_same_key_is_recorded_once(coordinator):
    assert _notify(coordinator, dedupe_key="reminder:1:due_soon:2026-12-01") is not None
    assert _notify(coordinator, dedupe_key="reminder:1:due_soon:2026-12-01") is None
    assert OutboxMessage.objects.count() == 1


@pytest.mark.django_db
def test_the_relay_delivers_what_no_worker_was_given(coordinator):
    message = _notify(coordinator)
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert outbox_relay()["delivered"] == 1
    assert Notification.objects.filter(message=message).count() == 2
    assert outbox_relay()["delivered"] == 0


@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_at_once_deliver_once(coordinator, mailoutbox):
    message = _notify(coordinator)
    results = []
    barrier = threading.Barrier(2)

    def worker():
        barrier.wait()
        try:
            results.append(outbox_deliver(message_id=message.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    assert Notification.objects.count() == 2
    assert len(mailoutbox) == 2


@pytest.mark.django_db
def test_inbox_lists_my_notifications_and_marks_them_read(client, coordinator):
    outbox_deliver(message_id=_notify(coordinator).pk)
    client.force_login(coordinator)
    page = client.get("/notifications/")
    assert "LB-2026-000001 明天到期" in page.content.decode()
    client.post("/notifications/read")
    assert Notification.objects.get(recipient=coordinator).read_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_delivers_a_committed_message(coordinator, celery_worker_queue):
    with transaction.atomic():
        message = _notify(coordinator)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not Notification.objects.filter(message=message).exists():
        time.sleep(0.5)
    assert Notification.objects.filter(message=message).count() == 2
