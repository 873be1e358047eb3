"""Quota races: many submissions for the same beneficiary × service × year at once never spend more
than the handbook allows. 1,000 trials of 2–50 concurrent ``quota_hold`` calls on quotas of 1
(2023 专业版 重疾三甲专家预约, 1次/年) and 5 (2023 尊享版1档, 5次/年).

Every crowd size from 2 to 50 runs on both quotas; the other trials are pairs. Trials run in waves
on separate enrollments so that the wave's contenders, never more than ``CONNECTIONS``, each hold
their own PostgreSQL connection from a pool opened once.
"""

import datetime as dt
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.db.models import Count

from entitlements.errors import EntitlementError
from entitlements.models import Edition, Enrollment, QuotaBucket, QuotaHold, Service
from entitlements.services import quota_hold, quota_release
from tests.factories.entitlements import EnrollmentFactory, PolicyFactory
from tests.faults.conftest import report

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

TRIALS = 1000
CONNECTIONS = 50
ON = dt.date(2024, 6, 1)
SERVICE = "ci-top3a-expert-appointment"
EDITIONS = {1: "2023-pro", 5: "2023-premium-1"}


@dataclass
class Trial:
    number: int
    limit: int
    contenders: int
    bucket_open: bool
    enrollment: Enrollment | None = None
    outcomes: list[str] = field(default_factory=list)


def plan(seed: int = 20261125) -> list[Trial]:
    """Every crowd size from 2 to 50 on both quotas, the rest of the 1,000 trials pairs: the
    pairs are the common race at the counter, and keep the run inside CI's budget."""
    rng = random.Random(seed)
    sizes = [(limit, size) for limit in EDITIONS for size in range(2, 51)]
    sizes += [(1 if i % 2 else 5, 2) for i in range(TRIALS - len(sizes))]
    rng.shuffle(sizes)
    return [
        Trial(number=i, limit=limit, contenders=size, bucket_open=rng.random() < 0.5)
        for i, (limit, size) in enumerate(sizes)
    ]


def waves(trials: list[Trial]) -> list[list[Trial]]:
    """Pack trials into waves of at most CONNECTIONS contenders in all."""
    packed: list[list[Trial]] = []
    current: list[Trial] = []
    for trial in trials:
        if current and sum(t.contenders for t in current) + trial.contenders > CONNECTIONS:
            packed.append(current)
            current = []
        current.append(trial)
    return [*packed, current]


def prepare(wave: list[Trial], service: Service) -> None:
    """Start each trial from a fresh year: no holds, and either no bucket (the race is then on
    creating it) or an open one at 0 held, 0 used — as an earlier request of the year, released,
    leaves it (the race is then on its row lock)."""
    enrollments = [t.enrollment for t in wave]
    opened = [t.enrollment for t in wave if t.bucket_open]
    QuotaHold.objects.filter(enrollment__in=enrollments).delete()
    QuotaBucket.objects.filter(enrollment__in=enrollments).exclude(enrollment__in=opened).delete()
    QuotaBucket.objects.filter(enrollment__in=opened).update(held=0, used=0)
    existing = set(QuotaBucket.objects.filter(enrollment__in=opened).values_list("enrollment_id", flat=True))
    for enrollment in (e for e in opened if e.pk not in existing):
        hold = quota_hold(enrollment=enrollment, beneficiary=enrollment.insured, service=service, on=ON)
        quota_release(hold=hold)
        hold.delete()


def outcome_errors(wave: list[Trial]) -> tuple[int, int]:
    """(over-spent trials, under-spent trials) of a finished wave, from two queries."""
    enrollments = [t.enrollment for t in wave]
    buckets = {b.enrollment_id: b for b in QuotaBucket.objects.filter(enrollment__in=enrollments)}
    held = dict(
        QuotaHold.objects.filter(enrollment__in=enrollments, status="held")
        .values_list("enrollment_id")
        .annotate(n=Count("id"))
    )
    over = under = 0
    for trial in wave:
        bucket, won = buckets.get(trial.enrollment.pk), trial.outcomes.count("won")
        if bucket is None:  # every contender failed (reported as errors)
            over, under = over + int(won > 0), under + 1
            continue
        holds = held.get(trial.enrollment.pk, 0)
        over += int(bucket.held + bucket.used > trial.limit or won > trial.limit or holds != won)
        under += int(won < min(trial.limit, trial.contenders))
    return over, under


def test_concurrent_submissions_never_overspend_a_quota_of_one_or_five():
    service = Service.objects.get(code=SERVICE)
    pools = {
        limit: [
            EnrollmentFactory(policy=PolicyFactory(effective_date=dt.date(2024, 3, 1)), edition=edition)
            for _ in range(CONNECTIONS // 2)
        ]
        for limit, edition in ((limit, Edition.objects.get(code=code)) for limit, code in EDITIONS.items())
    }
    trials = plan()
    lock = threading.Lock()
    errors: list[str] = []

    def contend(trial: Trial, barrier: threading.Barrier) -> None:
        enrollment = trial.enrollment
        barrier.wait(timeout=60)
        try:
            quota_hold(enrollment=enrollment, beneficiary=enrollment.insured, service=service, on=ON)
            outcome = "won"
        except EntitlementError as exc:
            outcome = exc.code
        except Exception as exc:  # a deadlock or a constraint violation is a failure of the ledger
            outcome = "error"
            with lock:
                errors.append(repr(exc))
        with lock:
            trial.outcomes.append(outcome)

    overspent = underspent = calls = 0
    with ThreadPoolExecutor(max_workers=CONNECTIONS) as pool:
        for wave in waves(trials):
            free = {limit: list(enrollments) for limit, enrollments in pools.items()}
            for trial in wave:
                trial.enrollment = free[trial.limit].pop()
            prepare(wave, service)
            barrier = threading.Barrier(sum(t.contenders for t in wave))
            futures = [pool.submit(contend, t, barrier) for t in wave for _ in range(t.contenders)]
            for future in futures:
                future.result(timeout=120)
            calls += sum(t.contenders for t in wave)
            over, under = outcome_errors(wave)
            overspent, underspent = overspent + over, underspent + under
        list(pool.map(lambda _: connection.close(), range(CONNECTIONS)))

    report(
        "quota_races",
        trials=len(trials),
        concurrent_calls=calls,
        max_concurrency=max(t.contenders for t in trials),
        quota_1_trials=sum(1 for t in trials if t.limit == 1),
        quota_5_trials=sum(1 for t in trials if t.limit == 5),
        overspent=overspent,
        underspent=underspent,
        errors=len(errors),
    )
    assert errors == []
    assert overspent == 0
    assert underspent == 0
