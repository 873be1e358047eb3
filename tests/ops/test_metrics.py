"""/metrics: Prometheus text for a scraper holding the token; the product's figures next to
django-prometheus's request and query counts."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from cases.models import CaseState
from notifications.models import OutboxMessage
from ops.metrics import _estimated_states, cases_by_state, webhook_failure_record
from tests.factories.cases import CaseFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_and_media")]
TOKEN = "scrape-token-for-tests"


def scrape(client) -> dict[str, float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for line in response.content.decode().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Token {TOKEN}", "Bearer "])
def test_metrics_refuse_a_scraper_without_the_token(client, header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = client.get("/metrics", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "lanben_" not in response.content.decode()


def test_metrics_are_closed_when_no_token_is_configured(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401


def test_cases_counted_by_state(client):
    CaseFactory.create_batch(2, state=CaseState.SUBMITTED, quota_hold=None)
    CaseFactory(state=CaseState.CLOSED, quota_hold=None)

    samples = scrape(client)

    assert samples['lanben_cases{state="submitted"}'] == 2
    assert samples['lanben_cases{state="closed"}'] == 1
    assert samples['lanben_cases{state="paid"}'] == 0


def test_open_cases_past_deadline_are_the_boards_breached_cases(client):
    today = timezone.localdate()
    CaseFactory(state=CaseState.DISPATCHED, quota_hold=None, sla_deadline_due=today - timedelta(days=1))
    CaseFactory(state=CaseState.DISPATCHED, quota_hold=None, sla_deadline_due=today + timedelta(days=3))
    CaseFactory(state=CaseState.WAITING_CUSTOMER, quota_hold=None, sla_deadline_due=today - timedelta(days=5))

    assert scrape(client)["lanben_cases_past_deadline"] == 1


def test_outbox_backlog_and_age(client):
    message = OutboxMessage.objects.create(topic="notify", payload={})
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(seconds=120))
    OutboxMessage.objects.create(topic="notify", payload={}, delivered_at=timezone.now())

    samples = scrape(client)

    assert samples["lanben_outbox_backlog"] == 1
    assert 119 <= samples["lanben_outbox_oldest_age_seconds"] < 200


def test_webhook_failures_read_zero_for_every_provider_until_one_fails(client):
    from django.core.cache import cache

    from providers.models import Provider

    codes = list(Provider.objects.values_list("code", flat=True))
    cache.delete_many([f"ops:metrics:counter:webhook_failures:{code}" for code in codes])
    samples = scrape(client)
    assert codes and all(samples[f'lanben_provider_webhook_failures_total{{provider="{c}"}}'] == 0 for c in codes)

    webhook_failure_record(provider=codes[0])
    assert scrape(client)[f'lanben_provider_webhook_failures_total{{provider="{codes[0]}"}}'] == 1


def test_sweep_duration_and_reminders_are_counted(client, celery_eager):
    from django.core.cache import cache

    from sla.tasks import sweep_sla

    cache.delete_many([f"ops:metrics:counter:{n}" for n in ("sla_sweeps", "sla_reminders_sent")])
    CaseFactory(state=CaseState.DISPATCHED, quota_hold=None, sla_deadline_due=date(2020, 1, 6))

    sweep_sla.delay()

    samples = scrape(client)
    assert samples["lanben_sla_sweeps_total"] == 1
    assert samples["lanben_sla_reminders_sent_total"] == 1
    assert samples["lanben_sla_sweep_last_duration_seconds"] > 0


def test_request_counts_and_latency_by_view_and_query_counts(client):
    client.get("/healthz")
    samples = scrape(client)
    assert samples['django_http_requests_latency_seconds_by_view_method_count{method="GET",view="healthz"}'] >= 1
    assert 'lanben_celery_queue_length{queue="celery"}' in samples

    statements = 'django_db_execute_total{alias="default",vendor="postgresql"}'
    before = scrape(client)[statements]
    with connection.cursor() as cursor:
        for _ in range(3):
            cursor.execute("SELECT 1")
    assert scrape(client)[statements] - before >= 3


def test_the_snapshot_is_cached_between_scrapes(client, django_assert_max_num_queries):
    scrape(client)
    CaseFactory(state=CaseState.SUBMITTED, quota_hold=None)
    with django_assert_max_num_queries(2):
        samples = scrape(client)
    assert samples['lanben_cases{state="submitted"}'] == 0  # until METRICS_CACHE_SECONDS have passed


def test_large_states_are_taken_from_the_planners_statistics(settings):
    CaseFactory.create_batch(3, state=CaseState.CLOSED, quota_hold=None)
    CaseFactory(state=CaseState.SUBMITTED, quota_hold=None)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
    settings.METRICS_EXACT_COUNT_LIMIT = 2

    assert _estimated_states(2) == {CaseState.CLOSED: 3}
    assert cases_by_state()[CaseState.CLOSED] == 3
    assert cases_by_state()[CaseState.SUBMITTED] == 1
