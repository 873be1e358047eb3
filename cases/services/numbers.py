"""Human case numbers, ``LB-2026-000123``: one sequence per year, gaps allowed, never shared.

The number comes from a per-year sequence: ``nextval`` never waits for another transaction, so
concurrent submissions do not queue behind each other (a rolled-back submission leaves a gap,
which is allowed).
"""

from django.db import IntegrityError, ProgrammingError, connection, transaction

from cases.sla import local_today
from config.rows import prepared_cursor


def _nextval(name: str) -> int:
    with prepared_cursor() as cursor:  # every submission's: planned once per connection
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


def case_number_next() -> str:
    """The next number of the current (Asia/Shanghai) year."""
    year = local_today().year
    return f"LB-{year}-{_sequence_next(year):06d}"
