import threading
from datetime import date

import pytest
from django.db import connection, transaction

from workdays.calendar import add_workdays
from workdays.models import CalendarDay, CalendarYear, DayKind
from workdays.services import calendar_revision_bump


@pytest.mark.django_db(transaction=True)
def test_readers_in_other_threads_see_a_committed_edit(settings):
    """Readers on their own connections keep answering while an edit commits; every answer is the
    old or the new calendar, never a half-built index, and after the commit only the new one.
    (Another process, sharing nothing but the database, is covered by the revision-token test.)"""
    settings.WORKDAYS_INDEX_TTL_SECONDS = 0
    before, after = date(2026, 11, 27), date(2026, 11, 30)
    assert add_workdays(date(2026, 11, 26), 1) == before
    answers: list[date] = []
    errors: list[BaseException] = []
    edited = threading.Event()

    def reader() -> None:
        try:
            for _ in range(200):
                answers.append(add_workdays(date(2026, 11, 26), 1))
            edited.wait(10)
            answers.append(("final", add_workdays(date(2026, 11, 26), 1)))
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    with transaction.atomic():
        year = CalendarYear.objects.get(year=2026)
        CalendarDay.objects.create(calendar_year=year, date=before, kind=DayKind.HOLIDAY, name="临时休假")
        calendar_revision_bump()
    edited.set()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert {a for a in answers if not isinstance(a, tuple)} <= {before, after}
    assert [a for a in answers if isinstance(a, tuple)] == [("final", after)] * 4
