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


@pytest.fixture
def celery_queued():
    """Tasks go to the broker (the Redis queue), as on a web host, whatever an earlier test set."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = previous


def _queued_tasks(broker) -> list[dict]:
    import json

    return [json.loads(raw)["headers"] for raw in broker.lrange("celery", 0, -1)]


@pytest.mark.django_db
def test_messages_that_follow_a_kick_are_handed_over_together(
    coordinator, settings, monkeypatch, django_capture_on_commit_callbacks, celery_queued
):
    """The first message of a window is handed to the broker by itself; the ones that follow within
    OUTBOX_KICK_WINDOW_MS make one more task, due when the window closes, which delivers every one
    of them once."""
    import redis

    from notifications import services
    from notifications.tasks import deliver_outbox_message, deliver_outbox_pending

    monkeypatch.setattr(services, "_window", services._KickWindow())
    settings.OUTBOX_KICK_WINDOW_MS = 60_000  # the whole test is one window
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("celery")
    messages = []
    for n in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            messages.append(_notify(coordinator, dedupe_key=f"window:{n}"))

    tasks = _queued_tasks(broker)
    assert [task["task"] for task in tasks] == [
        "notifications.tasks.deliver_outbox_pending",
        "notifications.tasks.deliver_outbox_message",
    ]  # LPUSH: newest first
    assert tasks[1]["argsrepr"] == f"[{messages[0].pk}]" and tasks[1]["eta"] is None
    assert tasks[0]["eta"] is not None  # due when the window closes
    assert deliver_outbox_message(messages[0].pk) is True
    assert deliver_outbox_pending() == {"delivered": 3, "failed": 0}
    assert deliver_outbox_pending() == {"delivered": 0, "failed": 0}
    assert OutboxMessage.objects.filter(delivered_at__isnull=True).count() == 0
    assert Notification.objects.filter(recipient=coordinator).count() == 4
    broker.delete("celery")


@pytest.mark.django_db
def test_without_a_window_every_message_is_handed_over_by_itself(
    coordinator, settings, monkeypatch, django_capture_on_commit_callbacks, celery_queued
):
    import redis

    from notifications import services

    monkeypatch.setattr(services, "_window", services._KickWindow())
    settings.OUTBOX_KICK_WINDOW_MS = 0
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("celery")
    for n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            _notify(coordinator, dedupe_key=f"alone:{n}")
    assert [task["task"] for task in _queued_tasks(broker)] == ["notifications.tasks.deliver_outbox_message"] * 3
    broker.delete("celery")
