"""The benchmark suite: every figure of the scale targets, measured side by side in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lanben_bench \\
        .venv/bin/python bench/run.py [--repeat 20] [--seconds 10] [--json var/bench/1m.json]

Runs against whatever ``bench/generate.py`` loaded. Pages are requested in-process with Django's
test client, logged in as the role that uses them (the view, its queries and its template; no
HTTP server); case submission is measured over HTTP under gunicorn with 8 concurrent clients; the
SLA sweep runs in a subprocess so its peak RSS is its own. Each figure prints its median and 95th
percentile over the repeated runs, the most SQL queries one run made, its target and the command
that reproduces it.
"""

import argparse
import http.client
import json
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Production-like: no DEBUG query log, no SSL redirect for the in-process client.
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.users import bench_intake_token, bench_users_ensure  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")
DB = os.environ.get("DATABASE_URL", "")
COMMAND = f"DATABASE_URL={DB} .venv/bin/python bench/run.py --only {{only}}"


@dataclass
class Figure:
    name: str
    group: str
    unit: str
    samples: list[float]
    queries: int | None = None
    target: str = ""
    ok: bool | None = None
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 0.95)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest sample at or above ``fraction`` of them."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


# --- pages, in process ------------------------------------------------------------------------------


def client_for(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def whole_table_counts(queries: list[dict]) -> int:
    """COUNT queries over cases_case with no WHERE clause: what must never run per page view."""
    return sum(
        1
        for q in queries
        if "COUNT(" in q["sql"].upper()
        and '"cases_case"' in q["sql"]
        and " WHERE " not in q["sql"].upper()
        and " LIMIT " not in q["sql"].upper()
    )


def _require_ok(url: str, response) -> None:
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")


def page_figure(name: str, group: str, username: str, url: str, repeat: int, limit_ms: float, max_queries: int):
    client = client_for(username)
    response = client.get(url)  # warm: the first request of a process loads templates and caches
    _require_ok(url, response)
    samples, most, counts, sql = [], 0, 0, []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = client.get(url)
            samples.append(time.perf_counter() - began)
        _require_ok(url, response)
        sql.append(sum(float(q["time"]) for q in captured.captured_queries))
        most = max(most, len(captured.captured_queries))
        counts = max(counts, whole_table_counts(captured.captured_queries))
    target = f"p95 ≤ {limit_ms:g} ms, ≤ {max_queries} queries"
    figure = Figure(name, group, "ms", [ms(s) for s in samples], most, target)
    figure.ok = figure.p95 <= limit_ms and most <= max_queries and counts == 0
    # How much of the time the database took: the rest is Python (view, template) and waiting for a core.
    figure.extra = {"url": url, "whole_table_counts": counts, "sql_ms_median": ms(statistics.median(sql))}
    figure.note = f"SQL {figure.extra['sql_ms_median']:g} ms of the median"
    if counts:
        figure.note += f"; {counts} COUNT(*) over the whole table"
    return figure


def reviewer_queue(repeat: int) -> list[Figure]:
    from cases.admin import CaseAdmin

    # The reviewer queue at a page of 100 rows (the admin's own default is 50).
    CaseAdmin.list_per_page = 100
    tail = _some_id_tail()
    urls = {
        "default queue (submitted/in review/returned)": "/admin/cases/case/",
        "state=dispatched & channel=wechat": "/admin/cases/case/?queue=dispatched&channel=wechat",
        "all states, unfiltered, page 50": "/admin/cases/case/?queue=all&p=49",
        "by service & edition": f"/admin/cases/case/?queue=all&{_service_edition_query()}",
        "search ID tail": f"/admin/cases/case/?queue=all&q={tail}",
    }
    return [
        page_figure(f"reviewer queue: {label}", "reviewer", "bench-reviewer", url, repeat, 150, 12)
        for label, url in urls.items()
    ]


def _some_id_tail() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_tail FROM cases_case WHERE id = (SELECT MAX(id) / 2 FROM cases_case)")
        return cursor.fetchone()[0]


def _service_edition_query() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.service_id, e.edition_id FROM cases_case c JOIN entitlements_enrollment e"
            " ON e.id = c.enrollment_id WHERE c.id = (SELECT MAX(id) / 3 FROM cases_case)"
        )
        service, edition = cursor.fetchone()
    return f"service__id__exact={service}&enrollment__edition__id__exact={edition}"


def coordinator_board(repeat: int) -> list[Figure]:
    urls = {
        "breached": "/board/?sla_status=breached&per_page=100",
        "one provider, accepted": "/board/?provider=1&state=accepted&per_page=100",
        # The city is picked from the cities of the board's cases (上海市), matched exactly.
        "city 上海市, latest deadline first": "/board/?city=%E4%B8%8A%E6%B5%B7%E5%B8%82&o=-deadline&per_page=100",
        "unfiltered, page 20": "/board/?per_page=100&page=20",
    }
    return [
        page_figure(f"coordinator board: {label}", "board", "bench-coordinator", url, repeat, 150, 12)
        for label, url in urls.items()
    ]


def manager_report(repeat: int) -> list[Figure]:
    url = "/reports/?date_from=2025-11-25&date_to=2026-11-24"
    # A few runs: at a million cases one run takes tens of seconds (see docs/benchmarks.md).
    runs = min(repeat, 5)
    figure = page_figure("manager report: one year, all providers", "report", "bench-manager", url, runs, 1000, 40)
    figure.target = "≤ 1000 ms"
    figure.ok = figure.p95 <= 1000
    return [figure]


def entitlement_inquiry(repeat: int) -> list[Figure]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM entitlements_person ORDER BY id LIMIT 20000")
        numbers = [row[0] for row in cursor.fetchall()]
    rng = random.Random(7)
    client = client_for("bench-intake")
    url = "/api/v1/entitlements"  # the ID number travels in the body, never in the URL
    client.post(url, {"id_number": numbers[0]}, content_type="application/json")
    samples, most = [], 0
    for _ in range(repeat * 10):
        body = {"id_number": rng.choice(numbers)}
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = client.post(url, body, content_type="application/json")
            samples.append(time.perf_counter() - began)
        _require_ok(url, response)
        most = max(most, len(captured.captured_queries))
    figure = Figure("entitlement inquiry (JSON API)", "inquiry", "ms", [ms(s) for s in samples], most, "p95 ≤ 30 ms")
    figure.ok = figure.p95 <= 30
    return [figure]


def working_days(repeat: int) -> list[Figure]:
    from bench.workdays_bench import _inputs
    from workdays.calendar import add_workdays, covered_years

    covered_years()
    inputs = _inputs(min(1_000_000, repeat * 50_000))
    rates = []
    for _ in range(3):
        began = time.perf_counter()
        for args in inputs:
            add_workdays(*args)
        rates.append(len(inputs) / (time.perf_counter() - began))
    figure = Figure("working-day add", "workdays", "ops/s", [round(r) for r in rates], 0, "≥ 200,000 ops/s")
    figure.ok = figure.median >= 200_000
    figure.note = f"{len(inputs):,} add_workdays calls per run, 3 runs"
    return [figure]


# --- the SLA sweep, in a subprocess ----------------------------------------------------------------


def sweep_child() -> None:
    """Run one sweep and print its wall time, query count and this process's peak RSS as JSON."""
    from sla.services import sla_sweep

    with CaptureQueriesContext(connection) as captured:
        began = time.perf_counter()
        result = sla_sweep()
        wall = time.perf_counter() - began
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"wall": wall, "queries": len(captured.captured_queries), "rss_mb": rss_mb, "result": result}))


def _sweep_once() -> dict:
    out = subprocess.run(
        [PYTHON, __file__, "--sweep-child"], capture_output=True, text=True, check=True, env=os.environ.copy()
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _sweep_marks() -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM sla_reminder")
        reminder = cursor.fetchone()[0]
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM notifications_outboxmessage")
        return reminder, cursor.fetchone()[0]


def _sweep_undo(marks: tuple[int, int]) -> None:
    """Forget what a sweep wrote (reminders, outbox messages, queued tasks) so the next one is a first one."""
    import redis

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM sla_reminder WHERE id > %s", [marks[0]])
        cursor.execute("DELETE FROM notifications_outboxmessage WHERE id > %s", [marks[1]])
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    _vacuum("sla_reminder", "notifications_outboxmessage")


def _vacuum(*tables: str) -> None:
    """Clean up after an undo now, so autovacuum does not do it while the next figure is measured."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def sla_sweep(repeat: int) -> list[Figure]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FILTER (WHERE state NOT IN ('closed','rejected','withdrawn','cancelled')), COUNT(*)"
            " FROM cases_case"
        )
        open_cases, total = cursor.fetchone()
    marks = _sweep_marks()
    first = []
    for _ in range(max(1, repeat // 5)):
        first.append(_sweep_once())
        _sweep_undo(marks)
    steady = [_sweep_once()]  # reminders now exist: what every later five-minute sweep does
    steady += [_sweep_once() for _ in range(max(1, repeat // 5))]
    _sweep_undo(marks)
    figures = []
    for label, runs in (("first sweep (every due case reminded)", first), ("steady sweep (nothing new)", steady[1:])):
        figure = Figure(
            f"SLA sweep: {label}",
            "sweep",
            "s",
            [round(r["wall"], 3) for r in runs],
            max(r["queries"] for r in runs),
            "≤ 5 s, ≤ 20 queries, peak RSS ≤ 300 MB",
        )
        rss = max(r["rss_mb"] for r in runs)
        figure.ok = figure.p95 <= 5 and figure.queries <= 20 and rss <= 300
        figure.extra = {"peak_rss_mb": round(rss, 1), "reminded": runs[0]["result"]["reminded"]}
        reminded = runs[0]["result"]["reminded"]
        figure.note = f"{open_cases:,} open of {total:,} cases; {reminded:,} reminded; peak RSS {rss:.0f} MB"
        figures.append(figure)
    return figures


# --- case submission under gunicorn ----------------------------------------------------------------

PORT = int(os.environ.get("BENCH_PORT", "8765"))
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
# One sync worker per core, as deployed (README): with PostgreSQL on the same two cores, 4 workers
# did 129 submissions/s against 141 for 2 (more processes only contend for the same CPU).
WORKERS = int(os.environ.get("BENCH_WORKERS", os.cpu_count() or 2))


def _submission_payloads(count: int) -> list[dict]:
    """Customers in service today with an unlimited, review-free green-channel service: every
    request is valid and none runs out of quota, so the figure is the cost of a submission."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT p.id_number, s.code, e.id FROM entitlements_enrollment e
            JOIN entitlements_person p ON p.id = e.insured_id
            JOIN entitlements_editionrule r ON r.edition_id = e.edition_id AND r.insured_limit IS NULL
                 AND r.insured_per = 'year' AND r.qualified_in_year IS NULL AND r.policy_year_from <= 1
                 AND r.policy_year_to IS NULL
            JOIN entitlements_service s ON s.id = r.service_id AND s.kind = 'green_channel'
                 AND s.illness_condition = 'none'
            WHERE e.service_start <= CURRENT_DATE AND e.service_end >= CURRENT_DATE
            ORDER BY e.id LIMIT %s
            """,
            [count],
        )
        rows = cursor.fetchall()
    if not rows:
        raise RuntimeError("no enrollment with an unlimited review-free service is in service today")
    return [
        {"beneficiary_id_number": number, "service": code, "enrollment": enrollment, "city": "上海市"}
        for number, code, enrollment in rows
    ]


def _gunicorn() -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "DB_CONN_MAX_AGE": "600"}
    process = subprocess.Popen(
        [GUNICORN, "config.wsgi", "--workers", str(WORKERS), "--bind", f"127.0.0.1:{PORT}", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request("GET", "/admin/login/")
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def _load(path: str, bodies: list[bytes], headers: dict, seconds: float, clients: int = 8) -> dict:
    """``clients`` threads posting back to back for ``seconds``; latencies of the successful ones."""
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    counter = iter(range(10**9))

    def worker() -> None:
        while time.perf_counter() < deadline:
            body = bodies[next(counter) % len(bodies)]
            began = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            conn.close()
            elapsed = time.perf_counter() - began
            with lock:
                (latencies.append(elapsed) if response.status == 201 else failures.append(response.status))

    began = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    return {"latencies": latencies, "failures": failures, "wall": wall}


def _submission_marks() -> dict:
    with connection.cursor() as cursor:
        marks = {}
        for table in ("cases_case", "cases_caseevent", "entitlements_quotahold", "notifications_outboxmessage"):
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            marks[table] = cursor.fetchone()[0]
        return marks


def _submission_undo(marks: dict) -> None:
    """Remove the benchmark's own cases so repeated runs measure the same data set."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_caseevent WHERE case_id > %s", [marks["cases_case"]])
        cursor.execute("DELETE FROM cases_dispatch WHERE case_id > %s", [marks["cases_case"]])
        cursor.execute("DELETE FROM cases_case WHERE id > %s", [marks["cases_case"]])
        cursor.execute(
            "UPDATE entitlements_quotabucket b SET held = b.held - n.n FROM (SELECT bucket_id, COUNT(*) n FROM"
            " entitlements_quotahold WHERE id > %s AND status = 'held' GROUP BY bucket_id) n WHERE b.id = n.bucket_id",
            [marks["entitlements_quotahold"]],
        )
        cursor.execute("DELETE FROM entitlements_quotahold WHERE id > %s", [marks["entitlements_quotahold"]])
        cursor.execute("DELETE FROM notifications_outboxmessage WHERE id > %s", [marks["notifications_outboxmessage"]])
    import redis

    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    _vacuum(
        "cases_case",
        "cases_caseevent",
        "entitlements_quotabucket",
        "entitlements_quotahold",
        "notifications_outboxmessage",
        "audit_auditevent",
    )


def case_submission(seconds: float) -> list[Figure]:
    from bench.urls import FLOOR_TABLE_SQL

    with connection.cursor() as cursor:
        cursor.execute(FLOOR_TABLE_SQL)
    payloads = _submission_payloads(4000)
    token = bench_intake_token()
    marks = _submission_marks()
    server = _gunicorn()
    try:
        json_headers = {"Content-Type": "application/json"}
        auth = {**json_headers, "Authorization": f"Token {token}"}
        bodies = [json.dumps(p).encode() for p in payloads]
        _load("/api/v1/cases", bodies, auth, min(2, seconds))  # warm the workers' connections and imports
        _load("/bench/floor", [b"{}"], json_headers, min(1, seconds))
        submit = _load("/api/v1/cases", bodies, auth, seconds)
        floor = _load("/bench/floor", [b"{}"], json_headers, seconds)
    finally:
        server.terminate()
        server.wait(10)
        _submission_undo(marks)
    figures = []
    for name, run in (("case submission (HTTP API, gunicorn, 8 clients)", submit), ("floor: insert one row", floor)):
        if not run["latencies"]:
            raise RuntimeError(f"{name}: every request failed: {sorted(set(run['failures']))}")
        rps = len(run["latencies"]) / run["wall"]
        figure = Figure(name, "submission", "ms", [ms(s) for s in run["latencies"]])
        figure.extra = {"requests_per_second": round(rps, 1), "failures": len(run["failures"])}
        figures.append(figure)
    sub, flo = figures
    ratio = sub.extra["requests_per_second"] / flo.extra["requests_per_second"]
    sub.target = "≥ 150 req/s, p95 ≤ 50 ms"
    sub.ok = sub.extra["requests_per_second"] >= 150 and sub.p95 <= 50 and not sub.extra["failures"]
    sub.note = f"{sub.extra['requests_per_second']:.0f} req/s = {ratio:.0%} of the floor's"
    flo.note = f"{flo.extra['requests_per_second']:.0f} req/s"
    sub.extra["ratio_to_floor"] = round(ratio, 3)
    return figures


# --- the report -------------------------------------------------------------------------------------

SUITES = {
    "reviewer": reviewer_queue,
    "board": coordinator_board,
    "report": manager_report,
    "inquiry": entitlement_inquiry,
    "sweep": sla_sweep,
    "submission": None,  # takes --seconds, not --repeat
    "workdays": working_days,
}


def machine() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'cases_case'")
        cases = cursor.fetchone()[0]
    memory = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
    return {
        "cores": os.cpu_count(),
        "ram_gb": round(int(memory) / 1024 / 1024, 1),
        "postgresql": version,
        "python": sys.version.split()[0],
        "cases": cases,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def print_table(figures: list[Figure]) -> None:
    print(f"\n{'figure':<62} {'median':>9} {'p95':>9} {'unit':<5} {'queries':>7}  {'target':<38} verdict")
    for f in figures:
        verdict = {True: "PASS", False: "MISS", None: ""}[f.ok]
        queries = "" if f.queries is None else str(f.queries)
        print(f"{f.name:<62} {f.median:>9,.1f} {f.p95:>9,.1f} {f.unit:<5} {queries:>7}  {f.target:<38} {verdict}")
        if f.note:
            print(f"{'':<4}{f.note}")
        print(f"{'':<4}reproduce: {COMMAND.format(only=f.group)}")


def main() -> int:
    if "--sweep-child" in sys.argv:
        sweep_child()
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=20, help="runs per page figure")
    parser.add_argument("--seconds", type=float, default=10, help="load duration per HTTP figure")
    parser.add_argument("--only", action="append", choices=list(SUITES), help="run only these groups")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    bench_users_ensure()
    about = machine()
    print(f"machine: {json.dumps(about, ensure_ascii=False)}")
    figures: list[Figure] = []
    for name in args.only or list(SUITES):
        began = time.perf_counter()
        if name == "submission":
            figures += case_submission(args.seconds)
        else:
            figures += SUITES[name](args.repeat)
        print(f"  {name}: {time.perf_counter() - began:.1f} s", flush=True)
    print_table(figures)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        data = {"machine": about, "figures": [{**asdict(f), "median": f.median, "p95": f.p95} for f in figures]}
        Path(args.json).write_text(json.dumps(data, ensure_ascii=False, indent=1))
    return 0 if all(f.ok is not False for f in figures) else 1


if __name__ == "__main__":
    raise SystemExit(main())
