"""The desk search's latency per kind of term (issue 15 item 4: p95 ≤ 150 ms at a million cases).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lanben_bench \\
        .venv/bin/python bench/search.py [--samples 200] [--json var/bench/search.json]

Each request goes through the whole page (middleware, session, the search, the audit row, the
template) in-process, as the intake user of bench/users.py: GET for case numbers, names and policy
numbers, POST for phones and ID numbers, as the browser sends them. Terms are drawn, seeded, from
the data set: whole case numbers, a case number's last five digits (a part, the trigram index), the first two characters
of a customer's name, whole phones, ID numbers and policy numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.users import bench_users_ensure  # noqa: E402

SAMPLES_SQL = {
    "whole_case_number": ("SELECT number FROM cases_case TABLESAMPLE SYSTEM (5) LIMIT %s", "GET"),
    "case_number": ("SELECT right(number, 5) FROM cases_case TABLESAMPLE SYSTEM (5) LIMIT %s", "GET"),
    "name": ("SELECT left(name, 2) FROM entitlements_person TABLESAMPLE SYSTEM (5) LIMIT %s", "GET"),
    "phone": ("SELECT phone FROM entitlements_person TABLESAMPLE SYSTEM (5) WHERE phone <> '' LIMIT %s", "POST"),
    "id_number": ("SELECT id_number FROM entitlements_person TABLESAMPLE SYSTEM (5) LIMIT %s", "POST"),
    "policy": ("SELECT policy_no FROM entitlements_policy TABLESAMPLE SYSTEM (5) LIMIT %s", "GET"),
}


def _terms(sql: str, count: int, rng: random.Random) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(sql, [count])
        terms = [row[0] for row in cursor.fetchall()]
    rng.shuffle(terms)
    return terms


def _queries(client: Client, method: str, terms: list[str]) -> int:
    """The most statements one page of these terms ran (the first five; they also warm the caches)."""
    send = client.post if method == "POST" else client.get
    most = 0
    for term in terms[:5]:
        with CaptureQueriesContext(connection) as queries:
            send("/search/", {"q": term})
        most = max(most, len(queries))
    return most


def _measure(client: Client, method: str, terms: list[str]) -> list[float]:
    send = client.post if method == "POST" else client.get
    timings = []
    for term in terms:
        started = time.perf_counter()
        response = send("/search/", {"q": term})
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{method} /search/ {term[:3]}…: {response.status_code}")
    return timings


def _measure_function(user, method: str, terms: list[str]) -> list[float]:
    from cases.search import desk_search

    timings = []
    for term in terms:
        started = time.perf_counter()
        desk_search(user=user, term=term, via_post=method == "POST")
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _p95(timings: list[float]) -> float:
    timings = sorted(timings)
    return round(timings[max(0, int(len(timings) * 0.95) - 1)], 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(pk=bench_users_ensure()["intake"])
    client.force_login(user)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_case")
        cases = cursor.fetchone()[0]
    rng = random.Random(42)
    figures = {}
    print(f"desk search, {cases:,} cases, {args.samples} terms per kind")
    for kind, (sql, method) in SAMPLES_SQL.items():
        terms = _terms(sql, args.samples, rng)
        queries = _queries(client, method, terms)
        page = _measure(client, method, terms)
        query = _measure_function(user, method, terms)
        figures[kind] = {
            "page_median_ms": round(statistics.median(page), 1),
            "page_p95_ms": _p95(page),
            "search_median_ms": round(statistics.median(query), 1),
            "search_p95_ms": _p95(query),
            "queries": queries,
            "n": len(terms),
            "load": round(os.getloadavg()[0], 1),
        }
        row = figures[kind]
        print(
            f"  {kind:<17} {method:<4} page median {row['page_median_ms']:6.1f} p95 {row['page_p95_ms']:6.1f} ms"
            f" | search median {row['search_median_ms']:6.1f} p95 {row['search_p95_ms']:6.1f} ms"
            f" | {queries} queries | load {row['load']}"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"cases": cases, "search": figures}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
