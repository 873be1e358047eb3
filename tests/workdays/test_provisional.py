"""A year without the State Council's schedule is computed from the law and marked provisional."""

from datetime import date, timedelta

import chinese_calendar
import pytest
from django.core.management import call_command

from workdays.calendar import add_workdays, provisional_years, rests_on_provisional, workdays_between
from workdays.models import CalendarYear, DayKind, YearSource
from workdays.services import library_years
from workdays.statutory import provisional_schedule, statutory_holidays

pytestmark = pytest.mark.django_db


def _days(holiday) -> list[date]:
    return list(holiday.days)


@pytest.mark.parametrize("year", [y for y in library_years() if y >= 2014])
def test_provisional_computation_finds_every_statutory_holiday_on_an_official_holiday(year):
    official = {d for d in chinese_calendar.holidays if d.year == year}
    computed = provisional_schedule(year)
    for holiday in statutory_holidays(year):
        for day in holiday.days:
            assert day in computed, f"{year} {holiday.name} {day}"
            assert day in official, f"{year} {holiday.name} {day} is not a holiday of the official schedule"


def test_each_year_follows_the_revision_of_the_law_in_force():
    by_name_2024 = {h.name: _days(h) for h in statutory_holidays(2024)}
    by_name_2025 = {h.name: _days(h) for h in statutory_holidays(2025)}
    # 2013 revision: 春节 初一–初三 (10–12 Feb 2024), 劳动节 one day.
    assert by_name_2024["春节"] == [date(2024, 2, 10), date(2024, 2, 11), date(2024, 2, 12)]
    assert by_name_2024["劳动节"] == [date(2024, 5, 1)]
    # 2025 revision: 春节 four days from 除夕 (28 Jan 2025), 劳动节 two.
    assert by_name_2025["春节"] == [date(2025, 1, 28) + timedelta(days=i) for i in range(4)]
    assert by_name_2025["劳动节"] == [date(2025, 5, 1), date(2025, 5, 2)]
    assert [len(h.days) for h in statutory_holidays(2027)] == [1, 4, 1, 2, 1, 1, 3]  # 13 days


def test_2027_is_computed_with_the_weekend_rule():
    days = provisional_schedule(2027)
    # 除夕 Friday 5 Feb; Saturday 6 and Sunday 7 are made up on Tuesday 9 and Wednesday 10.
    assert {d: days[d] for d in days if d.month == 2} == {
        date(2027, 2, 5): "春节",
        date(2027, 2, 6): "春节",
        date(2027, 2, 7): "春节",
        date(2027, 2, 8): "春节",
        date(2027, 2, 9): "春节（补假）",
        date(2027, 2, 10): "春节（补假）",
    }
    assert days[date(2027, 4, 5)] == "清明节"
    assert days[date(2027, 6, 9)] == "端午节"
    assert days[date(2027, 9, 15)] == "中秋节"
    # 1 May is a Saturday: 1–2 May made up on Monday 3 and Tuesday 4 May.
    assert [d for d in days if d.month == 5] == [date(2027, 5, d) for d in (1, 2, 3, 4)]
    assert [d for d in days if d.month == 10] == [date(2027, 10, d) for d in (1, 2, 3, 4, 5)]


def test_a_statutory_day_on_another_one_is_made_up_too():
    # 2020: 中秋 fell on 1 October, National Day itself, and 3 October was a Saturday: two days made up.
    days = provisional_schedule(2020)
    assert [d for d in days if d.month == 10] == [date(2020, 10, d) for d in (1, 2, 3, 5, 6)]
    assert "（补假）" in days[date(2020, 10, 5)] and "（补假）" in days[date(2020, 10, 6)]


def test_next_year_is_seeded_as_a_provisional_year():
    year = CalendarYear.objects.get(year=2027)
    assert (year.covered, year.provisional, year.source) == (True, True, YearSource.COMPUTED)
    assert {d.date for d in year.days.all()} == set(provisional_schedule(2027))
    assert all(d.kind == DayKind.HOLIDAY for d in year.days.all())
    assert provisional_years() == [2027]


def test_arithmetic_into_the_provisional_year_is_marked():
    due = add_workdays(date(2026, 12, 24), 10)
    assert due == date(2027, 1, 8)  # 1 January off
    assert rests_on_provisional(date(2026, 12, 24), due)
    assert not rests_on_provisional(date(2026, 12, 1), date(2026, 12, 31))
    assert workdays_between(date(2027, 2, 4), date(2027, 2, 11)) == 1  # 5–10 Feb off, 11 worked


def test_command_marks_a_result_resting_on_a_provisional_day(capsys):
    call_command("workdays", "add", "2026-12-24", "10")
    call_command("workdays", "add", "2026-12-01", "5")
    call_command("workdays", "between", "2026-12-24", "2027-01-08")
    assert capsys.readouterr().out.splitlines() == ["2027-01-08（暂定）", "2026-12-08", "10（暂定）"]


def test_sync_keeps_the_provisional_year_and_changes_nothing_twice():
    from workdays.services import calendar_sync

    result = calendar_sync()
    assert (result.added, result.refreshed, result.provisional) == ([], [], [])
    assert CalendarYear.objects.get(year=2027).provisional
