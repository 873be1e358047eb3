"""Writes to the working-day calendar: the library sync and the revision bump."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import chinese_calendar
from chinese_calendar.constants import Holiday
from django.db import transaction
from django.http import HttpRequest
from simple_history.utils import bulk_create_with_history

from audit.models import AuditAction
from audit.services import audit_record
from workdays.calendar import calendar_invalidate, calendar_watch
from workdays.models import CalendarDay, CalendarRevision, CalendarYear, DayKind, YearSource

_CHINESE_NAMES = {holiday.value: holiday.chinese for holiday in Holiday}


@dataclass
class SyncResult:
    added: list[int] = field(default_factory=list)
    refreshed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    kept_manual: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.refreshed)


def library_years() -> range:
    """The years the installed chinesecalendar package publishes."""
    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


def _library_all_days() -> dict[date, tuple[str, str]]:
    days: dict[date, tuple[str, str]] = {
        day: (DayKind.HOLIDAY, _CHINESE_NAMES.get(name, name)) for day, name in chinese_calendar.holidays.items()
    }
    for day, name in chinese_calendar.workdays.items():
        days[day] = (DayKind.WORKDAY, f"{_CHINESE_NAMES.get(name, name)}调休")
    return days


def library_days(year: int) -> dict[date, tuple[str, str]]:
    """The library's exceptions for one year: date → (kind, Chinese name)."""
    return {day: value for day, value in _library_all_days().items() if day.year == year}


def calendar_revision_bump() -> None:
    """Mark the calendar changed for every process; this one forgets its index at once and again
    after commit (an index rebuilt inside the transaction may have seen rows later rolled back)."""
    if not CalendarRevision.objects.filter(pk=1).update(token=uuid.uuid4()):
        CalendarRevision.objects.create(pk=1)
    calendar_watch()
    transaction.on_commit(calendar_invalidate)


@transaction.atomic
def calendar_sync(*, only_missing: bool = False, actor: Any = None, request: HttpRequest | None = None) -> SyncResult:
    """Load every year the chinesecalendar package covers. Missing years are added; years that came
    from the library are brought up to date unless ``only_missing``; years entered by hand
    (source “manual”) are never overwritten. Running it twice changes nothing."""
    result = SyncResult()
    existing = {y.year: y for y in CalendarYear.objects.select_for_update()}
    result.added = [year for year in library_years() if year not in existing]
    _years_create(result.added)
    for year, row in sorted(existing.items()):
        if year not in library_years():
            continue
        if row.source == YearSource.MANUAL:
            result.kept_manual.append(year)
        elif only_missing or not _year_refresh(row):
            result.unchanged.append(year)
        else:
            result.refreshed.append(year)
    if result.changed:
        calendar_revision_bump()
    # Bulk writes send no per-row signals: a sync is one line of the audit trail. Seeding an empty
    # database after migrate (only_missing) is setup, not an edit, and may run before audit's tables exist.
    if result.changed and not only_missing:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            summary=f"工作日历从 chinesecalendar 同步：新增 {result.added}，更新 {result.refreshed}",
            request=request,
            extra={"added": result.added, "refreshed": result.refreshed},
        )
    return result


def _years_create(years: list[int]) -> None:
    # In bulk: a flushed test database is re-seeded after every transactional test.
    if not years:
        return
    rows = [CalendarYear(year=y, source=YearSource.LIBRARY, covered=True, notes="chinesecalendar") for y in years]
    by_year = {row.year: row for row in bulk_create_with_history(rows, CalendarYear)}
    days = [
        CalendarDay(calendar_year=by_year[day.year], date=day, kind=kind, name=name)
        for day, (kind, name) in sorted(_library_all_days().items())
        if day.year in by_year
    ]
    bulk_create_with_history(days, CalendarDay, batch_size=1000)


def _year_refresh(row: CalendarYear) -> bool:
    wanted = library_days(row.year)
    stored = {d.date: (d.kind, d.name) for d in row.days.all()}
    if stored == wanted and row.covered:
        return False
    row.days.exclude(date__in=list(wanted)).delete()
    row.days.filter(date__in=[d for d in wanted if d in stored and stored[d] != wanted[d]]).delete()
    _days_create(row, {d: v for d, v in wanted.items() if stored.get(d) != v})
    if not row.covered:
        row.covered = True
        row.save(update_fields=["covered", "updated_at"])
    return True


def _days_create(row: CalendarYear, days: dict[date, tuple[str, str]]) -> None:
    objs = [CalendarDay(calendar_year=row, date=d, kind=kind, name=name) for d, (kind, name) in sorted(days.items())]
    bulk_create_with_history(objs, CalendarDay, batch_size=500)
