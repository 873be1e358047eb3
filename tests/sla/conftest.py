from datetime import date

import pytest
from django.contrib.auth.models import Group

from cases.models import Case, CaseState
from tests.factories.cases import CaseFactory, UserFactory
from tests.factories.providers import ProviderContactFactory, ProviderFactory
from workdays.calendar import calendar_invalidate

# Wednesday before the 2026 National Day week: the next working day is Thursday 8 October.
EVE_OF_NATIONAL_DAY = date(2026, 9, 30)


@pytest.fixture(autouse=True)
def fresh_calendar_index():
    calendar_invalidate()
    yield
    calendar_invalidate()


def make_case(*, state: str = CaseState.DISPATCHED, **fields) -> Case:
    """A case in ``state`` with the given clock fields (no quota hold: the ledger is not under test)."""
    return CaseFactory(state=state, quota_hold=None, **fields)


def _role_group(key: str) -> Group:
    """The production role's group, with the permissions the role table gives it."""
    from audit.roles import role_by_key, roles_sync

    roles_sync()
    return Group.objects.get(name=role_by_key(key).name)


@pytest.fixture
def coordinators(db):
    group = _role_group("coordinator")
    users = [UserFactory(username=f"coordinator{i}") for i in range(2)]
    for user in users:
        user.groups.add(group)
    return users


@pytest.fixture
def reviewers(db):
    group = _role_group("reviewer")
    user = UserFactory(username="reviewer-on-duty")
    user.groups.add(group)
    return [user]


@pytest.fixture
def provider(db):
    provider = ProviderFactory(contact_email="desk@provider.example")
    ProviderContactFactory(provider=provider, email="chaser@provider.example")
    ProviderContactFactory(provider=provider, email="finance@provider.example", receives_reminders=False)
    return provider
