"""The benchmark's own honesty: the data set's "today", the disk check, the stock-admin peer."""

import pytest
from django.db import connection
from django.utils import timezone


def test_the_generator_stores_its_anchor_and_the_clock_runs_from_it(bench_data):
    from bench.clock import anchor_read, install
    from bench.generate import NOW

    anchor = anchor_read(connection)
    assert anchor == NOW.isoformat()
    real_now = timezone.now
    try:
        install(anchor)
        assert timezone.localdate() == NOW.date()
        assert abs((timezone.now() - NOW).total_seconds()) < 60
    finally:
        timezone.now = real_now


@pytest.mark.django_db
def test_the_generator_refuses_a_data_set_the_disk_cannot_hold():
    from bench.generate import disk_check

    refusal = disk_check(10**12)
    assert refusal is not None
    assert "refusing to generate 1,000,000,000,000 cases" in refusal
    assert "GB is free" in refusal
    assert disk_check(1_000) is None


def test_the_stock_admin_peer_lists_the_same_cases(bench_data, reviewer_client, settings):
    settings.ROOT_URLCONF = "bench.urls"
    response = reviewer_client.get("/bench/stock-admin/cases/case/?p=2")

    assert response.status_code == 200
    # A page of 100 rows (the project's queue page), the second of six.
    assert response.content.decode().count('class="field-number"') == 100
