"""Property: any sequence of submissions, arrangements, rejections and withdrawals on one
beneficiary's quota keeps held + used within the limit, keeps the bucket's counters equal to its
holds, and gives a released unit back to the next request.

The ledger moves of the case workflow: submitting holds a unit (``quota_hold``); arranging the
service uses it (``quota_use``); rejecting or withdrawing before arrangement releases it
(``quota_release``). Each generated sequence runs in a savepoint that is rolled back afterwards.
"""

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from entitlements.errors import EntitlementError, QuotaStateError
from entitlements.models import Edition, QuotaBucket, QuotaHold, QuotaHoldStatus, Service
from entitlements.services import quota_hold, quota_release, quota_use
from tests.factories.entitlements import EnrollmentFactory, PolicyFactory

pytestmark = pytest.mark.django_db

ON = dt.date(2024, 6, 1)
LIMITS = {"2023-pro": 1, "2023-premium-1": 5}
steps = st.lists(
    st.tuples(st.sampled_from(["submit", "arrange", "reject", "withdraw"]), st.integers(min_value=0, max_value=9)),
    max_size=30,
)


class Ledger:
    """The expected state, kept by hand beside the real one."""

    def __init__(self, limit: int):
        self.limit = limit
        self.held: list[QuotaHold] = []
        self.used: list[QuotaHold] = []
        self.released: list[QuotaHold] = []

    def room(self) -> bool:
        return len(self.held) + len(self.used) < self.limit


def step(ledger: Ledger, enrollment, service, action: str, pick: int) -> None:
    if action == "submit":
        expected = ledger.room()
        try:
            ledger.held.append(
                quota_hold(enrollment=enrollment, beneficiary=enrollment.insured, service=service, on=ON)
            )
            assert expected, "a unit was held beyond the limit"
        except EntitlementError as exc:
            assert not expected and exc.code == "exhausted", f"refused with room left: {exc.code}"
        return
    pool = ledger.held + ledger.used + ledger.released
    if not pool:
        return
    hold = pool[pick % len(pool)]
    if action == "arrange":
        try:
            quota_use(hold=hold)
        except QuotaStateError:
            assert hold in ledger.released, "a held unit could not be used"
            return
        if hold in ledger.held:
            ledger.held.remove(hold)
            ledger.used.append(hold)
        return
    try:
        quota_release(hold=hold, reason=action)
    except QuotaStateError:
        assert hold in ledger.used, "a held unit could not be released"
        return
    if hold in ledger.held:
        ledger.held.remove(hold)
        ledger.released.append(hold)


def check(ledger: Ledger, enrollment, service) -> None:
    bucket = QuotaBucket.objects.filter(enrollment=enrollment, service=service).first()
    if bucket is None:
        assert not (ledger.held or ledger.used or ledger.released)
        return
    holds = QuotaHold.objects.filter(bucket=bucket)
    assert bucket.held + bucket.used <= ledger.limit
    assert bucket.held == holds.filter(status=QuotaHoldStatus.HELD).count() == len(ledger.held)
    assert bucket.used == holds.filter(status=QuotaHoldStatus.USED).count() == len(ledger.used)
    assert holds.filter(status=QuotaHoldStatus.RELEASED).count() == len(ledger.released)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edition=st.sampled_from(sorted(LIMITS)), actions=steps)
def test_any_sequence_of_ledger_moves_keeps_held_plus_used_within_the_limit(edition, actions):
    with transaction.atomic():
        service = Service.objects.get(code="ci-top3a-expert-appointment")
        enrollment = EnrollmentFactory(
            policy=PolicyFactory(effective_date=dt.date(2024, 3, 1)), edition=Edition.objects.get(code=edition)
        )
        ledger = Ledger(LIMITS[edition])
        for action, pick in actions:
            step(ledger, enrollment, service, action, pick)
            check(ledger, enrollment, service)
        transaction.set_rollback(True)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edition=st.sampled_from(sorted(LIMITS)), released=st.integers(min_value=1, max_value=5))
def test_released_units_return_to_the_next_requests(edition, released):
    with transaction.atomic():
        service = Service.objects.get(code="ci-top3a-expert-appointment")
        enrollment = EnrollmentFactory(
            policy=PolicyFactory(effective_date=dt.date(2024, 3, 1)), edition=Edition.objects.get(code=edition)
        )
        limit = LIMITS[edition]
        args = {"enrollment": enrollment, "beneficiary": enrollment.insured, "service": service, "on": ON}
        holds = [quota_hold(**args) for _ in range(limit)]
        with pytest.raises(EntitlementError):
            quota_hold(**args)
        given_back = holds[: min(released, limit)]
        for hold in given_back:
            quota_release(hold=hold, reason="withdraw")
        again = [quota_hold(**args) for _ in given_back]
        assert len(again) == len(given_back)
        with pytest.raises(EntitlementError):
            quota_hold(**args)
        transaction.set_rollback(True)
