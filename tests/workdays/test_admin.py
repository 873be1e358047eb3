from datetime import date

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from workdays.calendar import CalendarNotCovered, add_workdays, is_workday
from workdays.models import CalendarDay, CalendarYear, DayKind

from .conftest import SCHEDULE_2027

pytestmark = pytest.mark.django_db

SHANGHAI_NOV_25 = timezone.datetime(2026, 11, 25, 10, 0, tzinfo=timezone.get_fixed_timezone(480))
SHANGHAI_OCT_31 = timezone.datetime(2026, 10, 31, 10, 0, tzinfo=timezone.get_fixed_timezone(480))


def _year_form(year: int, days, *, covered: bool = True) -> dict:
    data = {
        "year": str(year),
        "source": "manual",
        "covered": "on" if covered else "",
        "notes": f"国务院办公厅关于{year}年部分节假日安排的通知",
        "days-TOTAL_FORMS": str(len(days)),
        "days-INITIAL_FORMS": "0",
        "days-MIN_NUM_FORMS": "0",
        "days-MAX_NUM_FORMS": "1000",
    }
    for i, (day, kind, name) in enumerate(days):
        data |= {f"days-{i}-date": day.isoformat(), f"days-{i}-kind": kind, f"days-{i}-name": name}
    return data


def test_changelist_warns_in_november_that_next_year_is_missing(admin_client, without_2027):
    with time_machine.travel(SHANGHAI_NOV_25, tick=False):
        response = admin_client.get(reverse("admin:workdays_calendaryear_changelist"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "工作日历尚未覆盖 2027 年" in body
    assert "2004–2026" in body


def test_changelist_warns_in_november_that_next_year_is_only_provisional(admin_client):
    with time_machine.travel(SHANGHAI_NOV_25, tick=False):
        response = admin_client.get(reverse("admin:workdays_calendaryear_changelist"))
    body = response.content.decode()
    assert "2027 年工作日历为按《全国年节及纪念日放假办法》推算的暂定安排" in body
    assert "2004–2027（其中 2027 年为暂定推算）" in body


def test_changelist_does_not_warn_before_november(admin_client, without_2027):
    with time_machine.travel(SHANGHAI_OCT_31, tick=False):
        response = admin_client.get(reverse("admin:workdays_calendaryear_changelist"))
    assert "尚未覆盖" not in response.content.decode()


def test_changelist_stops_warning_once_next_year_is_covered(admin_client, calendar_2027):
    with time_machine.travel(SHANGHAI_NOV_25, tick=False):
        response = admin_client.get(reverse("admin:workdays_calendaryear_changelist"))
    body = response.content.decode()
    assert "尚未覆盖" not in body
    assert "2004–2027" in body


def test_adding_next_year_in_the_admin_makes_it_computable(admin_client, without_2027):
    with pytest.raises(CalendarNotCovered):
        add_workdays(date(2026, 12, 31), 1)
    response = admin_client.post(reverse("admin:workdays_calendaryear_add"), _year_form(2027, SCHEDULE_2027))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CalendarDay.objects.filter(calendar_year__year=2027).count() == len(SCHEDULE_2027)
    assert add_workdays(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert is_workday(date(2027, 2, 13))


def test_calendar_edits_are_kept_in_history(admin_client, without_2027):
    admin_client.post(reverse("admin:workdays_calendaryear_add"), _year_form(2027, SCHEDULE_2027))
    year = CalendarYear.objects.get(year=2027)
    assert year.history.count() == 1
    assert year.history.first().history_user.is_superuser
    assert CalendarDay.history.filter(date=date(2027, 1, 1), calendar_year_id=year.pk).count() == 1


def test_editing_a_library_year_in_the_admin_takes_effect_at_once(admin_client):
    assert add_workdays(date(2026, 11, 26), 1) == date(2026, 11, 27)
    year = CalendarYear.objects.get(year=2026)
    response = admin_client.post(
        reverse("admin:workdays_calendarday_add"),
        {"calendar_year": year.pk, "date": "2026-11-27", "kind": DayKind.HOLIDAY, "name": "临时休假"},
    )
    assert response.status_code == 302
    assert add_workdays(date(2026, 11, 26), 1) == date(2026, 11, 30)


def test_make_up_day_on_a_weekday_is_refused_naming_the_field(admin_client, without_2027):
    days = [(date(2027, 2, 10), DayKind.WORKDAY, "春节调休")]  # a Wednesday
    response = admin_client.post(reverse("admin:workdays_calendaryear_add"), _year_form(2027, days))
    assert response.status_code == 200
    assert "无需登记为调休上班日" in response.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_day_outside_its_year_is_refused(admin_client, without_2027):
    days = [(date(2028, 1, 1), DayKind.HOLIDAY, "元旦")]
    response = admin_client.post(reverse("admin:workdays_calendaryear_add"), _year_form(2027, days))
    assert response.status_code == 200
    assert "不在 2027 年内" in response.content.decode()
    assert not CalendarDay.objects.filter(date=date(2028, 1, 1)).exists()


def test_day_changelist_lists_holidays_and_make_up_days(admin_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("admin:workdays_calendarday_changelist") + "?calendar_year__year=2024")
    body = response.content.decode()
    assert "2024-02-04" in body or "2024年2月4日" in body
    assert "春节调休" in body


def test_deleting_a_statutory_holiday_of_an_official_year_is_refused_naming_it(admin_client):
    day = CalendarDay.objects.get(date=date(2026, 10, 1))
    response = admin_client.post(
        reverse("admin:workdays_calendarday_delete", args=[day.pk]), {"post": "yes"}, follow=True
    )
    assert "不能删除：2026 年的法定节假日将不全，缺 国庆节 2026-10-01" in response.content.decode()
    assert CalendarDay.objects.filter(pk=day.pk).exists()


def test_deleting_an_extra_holiday_recomputes_and_says_so(admin_client):
    day = CalendarDay.objects.get(date=date(2026, 10, 7))  # a day of the Golden Week the law does not grant
    response = admin_client.post(
        reverse("admin:workdays_calendarday_delete", args=[day.pk]), {"post": "yes"}, follow=True
    )
    assert "个未结案件的时限已按新日历重新计算" in response.content.decode()
    assert not CalendarDay.objects.filter(pk=day.pk).exists()
    assert is_workday(date(2026, 10, 7))
