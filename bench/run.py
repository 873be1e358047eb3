"""The benchmark suite: every figure of the scale targets, measured side by side in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lanben_bench \\
        .venv/bin/python bench/run.py [--repeat 20] [--seconds 10] [--json var/bench/1m.json]

Runs against whatever ``bench/generate.py`` loaded, at the data set's own "today" (the anchor the
generator stored in ``bench_meta``; ``bench/clock.py``), so the date-dependent figures (the sweep,
the board's breaches, the submission's periods) do not drift with the calendar. Pages are requested
in-process with Django's test client, logged in as the role that uses them (the view, its queries
and its template; no HTTP server); case submission is measured over HTTP under gunicorn with 8
concurrent clients; the SLA sweep runs in a subprocess so its peak RSS is its own.

The peers are measured interleaved with the project, round by round (the machine is shared and its
load changes by the minute; a ratio of figures taken side by side is what holds): the stock Django
admin on the same table (``bench/stock_admin.py``) and, when ``--helpdesk-venv`` names a virtualenv
set up by ``bench/peers/helpdesk_setup.sh``, django-helpdesk's ticket list and ticket creation.
Each figure prints its median and 95th percentile over all its runs, the most SQL queries one run
made, the median 1-minute load average while it ran, its target and the command that reproduces it.
"""

import argparse
import http.client
import itertools
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
from cases.states import FINAL  # noqa: E402

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
    loads: list[float] = field(default_factory=list)  # 1-minute load average at each round

    @property
    def load(self) -> float | None:
        return round(statistics.median(self.loads), 2) if self.loads else None

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


class Page:
    """One page figure, measured a few runs at a time so that it can be interleaved with others."""

    def __init__(self, name: str, group: str, username: str, url: str, limit_ms: float, max_queries: int):
        self.url, self.limit_ms, self.max_queries = url, limit_ms, max_queries
        self.figure = Figure(name, group, "ms", [], 0, f"p95 ≤ {limit_ms:g} ms, ≤ {max_queries} queries")
        self.client = client_for(username)
        self.counts = 0
        self.sql: list[float] = []
        self.peers: list = []  # the peers' measurers for the same question, for the ratio
        _require_ok(url, self.client.get(url))  # warm: the first request of a process loads templates and caches

    def take(self, runs: int) -> None:
        for _ in range(runs):
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                response = self.client.get(self.url)
                elapsed = time.perf_counter() - began
            _require_ok(self.url, response)
            self.figure.samples.append(ms(elapsed))
            self.sql.append(sum(float(q["time"]) for q in captured.captured_queries))
            self.figure.queries = max(self.figure.queries or 0, len(captured.captured_queries))
            self.counts = max(self.counts, whole_table_counts(captured.captured_queries))
        self.figure.loads.append(round(os.getloadavg()[0], 2))

    def done(self) -> Figure:
        figure = self.figure
        figure.ok = figure.p95 <= self.limit_ms and (figure.queries or 0) <= self.max_queries and self.counts == 0
        # How much of the time the database took: the rest is Python (view, template) and waiting for a core.
        figure.extra = {
            "url": self.url,
            "whole_table_counts": self.counts,
            "sql_ms_median": ms(statistics.median(self.sql)),
        }
        figure.note = f"SQL {figure.extra['sql_ms_median']:g} ms of the median"
        if self.counts:
            figure.note += f"; {self.counts} COUNT(*) over the whole table"
        return figure


def interleave(measurers: list, rounds: int, per_round: int) -> None:
    """``rounds`` rounds, each taking ``per_round`` runs of every figure in turn."""
    for _ in range(rounds):
        for measurer in measurers:
            measurer.take(per_round)


def rounds_of(repeat: int) -> tuple[int, int]:
    """(rounds, runs per round) for ``repeat`` runs of each figure: five rounds when there are enough."""
    rounds = min(5, repeat)
    return rounds, max(1, repeat // rounds)


def page_figure(name: str, group: str, username: str, url: str, repeat: int, limit_ms: float, max_queries: int):
    page = Page(name, group, username, url, limit_ms, max_queries)
    interleave([page], *rounds_of(repeat))
    return page.done()


# The reviewer queue's figures, and what each peer shows for the same question.
QUEUE_KINDS = ["default", "filtered", "page50", "search"]


def reviewer_queue(repeat: int, helpdesk: "Helpdesk | None" = None, stock_admin: bool = True) -> list[Figure]:
    from cases.admin import CaseAdmin

    # The reviewer queue at a page of 100 rows (the admin's own default is 50).
    CaseAdmin.list_per_page = 100
    tail = _some_id_tail()
    urls = {
        "default": ("default queue (submitted/in review/returned)", "/admin/cases/case/"),
        "filtered": ("state=dispatched & channel=wechat", "/admin/cases/case/?queue=dispatched&channel=wechat"),
        # Django's admin counts pages from 1: page 50 is p=50.
        "page50": ("all states, unfiltered, page 50", "/admin/cases/case/?queue=all&p=50"),
        "service": ("by service & edition", f"/admin/cases/case/?queue=all&{_service_edition_query()}"),
        "search": ("search ID tail", f"/admin/cases/case/?queue=all&q={tail}"),
    }
    stock = {
        "default": "/bench/stock-admin/cases/case/?state__in=submitted,in_review,returned",
        "filtered": "/bench/stock-admin/cases/case/?state__exact=dispatched&channel__exact=wechat",
        "page50": "/bench/stock-admin/cases/case/?p=50",
        "search": f"/bench/stock-admin/cases/case/?q={tail}",
    }
    measurers: list = []
    project = {}
    for kind, (label, url) in urls.items():
        project[kind] = Page(f"reviewer queue: {label}", "reviewer", "bench-reviewer", url, 150, 12)
        measurers.append(project[kind])
        if stock_admin and kind in stock:
            peer = Page(f"  peer, stock Django admin: {label}", "reviewer", "bench-reviewer", stock[kind], 10**9, 10**9)
            peer.figure.target = ""
            measurers.append(peer)
            project[kind].peers.append(peer)
        if helpdesk is not None and kind in QUEUE_KINDS:
            helpdesk_page = helpdesk.page(kind, label, tail)
            measurers.append(helpdesk_page)
            project[kind].peers.append(helpdesk_page)
    rounds, per_round = rounds_of(repeat)
    interleave(measurers, rounds, per_round)
    figures = []
    for measurer in measurers:
        figure = measurer.done()
        if figure.group == "reviewer" and figure.name.startswith("  peer"):
            figure.ok = None
        figures.append(figure)
    for page in project.values():
        for peer in page.peers:
            ratio = page.figure.median / peer.figure.median
            peer.figure.extra["ratio"] = round(ratio, 3)
            peer.figure.note = f"project ÷ peer = {ratio:.2f} (medians); " + peer.figure.note
    return figures


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
    pages = [
        Page(f"coordinator board: {label}", "board", "bench-coordinator", url, 150, 12) for label, url in urls.items()
    ]
    interleave(pages, *rounds_of(repeat))
    return [page.done() for page in pages]


def manager_report(repeat: int) -> list[Figure]:
    from sla.report_aggregates import aggregates_status

    url = "/reports/?date_from=2025-11-25&date_to=2026-11-24"
    # A year with no filter but the dates: read from the aggregates' period margins when they are
    # built (`manage.py report_aggregates rebuild`), from the cases otherwise (seconds at 1M).
    status = aggregates_status()
    figure = page_figure("manager report: one year, all providers", "report", "bench-manager", url, repeat, 150, 40)
    figure.note += (
        f"; aggregates {'usable' if status['usable'] else 'NOT usable (direct statement)'}:"
        f" {status['cells']:,} cells, {status['margins']:,} margin rows, {status['deltas']:,} deltas"
    )
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


# --- django-helpdesk, the second peer, in its own virtualenv ------------------------------------------

PEERS = ROOT / "bench" / "peers"
HELPDESK_PORT = int(os.environ.get("BENCH_HELPDESK_PORT", "8121"))
HELPDESK_TOKEN = "bench0peer0helpdesk0token0000000000000000"[:40]  # bench/peers/helpdesk_load.py


class Helpdesk:
    """django-helpdesk set up by ``bench/peers/helpdesk_setup.sh``: its pages through a long-lived
    worker process (``bench/peers/helpdesk_worker.py``), its ticket creation under its own gunicorn."""

    def __init__(self, venv: str, database_url: str):
        self.venv, self.database_url = Path(venv), database_url
        self.env = {
            **os.environ,
            "HELPDESK_DATABASE_URL": database_url,
            "PYTHONPATH": str(PEERS),
            "DJANGO_SETTINGS_MODULE": "helpdesk_site.settings",
        }
        self.worker: subprocess.Popen | None = None
        self.version = subprocess.run(
            [
                str(self.venv / "bin" / "python"),
                "-c",
                "import importlib.metadata as m; print(m.version('django-helpdesk'))",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    def _ask(self, command: dict) -> dict:
        if not (self.worker and self.worker.stdin and self.worker.stdout):
            raise RuntimeError("the django-helpdesk worker is not running")
        self.worker.stdin.write(json.dumps(command) + "\n")
        self.worker.stdin.flush()
        line = self.worker.stdout.readline()
        if not line:
            raise RuntimeError("the django-helpdesk worker stopped")
        return json.loads(line)

    def page(self, kind: str, label: str, tail: str) -> "HelpdeskPage":
        if self.worker is None:
            self.worker = subprocess.Popen(
                [str(self.venv / "bin" / "python"), str(PEERS / "helpdesk_worker.py")],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env=self.env,
                cwd=PEERS,
            )
            queue = self._queue_of_most_open()
            self._ask({"search": tail, "queue": queue})  # answers "ready" once warm
        return HelpdeskPage(self, kind, label)

    def _queue_of_most_open(self) -> int:
        import psycopg

        with psycopg.connect(self.database_url) as conn:
            row = conn.execute(
                "SELECT queue_id FROM helpdesk_ticket WHERE status = 1 GROUP BY queue_id ORDER BY COUNT(*) DESC LIMIT 1"
            ).fetchone()
        return row[0] if row else 1

    def close(self) -> None:
        if self.worker is not None:
            self.worker.stdin.close()  # type: ignore[union-attr]
            self.worker.wait(30)
            self.worker = None

    # ticket creation over HTTP
    def gunicorn(self) -> subprocess.Popen:
        return _serve(
            [str(self.venv / "bin" / "gunicorn"), "helpdesk_site.wsgi"], HELPDESK_PORT, self.env, PEERS, "/login/"
        )

    def ticket_bodies(self, count: int) -> list[bytes]:
        import psycopg

        with psycopg.connect(self.database_url) as conn:
            queues = [row[0] for row in conn.execute("SELECT id FROM helpdesk_queue ORDER BY id").fetchall()]
        rng = random.Random(11)
        return [
            json.dumps(
                {
                    "queue": rng.choice(queues),
                    "title": f"绿通申请 {i} 上海市",
                    "description": "疑似恶性肿瘤，希望预约上海的三甲医院专家门诊",
                    "submitter_email": f"customer{i}@example.com",
                    "priority": 3,
                }
            ).encode()
            for i in range(count)
        ]

    def marks(self) -> dict:
        import psycopg

        with psycopg.connect(self.database_url) as conn:
            return {
                table: (conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone() or [0])[0]
                for table in ("helpdesk_ticket", "helpdesk_followup")
            }

    def undo(self, marks: dict) -> None:
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute("DELETE FROM helpdesk_ticketchange WHERE followup_id > %s", [marks["helpdesk_followup"]])
            conn.execute("DELETE FROM helpdesk_followup WHERE id > %s", [marks["helpdesk_followup"]])
            conn.execute("DELETE FROM helpdesk_ticketcustomfieldvalue WHERE ticket_id > %s", [marks["helpdesk_ticket"]])
            conn.execute("DELETE FROM helpdesk_ticket WHERE id > %s", [marks["helpdesk_ticket"]])
            for table in ("helpdesk_ticket", "helpdesk_followup"):
                conn.execute(f"VACUUM (ANALYZE) {table}")


class HelpdeskPage:
    """One of django-helpdesk's ticket-list figures (the page plus its table's JSON), a few runs at a time."""

    def __init__(self, helpdesk: Helpdesk, kind: str, label: str):
        self.helpdesk, self.kind = helpdesk, kind
        self.figure = Figure(f"  peer, django-helpdesk {helpdesk.version}: {label}", "reviewer", "ms", [], 0)

    RUNS = 3  # a page of the peer at a million tickets takes seconds: one run in each of the first rounds

    def take(self, runs: int) -> None:
        if len(self.figure.samples) >= self.RUNS:
            return
        answer = self.helpdesk._ask({"figure": self.kind, "n": 1})
        self.figure.samples += [ms(s) for s in answer["samples"]]
        self.figure.queries = max(self.figure.queries or 0, answer["queries"])
        self.figure.loads.append(round(os.getloadavg()[0], 2))

    def done(self) -> Figure:
        self.figure.note = "list page + its table's JSON (100 tickets)"
        return self.figure


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


def sweep_marks() -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM sla_reminder")
        reminder = cursor.fetchone()[0]
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM notifications_outboxmessage")
        return reminder, cursor.fetchone()[0]


def sweep_undo(marks: tuple[int, int]) -> None:
    """Forget what a sweep wrote (reminders, outbox messages, queued tasks) so the next one is a first one."""
    import redis

    with connection.cursor() as cursor:
        # The cases' breach markers go with their reminders (sla.services._breaches_mark).
        cursor.execute(
            "WITH gone AS (DELETE FROM sla_reminder WHERE id > %s RETURNING case_id)"
            " UPDATE cases_case SET sla_breach_reminded_for = NULL, review_breach_reminded_for = NULL"
            " WHERE id IN (SELECT case_id FROM gone)"
            " AND (sla_breach_reminded_for IS NOT NULL OR review_breach_reminded_for IS NOT NULL)",
            [marks[0]],
        )
        cursor.execute("DELETE FROM notifications_outboxmessage WHERE id > %s", [marks[1]])
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    vacuum("sla_reminder", "notifications_outboxmessage", "cases_case")


def vacuum(*tables: str) -> None:
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
    marks = sweep_marks()
    first = []
    for _ in range(max(1, repeat // 5)):
        first.append({**_sweep_once(), "load": round(os.getloadavg()[0], 2)})
        sweep_undo(marks)
    steady = [_sweep_once()]  # reminders now exist: what every later five-minute sweep does
    steady += [{**_sweep_once(), "load": round(os.getloadavg()[0], 2)} for _ in range(max(1, repeat // 5))]
    sweep_undo(marks)
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
        figure.loads = [r["load"] for r in runs]
        figure.ok = figure.p95 <= 5 and (figure.queries or 0) <= 20 and rss <= 300
        figure.extra = {"peak_rss_mb": round(rss, 1), "reminded": runs[0]["result"]["reminded"]}
        reminded = runs[0]["result"]["reminded"]
        figure.note = f"{open_cases:,} open of {total:,} cases; {reminded:,} reminded; peak RSS {rss:.0f} MB"
        if "first" in label and reminded:
            per = figure.median / reminded * 30_000
            figure.extra["seconds_per_30k_reminders"] = round(per, 3)
            figure.note += f"; {per:.2f} s per 30,000 reminders"
        figures.append(figure)
    return figures


# --- case submission under gunicorn ----------------------------------------------------------------

PORT = int(os.environ.get("BENCH_PORT", "8106"))
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
# One sync worker per core, as deployed (README): with PostgreSQL on the same two cores, 4 workers
# did 129 submissions/s against 141 for 2 (more processes only contend for the same CPU).
WORKERS = int(os.environ.get("BENCH_WORKERS", os.cpu_count() or 2))
# Distinct (person, service) bodies: more than a run of 3 rounds of 10 s sends (warm-up included),
# so no body comes twice and meets the duplicate confirmation.
SUBMISSION_BODIES = 12_000


def _submission_payloads(count: int) -> list[dict]:
    """Customers in service today with an unlimited, review-free green-channel service and no open
    case of it: every request is valid, none runs out of quota and none is a duplicate needing
    confirmation (the duplicate check still runs and finds nothing), so the figure is the cost of a
    submission. Each (person, service) once: a body sent twice in a run would be a duplicate."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT ON (p.id, s.id) p.id_number, s.code, e.id FROM entitlements_enrollment e
            JOIN entitlements_person p ON p.id = e.insured_id
            JOIN entitlements_editionrule r ON r.edition_id = e.edition_id AND r.insured_limit IS NULL
                 AND r.insured_per = 'year' AND r.qualified_in_year IS NULL AND r.policy_year_from <= 1
                 AND r.policy_year_to IS NULL
            JOIN entitlements_service s ON s.id = r.service_id AND s.kind = 'green_channel'
                 AND s.illness_condition = 'none'
            WHERE e.service_start <= %(today)s AND e.service_end >= %(today)s
              AND NOT EXISTS (SELECT 1 FROM cases_case c WHERE c.beneficiary_id = p.id AND c.service_id = s.id
                              AND c.state <> ALL(%(final)s))
            ORDER BY p.id, s.id, e.id LIMIT %(count)s
            """,
            {"today": _today(), "count": count, "final": list(FINAL)},
        )
        rows = cursor.fetchall()
    if not rows:
        raise RuntimeError("no enrollment with an unlimited review-free service is in service today")
    return [
        {"beneficiary_id_number": number, "service": code, "enrollment": enrollment, "city": "上海市"}
        for number, code, enrollment in rows
    ]


def _serve(command: list[str], port: int, env: dict, cwd: Path, probe: str) -> subprocess.Popen:
    """gunicorn with the project's worker count, answering on ``port`` once ``probe`` answers."""
    process = subprocess.Popen(
        [*command, "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=cwd,
        env=env,
    )
    for _ in range(150):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", probe)
            conn.getresponse().read()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"gunicorn on port {port} did not start")


def _today():
    from django.utils import timezone

    return timezone.localdate()  # the data set's today once main() has set the clock


def _gunicorn() -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "DB_CONN_MAX_AGE": "600"}
    return _serve([GUNICORN, "config.wsgi"], PORT, env, ROOT, "/admin/login/")


_BODY_COUNTERS: dict[str, itertools.count] = {}


def _load(path: str, bodies: list[bytes], headers: dict, seconds: float, clients: int = 8, port: int = PORT) -> dict:
    """``clients`` threads posting back to back for ``seconds``; latencies of the successful ones."""
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    # Bodies are taken in turn across calls (warm-up and rounds): a submission body sent twice
    # would meet the duplicate confirmation instead of making a case.
    counter = _BODY_COUNTERS.setdefault(path, itertools.count())

    def worker() -> None:
        while time.perf_counter() < deadline:
            body = bodies[next(counter) % len(bodies)]
            began = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
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
    return {"latencies": latencies, "failures": failures, "wall": wall, "load": round(os.getloadavg()[0], 2)}


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
    vacuum(
        "cases_case",
        "cases_caseevent",
        "entitlements_quotabucket",
        "entitlements_quotahold",
        "notifications_outboxmessage",
        "audit_auditevent",
    )


def case_submission(seconds: float, helpdesk: Helpdesk | None = None, rounds: int = 3) -> list[Figure]:
    """Submission, the floor and django-helpdesk's ticket creation, each ``seconds`` a round, round
    after round: requests per second and p95 are the medians of the rounds'."""
    from bench.urls import FLOOR_TABLE_SQL

    with connection.cursor() as cursor:
        cursor.execute(FLOOR_TABLE_SQL)
    payloads = _submission_payloads(SUBMISSION_BODIES)
    token = bench_intake_token()
    marks = _submission_marks()
    peer_marks = helpdesk.marks() if helpdesk else None
    servers = [_gunicorn()]
    json_headers = {"Content-Type": "application/json"}
    auth = {**json_headers, "Authorization": f"Token {token}"}
    bodies = [json.dumps(p).encode() for p in payloads]
    runs: dict[str, list[dict]] = {"submit": [], "floor": [], "helpdesk": []}
    try:
        loads = [
            ("submit", "/api/v1/cases", bodies, auth, PORT),
            ("floor", "/bench/floor", [b"{}"], json_headers, PORT),
        ]
        if helpdesk is not None:
            servers.append(helpdesk.gunicorn())
            peer_auth = {**json_headers, "Authorization": f"Token {HELPDESK_TOKEN}"}
            loads.append(("helpdesk", "/api/tickets/", helpdesk.ticket_bodies(4000), peer_auth, HELPDESK_PORT))
        for _, path, payload, headers, port in loads:  # warm the workers' connections and imports
            _load(path, payload, headers, min(2, seconds), port=port)
        for _ in range(rounds):
            for name, path, payload, headers, port in loads:
                runs[name].append(_load(path, payload, headers, seconds, port=port))
    finally:
        for server in servers:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:  # a loaded machine: do not leave it (or the undo) behind
                server.kill()
                server.wait()
        _submission_undo(marks)
        if helpdesk is not None and peer_marks is not None:
            helpdesk.undo(peer_marks)
    names = {
        "submit": "case submission (HTTP API, gunicorn, 8 clients)",
        "floor": "floor: insert one row",
        "helpdesk": f"  peer, django-helpdesk {helpdesk.version if helpdesk else ''}: ticket creation (API)",
    }
    figures = {}
    for key, rounds_run in runs.items():
        if not rounds_run:
            continue
        for run in rounds_run:
            if not run["latencies"]:
                raise RuntimeError(f"{names[key]}: every request failed: {sorted(set(run['failures']))}")
        rates = [len(run["latencies"]) / run["wall"] for run in rounds_run]
        p95s = [percentile(run["latencies"], 0.95) for run in rounds_run]
        figure = Figure(names[key], "submission", "ms", [ms(s) for run in rounds_run for s in run["latencies"]])
        figure.loads = [run["load"] for run in rounds_run]
        figure.extra = {
            "requests_per_second": round(statistics.median(rates), 1),
            "requests_per_second_rounds": [round(r, 1) for r in rates],
            "p95_ms_rounds": [ms(x) for x in p95s],
            "p95_ms_median_of_rounds": ms(statistics.median(p95s)),
            "failures": sum(len(run["failures"]) for run in rounds_run),
        }
        figure.note = (
            f"{figure.extra['requests_per_second']:.0f} req/s (rounds {figure.extra['requests_per_second_rounds']})"
        )
        figures[key] = figure
    sub, flo = figures["submit"], figures["floor"]
    ratio = sub.extra["requests_per_second"] / flo.extra["requests_per_second"]
    sub.extra["ratio_to_floor"] = round(ratio, 3)
    sub.target = "≥ 25 % of the floor, ≥ 2× helpdesk, p95 ≤ 50 ms"
    sub.ok = ratio >= 0.25 and sub.p95 <= 50 and not sub.extra["failures"]
    sub.note += f" = {ratio:.0%} of the floor's"
    if "helpdesk" in figures:
        peer = figures["helpdesk"]
        versus = sub.extra["requests_per_second"] / peer.extra["requests_per_second"]
        sub.extra["ratio_to_helpdesk"] = round(versus, 3)
        sub.note += f", {versus:.2f}× django-helpdesk's"
        sub.ok = sub.ok and versus >= 2
    return list(figures.values())


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
        "data_set_now": os.environ.get("BENCH_NOW"),
    }


def print_table(figures: list[Figure]) -> None:
    print(f"\n{'figure':<62} {'median':>9} {'p95':>9} {'unit':<5} {'queries':>7} {'load':>5}  {'target':<38} verdict")
    for f in figures:
        verdict = {True: "PASS", False: "MISS", None: ""}[f.ok]
        queries = "" if f.queries is None else str(f.queries)
        load = "" if f.load is None else f"{f.load:.1f}"
        print(
            f"{f.name:<62} {f.median:>9,.1f} {f.p95:>9,.1f} {f.unit:<5} {queries:>7} {load:>5}"
            f"  {f.target:<38} {verdict}"
        )
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
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of the HTTP figures")
    parser.add_argument(
        "--helpdesk-venv", default=os.environ.get("HELPDESK_VENV"), help="django-helpdesk's virtualenv (the peer)"
    )
    parser.add_argument(
        "--no-stock-admin",
        action="store_true",
        help="leave out the stock-admin peer (at 10M its search is a scan of every case: minutes a run)",
    )
    parser.add_argument(
        "--helpdesk-db",
        default=os.environ.get("HELPDESK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/peer_helpdesk"),
    )
    args = parser.parse_args()
    from bench.clock import anchor_read, install

    anchor = anchor_read(connection)
    if anchor:
        os.environ["BENCH_NOW"] = anchor  # the sweep's subprocess and gunicorn's workers read it too
        install(anchor)
    else:
        print("no bench_meta anchor (generated by an older generator): figures at the calendar's today")
    bench_users_ensure()
    about = machine()
    helpdesk = Helpdesk(args.helpdesk_venv, args.helpdesk_db) if args.helpdesk_venv else None
    if helpdesk:
        about["django_helpdesk"] = helpdesk.version
    print(f"machine: {json.dumps(about, ensure_ascii=False)}")
    figures: list[Figure] = []
    try:
        for name in args.only or list(SUITES):
            began = time.perf_counter()
            if name == "submission":
                figures += case_submission(args.seconds, helpdesk, args.rounds)
            elif name == "reviewer":
                figures += reviewer_queue(args.repeat, helpdesk, stock_admin=not args.no_stock_admin)
            else:
                figures += SUITES[name](args.repeat)  # type: ignore[misc]
            print(f"  {name}: {time.perf_counter() - began:.1f} s", flush=True)
    finally:
        if helpdesk:
            helpdesk.close()
    print_table(figures)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        data = {
            "machine": about,
            "figures": [{**asdict(f), "median": f.median, "p95": f.p95, "load": f.load} for f in figures],
        }
        Path(args.json).write_text(json.dumps(data, ensure_ascii=False, indent=1))
    return 0 if all(f.ok is not False for f in figures) else 1


if __name__ == "__main__":
    raise SystemExit(main())
