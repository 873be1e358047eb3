from datetime import date

import pytest

from workdays.calendar import CalendarNotCovered, add_workdays, is_workday, sub_workdays, workdays_between

pytestmark = pytest.mark.django_db


def test_make_up_sunday_is_a_working_day():
    assert is_workday(date(2024, 2, 4))  # Sunday, worked for the 2024 Spring Festival
    assert add_workdays(date(2024, 2, 3), 1) == date(2024, 2, 4)


def test_ordinary_weekend_is_not_a_working_day():
    assert not is_workday(date(2024, 3, 3))
    assert add_workdays(date(2024, 3, 1), 1) == date(2024, 3, 4)


def test_holiday_on_a_weekday_is_not_a_working_day():
    assert not is_workday(date(2026, 10, 1))


def test_spring_festival_week_is_skipped_and_its_make_up_saturdays_count():
    assert add_workdays(date(2026, 2, 13), 1) == date(2026, 2, 14)  # Saturday worked before the holiday
    assert add_workdays(date(2026, 2, 14), 1) == date(2026, 2, 24)  # 15–23 Feb off
    # 14 (Sat), 24, 25, 26, 27 and 28 (Sat, worked after the holiday)
    assert workdays_between(date(2026, 2, 13), date(2026, 2, 28)) == 6


def test_national_day_week_is_skipped():
    assert add_workdays(date(2025, 9, 30), 1) == date(2025, 10, 9)
    # 28 Sep (Sun, worked), 29, 30, then 9, 10 and 11 Oct (Sat, worked)
    assert workdays_between(date(2025, 9, 26), date(2025, 10, 12)) == 6


def test_seven_working_day_target_across_national_day():
    # Accepted on the eve of the holiday: 8–12 Oct (12th a worked Saturday), then 14 and 15 Oct.
    assert add_workdays(date(2024, 9, 30), 7) == date(2024, 10, 15)


def test_year_boundary_lands_on_a_make_up_sunday():
    assert add_workdays(date(2025, 12, 31), 1) == date(2026, 1, 4)
    assert workdays_between(date(2025, 12, 31), date(2026, 1, 5)) == 2
    assert sub_workdays(date(2026, 1, 4), 1) == date(2025, 12, 31)


def test_make_up_saturday_at_year_end_belongs_to_the_old_year():
    assert add_workdays(date(2011, 12, 30), 1) == date(2011, 12, 31)


def test_zero_working_days_is_the_start_itself_even_on_a_holiday():
    assert add_workdays(date(2026, 10, 1), 0) == date(2026, 10, 1)
    assert sub_workdays(date(2026, 10, 1), 0) == date(2026, 10, 1)


def test_sub_workdays_counts_back_over_a_holiday():
    assert sub_workdays(date(2025, 10, 9), 1) == date(2025, 9, 30)
    assert sub_workdays(date(2025, 10, 9), 3) == date(2025, 9, 28)


def test_between_is_negative_when_the_end_is_earlier():
    assert workdays_between(date(2025, 10, 12), date(2025, 9, 26)) == -6
    assert workdays_between(date(2025, 10, 12), date(2025, 10, 12)) == 0


def test_start_on_a_holiday_counts_from_the_next_working_day():
    assert add_workdays(date(2026, 10, 3), 1) == date(2026, 10, 8)


def test_negative_count_is_refused():
    with pytest.raises(ValueError, match="n"):
        add_workdays(date(2026, 3, 2), -1)


def test_deadline_in_a_year_not_covered_names_the_year(without_2027):
    with pytest.raises(CalendarNotCovered) as excinfo:
        add_workdays(date(2026, 12, 28), 10)
    assert excinfo.value.year == 2027
    assert "工作日历未覆盖 2027 年" in str(excinfo.value)


def test_every_operation_refuses_an_uncovered_year(without_2027):
    with pytest.raises(CalendarNotCovered, match="2027"):
        is_workday(date(2027, 1, 4))
    with pytest.raises(CalendarNotCovered, match="2027"):
        workdays_between(date(2026, 12, 1), date(2027, 1, 10))
    with pytest.raises(CalendarNotCovered, match="2027"):
        sub_workdays(date(2027, 3, 1), 1)
    with pytest.raises(CalendarNotCovered, match="2003"):
        sub_workdays(date(2004, 1, 5), 10)


def test_counting_up_to_the_last_covered_day_does_not_need_next_year():
    assert add_workdays(date(2026, 12, 30), 1) == date(2026, 12, 31)
    assert workdays_between(date(2003, 12, 31), date(2004, 1, 5)) == 2  # 2 and 5 Jan 2004


def test_year_entered_by_hand_becomes_computable(calendar_2027):
    assert add_workdays(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert add_workdays(date(2027, 2, 4), 1) == date(2027, 2, 12)  # 5–11 Feb off
    assert add_workdays(date(2027, 2, 12), 1) == date(2027, 2, 13)  # Saturday worked
    assert add_workdays(date(2027, 10, 8), 1) == date(2027, 10, 9)


def test_year_not_marked_covered_stays_unusable(calendar_2027):
    calendar_2027.covered = False
    calendar_2027.save()
    with pytest.raises(CalendarNotCovered, match="2027"):
        add_workdays(date(2026, 12, 31), 1)


def test_gap_year_between_covered_years_is_refused(calendar_2027):
    from tests.factories.workdays import CalendarYearFactory

    CalendarYearFactory(year=2028)  # 2028 entered, 2027 withdrawn: 2027 is a hole
    calendar_2027.covered = False
    calendar_2027.save()
    with pytest.raises(CalendarNotCovered) as excinfo:
        add_workdays(date(2026, 12, 30), 5)
    assert excinfo.value.year == 2027
    assert add_workdays(date(2028, 1, 3), 1) == date(2028, 1, 4)
