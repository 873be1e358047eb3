"""Writes to the working-day calendar: the library sync, provisional years, a year's import, a
day's edit, and the announcement of every change to the apps that count on the calendar.

Every write ends with ``calendar_changes_announce``: the revision token moves (every process
rebuilds its index) and ``calendar_days_changed`` is sent inside the same transaction, so the due
dates the change affects are recomputed before it commits, and the caller learns how many cases
moved.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import chinese_calendar
from chinese_calendar.constants import Holiday
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from audit.models import AuditAction
from audit.services import audit_record
from workdays.calendar import calendar_invalidate, calendar_watch
from workdays.imports import ParsedSchedule
from workdays.models import CalendarDay, CalendarRevision, CalendarYear, DayKind, YearSource
from workdays.signals import calendar_days_changed, calendar_year_dependents
from workdays.statutory import coverage_missing, provisional_schedule

_CHINESE_NAMES = {holiday.value: holiday.chinese for holiday in Holiday}


class CalendarRefused(Exception):
    """A change the calendar cannot take, with the reasons a person can act on."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__("；".join(messages))


@dataclass
class SyncResult:
    added: list[int] = field(default_factory=list)
    refreshed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    kept_manual: list[int] = field(default_factory=list)
    provisional: list[int] = field(default_factory=list)
    cases_changed: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.refreshed or self.provisional)


@dataclass
class ImportResult:
    year: int
    added: list[date]
    removed: list[date]
    changed: list[date]
    cases_changed: int


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


def calendar_changes_announce(*, first: date, last: date, actor: Any = None) -> int:
    """The calendar changed over [first, last]: move the revision and let the apps above recompute
    what they count on it. Returns the number of cases whose due dates changed."""
    calendar_revision_bump()
    responses = calendar_days_changed.send(sender=CalendarYear, first=first, last=last, actor=actor)
    answers: list[Any] = [answer for _, answer in responses]
    return sum(answer for answer in answers if isinstance(answer, int))


def year_dependents(year: int) -> list[str]:
    """The open cases (numbers) that would be left without a due date if ``year`` stopped counting."""
    answers: list[Any] = [labels for _, labels in calendar_year_dependents.send(sender=CalendarYear, year=year)]
    return sorted({label for labels in answers for label in labels or []})


def year_span(years: list[int]) -> tuple[date, date]:
    return date(min(years), 1, 1), date(max(years), 12, 31)


def year_missing_holidays(year: int, days: dict[date, str]) -> list[str]:
    """The statutory holidays a year's schedule (date → kind) leaves working days."""
    return coverage_missing(year, {d for d, kind in days.items() if kind == DayKind.HOLIDAY})


@transaction.atomic
def calendar_sync(
    *, only_missing: bool = False, announce: bool = True, actor: Any = None, request: HttpRequest | None = None
) -> SyncResult:
    """Load every year the chinesecalendar package covers. Missing years are added; years that came
    from the library are brought up to date unless ``only_missing``; years entered by hand
    (source “manual”) are never overwritten; a provisional year the library now publishes is
    replaced by it. Then next year, if nobody has entered it, is computed provisionally. Running
    it twice changes nothing. ``announce=False`` (seeding a database after migrate) writes the rows
    without recomputing any case."""
    result = SyncResult()
    existing = {y.year: y for y in CalendarYear.objects.select_for_update()}
    result.added = [year for year in library_years() if year not in existing]
    _years_create(result.added)
    for year, row in sorted(existing.items()):
        if year not in library_years():
            continue
        if row.source == YearSource.MANUAL:
            result.kept_manual.append(year)
        elif row.source == YearSource.COMPUTED and announce and _year_refresh(row):
            result.refreshed.append(year)
        elif only_missing or row.source == YearSource.COMPUTED or not _year_refresh(row):
            result.unchanged.append(year)
        else:
            result.refreshed.append(year)
    result.provisional = _provisional_fill(set(existing) | set(result.added))
    if not result.changed:
        return result
    changed = result.added + result.refreshed + result.provisional
    if announce:
        first, last = year_span(changed)
        result.cases_changed = calendar_changes_announce(first=first, last=last, actor=actor)
    else:
        calendar_revision_bump()
    # Bulk writes send no per-row signals: a sync is one line of the audit trail. Seeding an empty
    # database after migrate (announce=False) is setup, not an edit, and may run before audit's tables exist.
    if announce:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            summary=(
                f"工作日历从 chinesecalendar 同步：新增 {result.added}，更新 {result.refreshed}，"
                f"暂定 {result.provisional}，重新计算 {result.cases_changed} 个案件的时限"
            ),
            request=request,
            extra={"added": result.added, "refreshed": result.refreshed, "provisional": result.provisional},
        )
    return result


def _provisional_fill(known: set[int]) -> list[int]:
    """Compute, from the law, each year after the last one entered up to next year."""
    next_year = timezone.localdate().year + 1
    years = list(range(max(known, default=next_year - 1) + 1, next_year + 1))
    for year in years:
        row = CalendarYear.objects.create(
            year=year,
            source=YearSource.COMPUTED,
            covered=True,
            provisional=True,
            notes="按《全国年节及纪念日放假办法》推算，待国务院办公厅公布后录入正式安排",
        )
        days: dict[date, tuple[str, str]] = {
            day: (DayKind.HOLIDAY, name) for day, name in provisional_schedule(year).items()
        }
        _days_create(row, days)
    return years


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
    official = row.covered and not row.provisional and row.source == YearSource.LIBRARY
    if stored == wanted and official:
        return False
    row.days.exclude(date__in=list(wanted)).delete()
    row.days.filter(date__in=[d for d in wanted if d in stored and stored[d] != wanted[d]]).delete()
    _days_create(row, {d: v for d, v in wanted.items() if stored.get(d) != v})
    if not official:
        row.covered, row.provisional, row.source = True, False, YearSource.LIBRARY
        row.save(update_fields=["covered", "provisional", "source", "updated_at"])
    return True


def _days_create(row: CalendarYear, days: dict[date, tuple[str, str]]) -> None:
    objs = [CalendarDay(calendar_year=row, date=d, kind=kind, name=name) for d, (kind, name) in sorted(days.items())]
    bulk_create_with_history(objs, CalendarDay, batch_size=500)


DAY_NORMAL = "normal"


def _year_days(row: CalendarYear) -> dict[date, str]:
    return dict(row.days.values_list("date", "kind"))


def _coverage_check(row: CalendarYear, days: dict[date, str]) -> None:
    """An official year must give every statutory holiday off; a provisional one is the law's own."""
    if not row.covered or row.provisional:
        return
    missing = year_missing_holidays(row.year, days)
    if missing:
        raise CalendarRefused([f"{row.year} 年的法定节假日未全部放假：缺 {'；'.join(missing)}"])


@transaction.atomic
def calendar_day_set(
    *, day: date, kind: str, name: str = "", actor: Any = None, request: HttpRequest | None = None
) -> int:
    """Make ``day`` a holiday, a make-up working day, or an ordinary day (``normal``: its weekday
    decides), then recompute the due dates it affects; returns how many cases changed."""
    if kind not in {DayKind.HOLIDAY, DayKind.WORKDAY, DAY_NORMAL}:
        raise CalendarRefused([f"类型“{kind}”应为 holiday、workday 或 normal"])
    row = CalendarYear.objects.select_for_update().filter(year=day.year).first()
    if row is None:
        raise CalendarRefused([f"{day.year} 年尚未录入：请先导入该年的全年安排（workdays import）"])
    if kind == DayKind.WORKDAY and day.weekday() < 5:
        raise CalendarRefused([f"{day.isoformat()} 是工作日（周一至周五），无需登记为调休上班日"])
    days = _year_days(row)
    before = days.get(day)
    if kind == DAY_NORMAL:
        days.pop(day, None)
    else:
        days[day] = kind
    _coverage_check(row, days)
    existing = row.days.filter(date=day).first()
    if kind == DAY_NORMAL and existing is None:
        return 0
    if existing is not None and existing.kind == kind and (kind == DAY_NORMAL or existing.name == name):
        return 0
    if existing is not None and kind == DAY_NORMAL:
        existing.delete()
    elif existing is None:
        CalendarDay.objects.create(calendar_year=row, date=day, kind=kind, name=name)
    else:
        existing.kind, existing.name = kind, name
        existing.save()
    moved = calendar_changes_announce(first=day, last=day, actor=actor)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=row,
        summary=f"工作日历 {day.isoformat()}：{before or DAY_NORMAL} → {kind}，重新计算 {moved} 个案件的时限",
        request=request,
        extra={"date": day.isoformat(), "from": before, "to": kind, "cases_changed": moved},
    )
    return moved


@transaction.atomic
def calendar_year_import(
    *, schedule: ParsedSchedule, notes: str = "", actor: Any = None, request: HttpRequest | None = None
) -> ImportResult:
    """Replace a year's days with an official schedule read from a CSV file or the State Council's
    notice; the year becomes covered, entered by hand and no longer provisional. Refused, naming
    what is wrong, while the schedule has errors or leaves a statutory holiday a working day."""
    if schedule.refused:
        missing = (
            [f"{schedule.year} 年的法定节假日未全部放假：缺 {'；'.join(schedule.missing)}"] if schedule.missing else []
        )
        raise CalendarRefused([*schedule.errors, *missing])
    year = schedule.year
    if year is None:  # such a schedule carries an error and was refused above
        raise CalendarRefused(["未能识别年份"])
    row, _ = CalendarYear.objects.select_for_update().get_or_create(year=year)
    stored = {d.date: (d.kind, d.name) for d in row.days.all()}
    wanted = schedule.days
    result = ImportResult(
        year=year,
        added=sorted(set(wanted) - set(stored)),
        removed=sorted(set(stored) - set(wanted)),
        changed=sorted(d for d in set(stored) & set(wanted) if stored[d] != wanted[d]),
        cases_changed=0,
    )
    row.days.filter(date__in=[*result.removed, *result.changed]).delete()
    _days_create(row, {d: wanted[d] for d in [*result.added, *result.changed]})
    row.source, row.covered, row.provisional = YearSource.MANUAL, True, False
    row.notes = notes or row.notes or ("国务院办公厅通知" if schedule.source_format == "notice" else "CSV 导入")
    row.save()
    first, last = year_span([year])
    result.cases_changed = calendar_changes_announce(first=first, last=last, actor=actor)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=row,
        summary=(
            f"导入 {year} 年工作日历（{len(wanted)} 天）：新增 {len(result.added)}、删除 {len(result.removed)}、"
            f"修改 {len(result.changed)}，重新计算 {result.cases_changed} 个案件的时限"
        ),
        request=request,
        extra={"year": year, "days": len(wanted), "cases_changed": result.cases_changed},
    )
    return result


def schedule_diff(schedule: ParsedSchedule) -> dict[str, list[date]]:
    """What saving ``schedule`` would change in its year: added, removed and changed days."""
    if schedule.year is None:
        return {"added": sorted(schedule.days), "removed": [], "changed": []}
    rows = CalendarDay.objects.filter(calendar_year__year=schedule.year).values_list("date", "kind", "name")
    stored = {day: (kind, name) for day, kind, name in rows}
    wanted = schedule.days
    return {
        "added": sorted(set(wanted) - set(stored)),
        "removed": sorted(set(stored) - set(wanted)),
        "changed": sorted(d for d in set(stored) & set(wanted) if stored[d] != wanted[d]),
    }
