"""/healthz and /readyz: JSON, no login, each part named; manage.py readyz for workers and the beat."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from notifications.models import OutboxMessage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_and_media")]
PARTS = {"database", "migrations", "broker", "cache", "outbox", "calendar"}


def test_healthz_answers_without_login_or_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers


def test_readyz_is_ready_when_every_part_is(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok" and body["failing"] == []
    assert set(body["checks"]) == PARTS and set(body["checks"].values()) == {"OK"}
    assert response.headers["Cache-Control"].startswith("max-age=0")
    assert "Set-Cookie" not in response.headers


def test_readyz_names_an_outbox_message_left_undelivered_too_long(client, settings):
    settings.OUTBOX_MAX_AGE_SECONDS = 600
    message = OutboxMessage.objects.create(topic="notify", payload={})
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=11))

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["failing"] == ["outbox"]
    assert "阈值 600 秒" in response.json()["checks"]["outbox"]


def test_readyz_ignores_a_young_undelivered_message(client):
    OutboxMessage.objects.create(topic="notify", payload={})
    assert client.get("/readyz").status_code == 200


def test_readyz_names_the_calendar_when_the_next_working_day_is_not_covered(client):
    from workdays.calendar import calendar_invalidate
    from workdays.models import CalendarYear

    CalendarYear.objects.filter(year__gte=timezone.localdate().year).update(covered=False)
    calendar_invalidate()

    response = client.get("/readyz")

    assert response.status_code == 503 and response.json()["failing"] == ["calendar"]
    assert f"工作日历未覆盖 {timezone.localdate().year} 年" in response.json()["checks"]["calendar"]


def test_readyz_names_unapplied_migrations(client):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'cases' AND name = '0007_redundant_fk_indexes'")

    response = client.get("/readyz")

    assert response.status_code == 503 and response.json()["failing"] == ["migrations"]
    assert "cases.0007_redundant_fk_indexes" in response.json()["checks"]["migrations"]


def test_readyz_answers_no_personal_data(client):
    from tests.factories.entitlements import PersonFactory

    person = PersonFactory()
    body = client.get("/readyz").content.decode()
    assert person.id_number not in body and person.phone not in body and person.name not in body


def test_beat_readiness_needs_a_recent_run(capsys):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every, _ = IntervalSchedule.objects.get_or_create(every=60, period=IntervalSchedule.SECONDS)
    task, _ = PeriodicTask.objects.get_or_create(
        name="发件箱补发", defaults={"task": "notifications.tasks.relay_outbox", "interval": every}
    )
    PeriodicTask.objects.update(last_run_at=timezone.now() - timedelta(hours=1))
    with pytest.raises(CommandError, match="beat"):
        call_command("readyz", "beat")
    assert "秒未运行任务（阈值 600 秒）" in capsys.readouterr().out

    PeriodicTask.objects.filter(pk=task.pk).update(last_run_at=timezone.now() - timedelta(seconds=30))
    call_command("readyz", "beat")
    assert '"beat": "OK"' in capsys.readouterr().out


def test_worker_readiness_fails_when_no_worker_answers(settings):
    with pytest.raises(CommandError, match="worker"):
        call_command("readyz", "worker", "--node", "celery@nowhere")


@pytest.mark.django_db(transaction=True)
def test_worker_readiness_passes_when_its_worker_answers_ping(celery_worker_queue, capsys):
    import time

    deadline = time.monotonic() + 60
    while True:
        try:
            call_command("readyz", "worker")
            break
        except CommandError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
    assert '"worker": "OK"' in capsys.readouterr().out
