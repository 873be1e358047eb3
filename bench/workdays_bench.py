"""Throughput of the working-day arithmetic, the way a bulk SLA recomputation uses it.

Reproduce with:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lanben .venv/bin/python bench/workdays_bench.py
(the database must be migrated; `python manage.py workdays sync` loads the calendar).
"""

import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from workdays.calendar import add_workdays, covered_years, is_workday, workdays_between  # noqa: E402

OPERATIONS = int(os.environ.get("BENCH_OPERATIONS", "1000000"))
TARGET_ADD_PER_SECOND = 200_000


def _inputs(count: int) -> list[tuple[date, int]]:
    rng = random.Random(20261125)  # fixed seed: the same inputs on every run
    first, last = date(2004, 1, 1), date(2025, 12, 1)
    span = (last - first).days
    return [(first + timedelta(days=rng.randrange(span)), rng.randrange(1, 31)) for _ in range(count)]


def _rate(label: str, func, inputs) -> float:
    started = time.perf_counter()
    for args in inputs:
        func(*args)
    elapsed = time.perf_counter() - started
    rate = len(inputs) / elapsed
    print(f"{label:<18} {len(inputs):>10,} ops  {elapsed:8.3f} s  {rate:>12,.0f} ops/s")
    return rate


def main() -> int:
    years = covered_years()  # builds the index once, outside the timing
    print(f"calendar covers {years[0]}–{years[-1]}; Python {sys.version.split()[0]}")
    inputs = _inputs(OPERATIONS)
    add_rate = _rate("add_workdays", add_workdays, inputs)
    _rate("workdays_between", workdays_between, [(a, a + timedelta(days=n)) for a, n in inputs])
    _rate("is_workday", is_workday, [(a,) for a, _ in inputs])
    verdict = "PASS" if add_rate >= TARGET_ADD_PER_SECOND else "FAIL"
    print(f"{verdict}: add_workdays {add_rate:,.0f} ops/s against a target of {TARGET_ADD_PER_SECOND:,} ops/s")
    print("reproduce: DATABASE_URL=postgres://… .venv/bin/python bench/workdays_bench.py")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
