"""Properties of the arithmetic over every covered year."""

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workdays.calendar import add_workdays, is_workday, sub_workdays, workdays_between
from workdays.models import CalendarDay, DayKind

pytestmark = pytest.mark.django_db

starts = st.dates(min_value=date(2004, 1, 1), max_value=date(2025, 10, 31))
counts = st.integers(min_value=0, max_value=250)
fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=300, deadline=None)


@pytest.fixture
def holidays(db) -> set[date]:
    return set(CalendarDay.objects.filter(kind=DayKind.HOLIDAY).values_list("date", flat=True))


@fixture_ok
@given(start=starts, n=counts)
def test_between_undoes_add(start, n):
    assert workdays_between(start, add_workdays(start, n)) == n


@fixture_ok
@given(start=starts, n=counts)
def test_sub_undoes_add(start, n):
    end = add_workdays(start, n)
    assert sub_workdays(end, n) <= start < end or n == 0


@fixture_ok
@given(start=starts, n=st.integers(min_value=0, max_value=249))
def test_add_is_strictly_increasing_in_n(start, n):
    assert add_workdays(start, n + 1) > add_workdays(start, n)


@fixture_ok
@given(a=starts, b=starts, n=st.integers(min_value=1, max_value=250))
def test_later_start_never_gives_an_earlier_deadline(a, b, n):
    a, b = min(a, b), max(a, b)
    assert add_workdays(a, n) <= add_workdays(b, n)


@fixture_ok
@given(start=starts, n=st.integers(min_value=1, max_value=250))
def test_holidays_are_never_returned(holidays, start, n):
    result = add_workdays(start, n)
    assert result not in holidays
    assert is_workday(result)
    assert sub_workdays(start + timedelta(days=366), n) not in holidays  # stays clear of 2003


@fixture_ok
@given(a=starts, b=starts)
def test_between_is_antisymmetric(a, b):
    assert workdays_between(a, b) == -workdays_between(b, a)
