from datetime import date

import pytest

from workdays.calendar import calendar_invalidate
from workdays.models import DayKind

# The State Council's 2027 schedule as a catalogue admin would key it in (values for the tests:
# New Year, the Spring Festival week with two make-up weekend days, and National Day).
SCHEDULE_2027 = [
    (date(2027, 1, 1), DayKind.HOLIDAY, "元旦"),
    *[(date(2027, 2, d), DayKind.HOLIDAY, "春节") for d in range(5, 12)],
    (date(2027, 2, 13), DayKind.WORKDAY, "春节调休"),
    *[(date(2027, 10, d), DayKind.HOLIDAY, "国庆节") for d in range(1, 8)],
    (date(2027, 10, 9), DayKind.WORKDAY, "国庆节调休"),
]


@pytest.fixture(autouse=True)
def fresh_calendar_index():
    """Each test sees the calendar as its own database holds it."""
    calendar_invalidate()
    yield
    calendar_invalidate()


@pytest.fixture
def calendar_2027(db):
    from tests.factories.workdays import CalendarDayFactory, CalendarYearFactory

    year = CalendarYearFactory(year=2027)
    for day, kind, name in SCHEDULE_2027:
        CalendarDayFactory(calendar_year=year, date=day, kind=kind, name=name)
    return year
