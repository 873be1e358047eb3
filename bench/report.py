"""The manager report from the direct statement and from the aggregates, side by side.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lanben_report_bench CELERY_BROKER_URL=redis://127.0.0.1:6379/4 \\
        .venv/bin/python manage.py report_aggregates rebuild
    DATABASE_URL=... .venv/bin/python bench/report.py [--repeat 7]

At the data set's own today (bench_meta): a year, a month, a year for one provider and a year for
one city, each the median of ``--repeat`` runs of ``sla.selectors.manager_report`` in process (the
statement and the Python that shapes its rows), after one warm-up run. It also checks that both
sources give the same figures, and prints the load average beside the timings.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.clock import anchor_read  # noqa: E402
from cases.models import Case  # noqa: E402
from sla.filters import ReportFilter  # noqa: E402
from sla.report_aggregates import aggregates_status  # noqa: E402
from sla.selectors import ManagerReport, manager_report  # noqa: E402

TABLES = ("summary", "providers", "services", "cities", "trend")


def _report(filters: dict, today: date, source: str):
    filterset = ReportFilter(filters, queryset=Case.objects.all())
    if not filterset.is_valid():
        raise SystemExit(f"invalid filters {filters}: {filterset.form.errors}")
    cleaned = filterset.form.cleaned_data
    return manager_report(filterset.qs, today=today, grain=cleaned["grain"], filters=cleaned, source=source)


def _timed(filters: dict, today: date, source: str, repeat: int) -> tuple[float, ManagerReport]:
    report = _report(filters, today, source)  # warm-up
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        report = _report(filters, today, source)
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    anchor = anchor_read(connection)
    today = date.fromisoformat(anchor[:10]) if anchor else timezone.localdate()
    status = aggregates_status()
    if not status["usable"]:
        print("aggregates not usable: run `manage.py report_aggregates rebuild` first", file=sys.stderr)
        return 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM cases_case")
        cases = cursor.fetchone()[0]
        cursor.execute("SELECT MIN(id) FROM providers_provider")
        provider = cursor.fetchone()[0]
        cursor.execute("SELECT city FROM cases_case GROUP BY city ORDER BY COUNT(*) DESC LIMIT 1")
        city = cursor.fetchone()[0]
    year = {"date_from": (today - timedelta(days=364)).isoformat(), "date_to": today.isoformat(), "grain": "month"}
    scenarios = {
        "year (by month)": year,
        "year (by week)": {**year, "grain": "week"},
        "month (by week)": {
            "date_from": (today - timedelta(days=29)).isoformat(),
            "date_to": today.isoformat(),
            "grain": "week",
        },
        "year, one provider": {**year, "provider": str(provider)},
        f"year, one city ({city})": {**year, "city": city},
    }
    print(
        f"{cases:,} cases, {status['cells']:,} cells, {status['margins']:,} margin rows, {status['deltas']:,} deltas;"
        f" today {today}; load {os.getloadavg()}"
    )
    print(f"{'report':<28} {'received':>9} {'direct ms':>10} {'aggregates ms':>14} {'ratio':>6} same")
    for name, filters in scenarios.items():
        direct_ms, direct = _timed(filters, today, "direct", args.repeat)
        aggregate_ms, aggregated = _timed(filters, today, "aggregates", args.repeat)
        same = all(getattr(direct, t) == getattr(aggregated, t) for t in TABLES)
        print(
            f"{name:<28} {direct.summary['received']:>9,} {direct_ms:>10.1f} {aggregate_ms:>14.1f} "
            f"{aggregate_ms / direct_ms:>6.2f} {'yes' if same else 'NO'}"
        )
    print(f"load after {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
