"""Held + used never exceeds the limit under concurrency: real threads against PostgreSQL."""

import datetime as dt
import threading

import pytest
from django.db import connection

from entitlements.errors import EntitlementError
from entitlements.models import Edition, QuotaBucket, QuotaHold, Service
from entitlements.services import quota_hold, quota_release
from tests.factories.entitlements import EnrollmentFactory, PolicyFactory

THREADS = 20
ROUNDS = 50
ON = dt.date(2024, 6, 1)


def _submit_all(enrollments, service, barrier, outcomes, lock):
    try:
        for enrollment in enrollments:
            barrier.wait()
            try:
                quota_hold(enrollment=enrollment, beneficiary=enrollment.insured, service=service, on=ON)
                result = "won"
            except EntitlementError as exc:
                result = exc.code
            with lock:
                outcomes[enrollment.pk].append(result)
    finally:
        connection.close()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("bucket_exists", [False, True], ids=["first-request-of-the-year", "bucket-already-open"])
def test_twenty_concurrent_submissions_at_a_one_per_year_quota_never_overspend(bucket_exists):
    edition = Edition.objects.get(code="2023-pro")
    service = Service.objects.get(name="重疾三甲专家预约")
    enrollments = [
        EnrollmentFactory(policy=PolicyFactory(effective_date=dt.date(2024, 3, 1)), edition=edition)
        for _ in range(ROUNDS)
    ]
    if bucket_exists:
        # A released earlier request leaves the year's bucket open at 0 held, 0 used: the race is
        # then on the row lock, not on creating the row.
        for enrollment in enrollments:
            quota_release(
                hold=quota_hold(enrollment=enrollment, beneficiary=enrollment.insured, service=service, on=ON)
            )
    outcomes = {enrollment.pk: [] for enrollment in enrollments}
    barrier, lock = threading.Barrier(THREADS), threading.Lock()
    threads = [
        threading.Thread(target=_submit_all, args=(enrollments, service, barrier, outcomes, lock))
        for _ in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    for results in outcomes.values():
        assert len(results) == THREADS
        assert results.count("won") == 1
        assert results.count("exhausted") == THREADS - 1
    assert QuotaHold.objects.filter(status="held").count() == ROUNDS
    assert all(bucket.held + bucket.used == 1 for bucket in QuotaBucket.objects.all())
