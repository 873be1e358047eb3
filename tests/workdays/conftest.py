from datetime import date

import pytest

from workdays.calendar import calendar_invalidate
from workdays.models import DayKind

# A 2027 schedule as a catalogue admin would key it in (values for the tests, not the State
# Council's: every statutory holiday of the law's 2025 revision off, the Spring Festival and National
# Day weeks with make-up weekend days).
SCHEDULE_2027 = [
    (date(2027, 1, 1), DayKind.HOLIDAY, "元旦"),
    *[(date(2027, 2, d), DayKind.HOLIDAY, "春节") for d in range(5, 12)],
    (date(2027, 2, 13), DayKind.WORKDAY, "春节调休"),
    (date(2027, 4, 5), DayKind.HOLIDAY, "清明节"),
    *[(date(2027, 5, d), DayKind.HOLIDAY, "劳动节") for d in range(1, 6)],
    (date(2027, 5, 8), DayKind.WORKDAY, "劳动节调休"),
    (date(2027, 6, 9), DayKind.HOLIDAY, "端午节"),
    (date(2027, 9, 15), DayKind.HOLIDAY, "中秋节"),
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
def calendar_2027(without_2027):
    """2027 entered by hand, in place of the provisional year computed for it."""
    from tests.factories.workdays import CalendarDayFactory, CalendarYearFactory

    year = CalendarYearFactory(year=2027)
    for day, kind, name in SCHEDULE_2027:
        CalendarDayFactory(calendar_year=year, date=day, kind=kind, name=name)
    return year
