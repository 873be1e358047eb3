"""Where a submission's time goes: its statements, then cProfile over N submissions, in process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lanben_bench CELERY_BROKER_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python bench/profile_submission.py [--n 100] [--out var/prof/submission.prof]

The same requests as ``bench/run.py``'s submission figure (review-free services, customers in
service at the data set's today), through Django's test client with the intake token: prints the
statements of one submission and the time per request, writes the profile for ``pstats``, and
removes the cases it made (as the runner does).
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import cProfile
import pstats

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench import run  # noqa: E402
from bench.clock import anchor_read, install  # noqa: E402
from bench.users import bench_intake_token  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--out", default="var/prof/submission.prof")
    args = parser.parse_args()
    install(anchor_read(connection))
    payloads = run._submission_payloads(2 * args.n + 30)
    headers = {"HTTP_AUTHORIZATION": f"Token {bench_intake_token()}"}
    marks = run._submission_marks()
    client = Client()

    def post(payload: dict) -> None:
        response = client.post("/api/v1/cases", json.dumps(payload), content_type="application/json", **headers)
        if response.status_code != 201:
            raise RuntimeError(f"{response.status_code}: {response.content[:300]!r}")

    try:
        for payload in payloads[:20]:  # warm: imports, templates, the year's sequence
            post(payload)
        with CaptureQueriesContext(connection) as captured:
            post(payloads[20])
        for query in captured.captured_queries:
            print(f"{float(query['time']) * 1000:6.1f} ms  {query['sql'][:110]}")
        print(f"{len(captured.captured_queries)} statements")
        # CPU time of this process (the view, Django, the driver), unprofiled: unlike the wall
        # clock it hardly moves with the machine's load, so it tells one change from another.
        began, cpu = time.perf_counter(), time.process_time()
        for payload in payloads[21 + args.n : 21 + 2 * args.n]:
            post(payload)
        wall = (time.perf_counter() - began) / args.n * 1000
        cpu = (time.process_time() - cpu) / args.n * 1000
        print(f"{cpu:.2f} ms CPU a submission in this process, {wall:.1f} ms wall, load {os.getloadavg()[0]:.1f}")
        profile = cProfile.Profile()
        began = time.perf_counter()
        profile.enable()
        for payload in payloads[21 : 21 + args.n]:
            post(payload)
        profile.disable()
        each = (time.perf_counter() - began) / args.n * 1000
        print(f"{each:.1f} ms a submission (profiled), load {os.getloadavg()[0]:.1f}")
        # Python function calls per submission: the same whatever the load, a proxy for its CPU.
        calls = pstats.Stats(profile).total_calls / args.n  # type: ignore[attr-defined]
        print(f"{calls:,.0f} Python function calls a submission")
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        profile.dump_stats(args.out)
        print(f"profile: .venv/bin/python -m pstats {args.out}")
    finally:
        run._submission_undo(marks)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
