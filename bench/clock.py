"""The data set's own "today" for the benchmarks: the clock shifted to the generator's anchor.

``bench/generate.py`` writes its anchor (``NOW``, 2026-11-25 09:00 Asia/Shanghai) into
``bench_meta``; ``bench/run.py`` reads it and sets ``BENCH_NOW`` for itself, the SLA sweep's
subprocess and gunicorn, whose settings (``bench/settings.py``) call :func:`install`. From then
on ``django.utils.timezone.now()`` — and so ``localdate()``, ``auto_now`` fields and every
"today" of the product — answers the anchor plus the time elapsed since the process started,
so a figure measured a week after generating sees the same due and overdue cases as one measured
right after. Benchmarks only: production never imports this module.
"""

import os
import time
from datetime import UTC, datetime, timedelta

from django.utils import timezone

_real_now = timezone.now


def install(anchor_iso: str | None = None) -> datetime | None:
    """Shift ``timezone.now`` to start at ``anchor_iso`` (default: ``$BENCH_NOW``); returns the anchor."""
    anchor_iso = anchor_iso or os.environ.get("BENCH_NOW")
    if not anchor_iso:
        return None
    anchor = datetime.fromisoformat(anchor_iso)
    started = time.monotonic()

    def shifted_now() -> datetime:
        return (anchor + timedelta(seconds=time.monotonic() - started)).astimezone(UTC)

    timezone.now = shifted_now
    return anchor


def anchor_read(connection) -> str | None:
    """The anchor ``bench/generate.py`` stored, or None for a data set generated before it did."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_meta') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return None
        cursor.execute("SELECT value FROM bench_meta WHERE key = 'now'")
        row = cursor.fetchone()
        return row[0] if row else None
