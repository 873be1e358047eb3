"""Working-day arithmetic on the PRC calendar (法定节假日 and 调休).

The calendar rows are turned once into a sorted array of the ordinals of every working day in the
covered years; each operation is then a bisect, fast enough for bulk SLA recomputation. The index
is shared by the whole process and rebuilt when the calendar's revision token in the database
changes; the token is read at most once every ``WORKDAYS_INDEX_TTL_SECONDS`` (default 5) seconds,
and edits made in this process invalidate it at once.

A computation that touches a year the calendar does not cover raises ``CalendarNotCovered``:
deadlines must never be guessed from weekends alone. A provisional year (computed from the law,
see ``workdays.statutory``) is covered; ``rests_on_provisional`` tells whether a result depends on
one, so that it can be shown as 暂定.
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import connection

__all__ = [
    "CalendarNotCovered",
    "add_workdays",
    "calendar_invalidate",
    "calendar_pinned",
    "covered_years",
    "is_workday",
    "provisional_years",
    "rests_on_provisional",
    "sub_workdays",
    "workdays_between",
]


class CalendarNotCovered(Exception):
    """The computation needs a year whose holiday schedule has not been entered."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"工作日历未覆盖 {year} 年：请在后台“工作日历”中录入 {year} 年的法定节假日与调休安排并勾选“已覆盖”。"
        )


@dataclass(frozen=True, slots=True)
class _Index:
    token: str | None
    ordinals: list[int]  # sorted ordinals of every working day of the covered years
    workday_set: frozenset[int]
    covered: frozenset[int]
    provisional: frozenset[int] = frozenset()

    def check_years(self, first: int, last: int) -> None:
        """Raise for the first uncovered year in [first, last]."""
        if first == last and first in self.covered:
            return  # the common case, kept to one set lookup for bulk use
        for year in range(first, last + 1):
            if year not in self.covered:
                raise CalendarNotCovered(year)

    def first_gap_after(self, year: int) -> int:
        while year in self.covered:
            year += 1
        return year

    def last_gap_before(self, year: int) -> int:
        while year in self.covered:
            year -= 1
        return year


_lock = threading.Lock()
_index: _Index | None = None
_expires_at = 0.0  # monotonic time until which the index is trusted without a token read
# Set by an edit in this process and kept until the token has been read outside any transaction:
# until then the edit may still be rolled back, so the token is compared on every call instead of
# trusting the TTL.
_watching = False


# The index a bulk computation in this thread has pinned (see calendar_pinned).
_pinned = threading.local()


def _ttl() -> float:
    return float(getattr(settings, "WORKDAYS_INDEX_TTL_SECONDS", 5))


def calendar_invalidate() -> None:
    """Forget the process's index and any pending edit; the next computation rebuilds it from the
    database (also run once an edit has been committed)."""
    global _index, _watching
    _index = None
    _watching = False


def calendar_watch() -> None:
    """Called on every edit: forget the index and re-read the token on each call until the edit's
    transaction is over, whichever way it ends."""
    global _watching
    calendar_invalidate()
    _watching = True


def _current_token() -> str | None:
    from workdays.models import CalendarRevision

    token = CalendarRevision.objects.filter(pk=1).values_list("token", flat=True).first()
    return str(token) if token else None


def _build(token: str | None) -> _Index:
    from workdays.models import CalendarDay, CalendarYear, DayKind

    rows = list(CalendarYear.objects.filter(covered=True).values_list("year", "provisional"))
    years = sorted(year for year, _ in rows)
    days = list(CalendarDay.objects.filter(calendar_year__covered=True).values_list("date", "kind"))
    holidays = {d.toordinal() for d, kind in days if kind == DayKind.HOLIDAY}
    makeup = {d.toordinal() for d, kind in days if kind == DayKind.WORKDAY}
    ordinals: list[int] = []
    for year in years:
        first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
        for o in range(first, last + 1):
            # date.fromordinal(o).weekday() == (o + 6) % 7
            if o in makeup or ((o + 6) % 7 < 5 and o not in holidays):
                ordinals.append(o)
    return _Index(
        token=token,
        ordinals=ordinals,
        workday_set=frozenset(ordinals),
        covered=frozenset(years),
        provisional=frozenset(year for year, provisional in rows if provisional),
    )


def _get_index() -> _Index:
    global _index, _expires_at, _watching
    index = _index
    if index is not None and not _watching and time.monotonic() < _expires_at:
        return index
    pinned = getattr(_pinned, "index", None)
    if pinned is not None:
        return pinned
    with _lock:
        token = _current_token()
        if _index is None or _index.token != token:
            _index = _build(token)
        _expires_at = time.monotonic() + _ttl()
        if _watching and not connection.in_atomic_block:
            _watching = False
        return _index


@contextmanager
def calendar_pinned() -> Iterator[None]:
    """Within the block this thread computes with the index as it is on entry, read once.

    For bulk work inside the transaction that edited the calendar: there every call would otherwise
    re-read the revision token (the edit may still roll back), one query per due date."""
    previous = getattr(_pinned, "index", None)
    _pinned.index = _get_index()
    try:
        yield
    finally:
        _pinned.index = previous


def covered_years() -> list[int]:
    """The years the calendar can compute with, ascending."""
    return sorted(_get_index().covered)


def provisional_years() -> list[int]:
    """The covered years computed from the law, not yet from the State Council's schedule."""
    return sorted(_get_index().provisional)


def rests_on_provisional(a: date, b: date) -> bool:
    """Whether a count over the days (a, b] (a due date b counted from a) touches a provisional year."""
    provisional = _get_index().provisional
    if not provisional:
        return False
    if b < a:
        a, b = b, a
    first = a.year + 1 if a.month == 12 and a.day == 31 else a.year  # the year of the day after a
    if first == b.year:
        return first in provisional  # the common case, kept to one set lookup for bulk use
    return any(year in provisional for year in range(first, b.year + 1))


def is_workday(day: date) -> bool:
    index = _get_index()
    index.check_years(day.year, day.year)
    return day.toordinal() in index.workday_set


def add_workdays(start: date, n: int) -> date:
    """The n-th working day strictly after ``start`` (``start`` itself when n is 0)."""
    if n < 0:
        raise ValueError(f"n 必须是非负整数，收到 {n}；向前推算请用 sub_workdays")
    if n == 0:
        return start
    index = _get_index()
    ordinals = index.ordinals
    position = bisect_right(ordinals, start.toordinal()) + n - 1
    if position >= len(ordinals):
        raise CalendarNotCovered(index.first_gap_after(start.year))
    result = date.fromordinal(ordinals[position])
    index.check_years(start.year, result.year)
    return result


def sub_workdays(start: date, n: int) -> date:
    """The n-th working day strictly before ``start`` (``start`` itself when n is 0)."""
    if n < 0:
        raise ValueError(f"n 必须是非负整数，收到 {n}；向后推算请用 add_workdays")
    if n == 0:
        return start
    index = _get_index()
    ordinals = index.ordinals
    position = bisect_left(ordinals, start.toordinal()) - n
    if position < 0:
        raise CalendarNotCovered(index.last_gap_before(start.year))
    result = date.fromordinal(ordinals[position])
    index.check_years(result.year, start.year)
    return result


def workdays_between(a: date, b: date) -> int:
    """The number of working days in (a, b]; negative when b is before a."""
    if b < a:
        return -workdays_between(b, a)
    if a == b:
        return 0
    index = _get_index()
    index.check_years((a + timedelta(days=1)).year, b.year)
    ordinals = index.ordinals
    return bisect_right(ordinals, b.toordinal()) - bisect_right(ordinals, a.toordinal())
