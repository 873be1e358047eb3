"""The beat task on a real Celery worker over Redis: the sweep runs, and its reminder reaches the inbox."""

import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from django.db import connection
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
def test_real_worker_sweeps_and_delivers_the_reminder_to_the_holder(provider):
    holder = UserFactory(username="holder-on-worker")
    case = make_case(provider=provider, holder=holder, sla_deadline_due=date(2026, 9, 1))
    db = connection.settings_dict
    env = dict(os.environ)
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    queue = f"test-sla-{os.getpid()}"
    env["CELERY_TASK_DEFAULT_QUEUE"] = queue
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "--pool", "solo", "-l", "WARNING"],
        cwd=ROOT,
        env=env,
    )
    from config.celery import app

    try:
        app.conf.task_default_queue = queue
        app.send_task("sla.tasks.sweep_sla", queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not Notification.objects.filter(recipient=holder).exists():
            time.sleep(0.5)
        assert Reminder.objects.get(case=case).kind == "breached"
        assert Notification.objects.filter(recipient=holder, case_number=case.number).count() == 1
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        app.conf.task_default_queue = "celery"
