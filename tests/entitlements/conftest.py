import datetime

import pytest

from entitlements.models import Edition, Service
from tests.factories.entitlements import EnrollmentFactory, PolicyFactory


@pytest.fixture
def edition_of():
    return lambda code: Edition.objects.get(code=code)


@pytest.fixture
def service_of():
    return lambda name: Service.objects.get(name=name)


@pytest.fixture
def enroll(edition_of):
    """An enrollment in ``code`` through a fresh policy with the given policy fields."""

    def make(code: str, *, qualified_on: datetime.date | None = None, upgraded: bool = False, **policy):
        policy = PolicyFactory(**policy)
        return EnrollmentFactory(
            policy=policy,
            edition=edition_of(code),
            qualified_on=qualified_on or policy.effective_date,
            upgraded=upgraded,
        )

    return make
