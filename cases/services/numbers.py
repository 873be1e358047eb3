"""Human case numbers, ``LB-2026-000123``: one sequence per year, gaps allowed, never shared.

On PostgreSQL the number comes from a per-year sequence: ``nextval`` never waits for another
transaction, so concurrent submissions do not queue behind each other (a rolled-back submission
leaves a gap, which is allowed). Elsewhere (the embedded SQLite of ``dev.py up``) a per-year
counter row is incremented under its row lock.
"""

from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.db.models import F

from cases.models import CaseNumberCounter
from cases.sla import local_today


def _nextval(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [name])
        return cursor.fetchone()[0]


# Years whose sequence this process has already used: their ``nextval`` needs no savepoint.
_KNOWN_SEQUENCES: set[tuple[str, int]] = set()


def _sequence_next(year: int) -> int:
    name = f"cases_number_{year}"
    known = (connection.settings_dict["NAME"], year)
    if known in _KNOWN_SEQUENCES:
        return _nextval(name)
    try:
        with transaction.atomic():
            serial = _nextval(name)
        # Remembered once committed: a sequence created by a transaction that rolls back is gone.
        transaction.on_commit(lambda: _KNOWN_SEQUENCES.add(known))
        return serial
    except ProgrammingError:
        pass  # the year's first case: create its sequence
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {name}")
    except (IntegrityError, ProgrammingError):
        pass  # two first submissions of the year raced to create it: the other one did
    return _nextval(name)


def _counter_next(year: int) -> int:
    if not CaseNumberCounter.objects.filter(year=year).update(last=F("last") + 1):
        try:
            with transaction.atomic():
                CaseNumberCounter.objects.create(year=year, last=0)
        except IntegrityError:
            pass  # another submission created the year's row first: use it
        CaseNumberCounter.objects.filter(year=year).update(last=F("last") + 1)
    return CaseNumberCounter.objects.get(year=year).last


def case_number_next() -> str:
    """The next number of the current (Asia/Shanghai) year."""
    year = local_today().year
    serial = _sequence_next(year) if connection.vendor == "postgresql" else _counter_next(year)
    return f"LB-{year}-{serial:06d}"
