"""The beat task on a real Celery worker over Redis: the sweep runs, and its reminder reaches the inbox."""

import time
from datetime import date
from pathlib import Path

import pytest
from django_celery_beat.models import PeriodicTask

from notifications.models import Notification
from sla.models import Reminder
from tests.factories.cases import UserFactory
from tests.sla.conftest import make_case

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_sweep_is_on_the_beat_schedule_every_five_minutes():
    task = PeriodicTask.objects.get(name="时效巡检")

    assert task.task == "sla.tasks.sweep_sla"
    assert (task.interval.every, task.interval.period) == (300, "seconds")


@pytest.mark.django_db(transaction=True)
def test_real_worker_sweeps_and_delivers_the_reminder_to_the_holder(provider, celery_worker_queue):
    holder = UserFactory(username="holder-on-worker")
    case = make_case(provider=provider, holder=holder, sla_deadline_due=date(2026, 9, 1))
    from config.celery import app

    app.send_task("sla.tasks.sweep_sla", queue=celery_worker_queue)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not Notification.objects.filter(recipient=holder).exists():
        time.sleep(0.5)
    assert Reminder.objects.get(case=case).kind == "breached"
    assert Notification.objects.filter(recipient=holder, case_number=case.number).count() == 1
