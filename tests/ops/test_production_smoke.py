"""Production mode end to end: gunicorn, a Celery worker and beat with DEBUG=false against PostgreSQL
and Redis; a case submitted through the intake API, its notice delivered, the request's id in the
worker's log lines, its metrics counted; then everything stopped."""

import base64
import datetime
import json
import os

import pytest
from django.db import connection

from cases.models import Case
from notifications.models import Notification, OutboxMessage
from tests.factories.cases import pdf_bytes, role_user
from tests.factories.entitlements import EnrollmentFactory, PolicyFactory
from tests.ops.servers import METRICS_TOKEN, PrivateRedis, Processes, http, production_env, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.usefixtures("calendar_and_media")]


@pytest.fixture
def workdir(tmp_path):
    return tmp_path


@pytest.fixture
def redis(workdir):
    server = PrivateRedis(workdir)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def deployment(redis, workdir):
    from django.utils import timezone
    from django_celery_beat.models import PeriodicTask

    from notifications.apps import _ensure_periodic_tasks

    _ensure_periodic_tasks(sender=None)
    # Due at once: the beat's first tick sends the relay and the SLA sweep.
    PeriodicTask.objects.update(last_run_at=timezone.now() - datetime.timedelta(days=1))
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = production_env(database_url=url, redis=redis, workdir=workdir, queue=f"smoke-{os.getpid()}")
    processes = Processes(env, workdir)
    processes.start("web", "worker", "beat")
    try:
        yield processes
    finally:
        processes.stop()


def _samples(body: bytes) -> dict[str, float]:
    samples = {}
    for line in body.decode().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


def _metrics(deployment) -> dict[str, float]:
    status, _, body = http(deployment.url("/metrics"), headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert status == 200
    return _samples(body)


def _case_body(enrollment) -> bytes:
    return json.dumps(
        {
            "beneficiary_id_number": enrollment.insured.id_number,
            "service": "ci-top3a-expert-appointment",
            "city": "上海",
            "preferred_hospital": "复旦大学附属中山医院",
            "hospital_is_top50": True,
            "diagnosis": "肺恶性肿瘤",
            "critical_illness": None,
            "suspected": True,
            "diagnosing_hospital": "上海市第一人民医院",
            "diagnosing_hospital_level": 3,
            "diagnosing_hospital_ownership": "public",
            "documents": [
                {"kind": "medical_record", "name": "病历.pdf", "content_base64": base64.b64encode(pdf_bytes()).decode()}
            ],
        }
    ).encode()


def test_production_deployment_takes_a_case_and_delivers_its_notice(deployment):
    enrollment = EnrollmentFactory(policy=PolicyFactory(effective_date=datetime.date(2024, 3, 1)))
    reviewer = role_user("reviewer")
    from audit.tokens import api_token_issue

    token = api_token_issue(user=role_user("intake", "wechat-backend"))

    ready = wait_until(lambda: http(deployment.url("/readyz"))[0] == 200, timeout=90, what="/readyz to answer 200")
    assert ready
    status, _, body = http(deployment.url("/readyz"))
    assert json.loads(body)["status"] == "ok"
    worker = wait_until(lambda: deployment.manage("readyz", "worker").returncode == 0, timeout=60, what="worker")
    beat = wait_until(lambda: deployment.manage("readyz", "beat").returncode == 0, timeout=60, what="beat")
    assert worker and beat

    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    status, answer_headers, body = http(
        deployment.url("/api/v1/cases"), method="POST", body=_case_body(enrollment), headers=headers
    )
    assert status == 201, body.decode()
    number = json.loads(body)["number"]
    request_id = answer_headers["X-Request-ID"]

    def delivered() -> bool:
        case = Case.objects.get(number=number)
        return Notification.objects.filter(recipient=reviewer, case_number=case.number).exists()

    wait_until(delivered, timeout=60, what="the reviewer's notice")
    assert not OutboxMessage.objects.filter(delivered_at__isnull=True, payload__case_number=number).exists()
    assert list((deployment.workdir / "var" / "mail").iterdir()), "the notice was e-mailed"

    task_lines = [json.loads(line) for line in deployment.log("worker").splitlines() if line.startswith("{")]
    assert any(line.get("request_id") == request_id for line in task_lines), "request id carried into the task"
    assert enrollment.insured.id_number not in deployment.log("web") + deployment.log("worker")

    def counted() -> dict | None:
        samples = _metrics(deployment)
        return samples if samples.get("lanben_sla_sweeps_total", 0) >= 1 else None

    samples = wait_until(counted, timeout=60, what="the beat's first sweep in the metrics", interval=2)
    assert samples['lanben_cases{state="submitted"}'] == 1
    responses = "django_http_responses_total_by_status_view_method_total{"
    created = [v for k, v in samples.items() if k.startswith(responses) and 'status="201"' in k and "api-cases" in k]
    assert created == [1.0], sorted(k for k in samples if "api-cases" in k)
    assert samples['lanben_celery_queue_length{queue="' + deployment.env["CELERY_TASK_DEFAULT_QUEUE"] + '"}'] >= 0
    assert samples['django_db_execute_total{alias="default",vendor="postgresql"}'] > 0

    deployment.stop()
    assert http(deployment.url("/healthz"))[0] is None
