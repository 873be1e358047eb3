from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from workdays.calendar import add_workdays, calendar_invalidate
from workdays.models import CalendarDay, CalendarRevision, CalendarYear, DayKind, YearSource
from workdays.services import calendar_sync, library_years

pytestmark = pytest.mark.django_db


def test_every_year_of_the_library_is_seeded_and_covered():
    years = set(CalendarYear.objects.filter(covered=True, source=YearSource.LIBRARY).values_list("year", flat=True))
    assert years == set(library_years())
    assert {2004, 2026} <= years


def test_days_carry_chinese_names():
    assert CalendarDay.objects.get(date=date(2026, 2, 17)).name == "春节"
    makeup = CalendarDay.objects.get(date=date(2026, 2, 14))
    assert (makeup.kind, makeup.name) == (DayKind.WORKDAY, "春节调休")


def test_second_sync_changes_nothing():
    before = CalendarRevision.objects.get().token
    result = calendar_sync()
    assert not result.changed
    assert CalendarRevision.objects.get().token == before


def test_sync_into_an_empty_calendar_loads_every_year():
    with connection.cursor() as cursor:  # as a new database: no rows, no signals
        cursor.execute("DELETE FROM workdays_calendarday; DELETE FROM workdays_calendaryear")
    result = calendar_sync(only_missing=True)
    assert result.added == list(library_years())
    assert add_workdays(date(2024, 2, 9), 1) == date(2024, 2, 18)


def test_sync_restores_a_library_day_deleted_by_mistake():
    CalendarDay.objects.filter(date=date(2026, 10, 1)).delete()
    assert add_workdays(date(2026, 9, 30), 1) == date(2026, 10, 1)
    result = calendar_sync()
    assert result.refreshed == [2026]
    assert add_workdays(date(2026, 9, 30), 1) == date(2026, 10, 8)


def test_sync_never_overwrites_a_year_entered_by_hand():
    CalendarYear.objects.filter(year=2026).update(source=YearSource.MANUAL)
    CalendarDay.objects.filter(date=date(2026, 10, 1)).delete()
    result = calendar_sync()
    assert result.kept_manual == [2026]
    assert not CalendarDay.objects.filter(date=date(2026, 10, 1)).exists()


def test_another_process_edit_is_seen_once_the_token_changes(settings):
    settings.WORKDAYS_INDEX_TTL_SECONDS = 0
    assert add_workdays(date(2026, 11, 26), 1) == date(2026, 11, 27)
    # As another process would: rows and token written without this process's signals.
    year = CalendarYear.objects.get(year=2026)
    CalendarDay.objects.bulk_create([CalendarDay(calendar_year=year, date=date(2026, 11, 27), kind=DayKind.HOLIDAY)])
    CalendarRevision.objects.update(token="00000000-0000-0000-0000-000000000001")
    assert add_workdays(date(2026, 11, 26), 1) == date(2026, 11, 30)


def test_index_is_trusted_for_the_ttl_without_querying(django_assert_num_queries):
    calendar_invalidate()
    add_workdays(date(2026, 3, 2), 1)
    with django_assert_num_queries(0):
        for n in range(1, 100):
            add_workdays(date(2026, 3, 2), n)


def test_command_add_prints_the_date_alone(capsys):
    call_command("workdays", "add", "2024-09-30", "1")
    assert capsys.readouterr().out == "2024-10-08\n"


def test_command_add_with_negative_count_goes_back(capsys):
    call_command("workdays", "add", "2024-10-08", "-1")
    assert capsys.readouterr().out == "2024-09-30\n"


def test_command_between_prints_the_count(capsys):
    call_command("workdays", "between", "2025-09-26", "2025-10-12")
    assert capsys.readouterr().out == "6\n"


def test_command_names_the_missing_year(without_2027):
    with pytest.raises(CommandError, match="2027"):
        call_command("workdays", "add", "2026-12-30", "5")


def test_command_refuses_a_malformed_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("workdays", "add", "2026/12/30", "5")


def test_command_sync_reports_nothing_to_do(capsys):
    call_command("workdays", "sync")
    assert "added -; refreshed -" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_flushed_database_gets_its_calendar_back():
    call_command("flush", interactive=False, verbosity=0)
    calendar_invalidate()
    # The library's years, and next year computed provisionally.
    assert CalendarYear.objects.filter(covered=True, provisional=False).count() == len(library_years())
    next_year = timezone.localdate().year + 1
    assert list(CalendarYear.objects.filter(provisional=True).values_list("year", flat=True)) == list(
        range(max(library_years()) + 1, next_year + 1)
    )
    assert add_workdays(date(2025, 12, 31), 1) == date(2026, 1, 4)


def test_sync_from_the_admin_is_one_line_of_the_audit_trail(admin_client):
    from audit.models import AuditEvent

    CalendarDay.objects.filter(date=date(2026, 10, 1)).delete()
    ids = list(CalendarYear.objects.filter(year=2026).values_list("pk", flat=True))
    response = admin_client.post(
        "/admin/workdays/calendaryear/", {"action": "sync_from_library", "_selected_action": ids}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.filter(summary__startswith="工作日历从 chinesecalendar 同步").get()
    assert event.actor_username == "admin"
    assert event.extra["refreshed"] == [2026]
