"""Deadlines are shown with the working days left (or overdue) beside them."""

import datetime

import pytest
import time_machine

from cases.templatetags.desk import workdays_left

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("today", "due", "text"),
    [
        # Wednesday 30 Sep 2026: the National Day holiday follows; Thursday 8 Oct is the next working day.
        (datetime.date(2026, 9, 30), datetime.date(2026, 10, 9), "（还剩 2 个工作日）"),
        (datetime.date(2026, 11, 25), datetime.date(2026, 11, 25), "（今日到期）"),
        (datetime.date(2026, 11, 25), datetime.date(2026, 11, 20), "（已超 3 个工作日）"),
    ],
)
def test_working_days_left_follow_the_holiday_calendar(today, due, text):
    with time_machine.travel(datetime.datetime(today.year, today.month, today.day, 10, tzinfo=datetime.UTC)):
        assert workdays_left(due) == text


def test_a_year_the_calendar_does_not_cover_shows_no_guess():
    assert workdays_left(datetime.date(2031, 3, 3)) == ""


def test_the_case_page_shows_the_days_left_before_the_deadline(client, approved_case, reviewer):
    client.force_login(reviewer)
    page = client.get(f"/admin/cases/case/{approved_case.pk}/change/").content.decode()
    assert "个工作日）" in page
