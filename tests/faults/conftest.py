"""Fault injection against the real services: helpers that break PostgreSQL, Redis and workers on purpose
and always put them back, and the figures each fault test reports.

Each test prints one ``FAULT`` line (run with ``-s`` to see it) and appends the same figures to
``var/faults/figures.jsonl``; docs/reliability.md quotes the last run.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ROOT / "var" / "faults" / "figures.jsonl"


def report(fault: str, **figures) -> None:
    """Print what a fault test counted and keep it for the reliability document."""
    line = " ".join(f"{name}={value}" for name, value in figures.items())
    print(f"\nFAULT {fault}: {line}")
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    with FIGURES.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"fault": fault, "at": timezone.now().isoformat(), **figures}, ensure_ascii=False) + "\n")


def _admin_dsn() -> str:
    db = connection.settings_dict
    return f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']} dbname=postgres"


def database_url() -> str:
    """The test database as a DATABASE_URL for a worker subprocess."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def terminate_backends(dbname: str) -> int:
    with psycopg.connect(_admin_dsn(), autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [dbname],
        ).fetchall()
    return len(rows)


@contextlib.contextmanager
def database_refusing_connections() -> Iterator[None]:
    """The test database drops every connection and refuses new ones until the block ends.

    The same failure the portal sees while PostgreSQL restarts (connections cut, connects refused),
    confined to the test database so that nothing else on the server notices."""
    name = connection.settings_dict["NAME"]
    with psycopg.connect(_admin_dsn(), autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    try:
        terminate_backends(name)
        yield
    finally:
        with psycopg.connect(_admin_dsn(), autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        connection.close()  # the test's own connection was cut too


def postgres_cluster_command(action: str) -> list[str]:
    """``pg_ctlcluster`` for the cluster serving the test database (found by its port)."""
    port = str(connection.settings_dict["PORT"] or 5432)
    listing = subprocess.run(["pg_lsclusters", "--no-header"], check=True, capture_output=True, text=True).stdout
    for version, cluster, cluster_port, *_ in (line.split() for line in listing.splitlines() if line.strip()):
        if cluster_port == port:
            return ["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, action]
    raise RuntimeError(f"no local PostgreSQL cluster listens on port {port}")


def wait_for_postgres(timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(_admin_dsn(), connect_timeout=2) as probe:
                probe.execute("SELECT 1")
            return True
        except psycopg.OperationalError:
            time.sleep(0.3)
    return False


def redis_client() -> redis.Redis:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2)


def redis_port() -> int:
    return redis_client().connection_pool.connection_kwargs.get("port", 6379)


def redis_stop() -> None:
    """Stop the broker's Redis server (the one CELERY_BROKER_URL names)."""
    subprocess.run(["redis-cli", "-p", str(redis_port()), "shutdown", "nosave"], check=False, capture_output=True)


def redis_start() -> None:
    port = str(redis_port())
    command = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", port]
    subprocess.run([*command, "--save", "", "--appendonly", "no"], check=False, capture_output=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if redis_client().ping():
                return
        except redis.RedisError:
            time.sleep(0.2)
    raise RuntimeError("Redis did not come back")


class Worker:
    """A real ``celery -A config worker`` on a queue of its own, against the test database."""

    def __init__(self, queue: str, *, concurrency: int = 1, extra_env: dict | None = None):
        env = dict(os.environ)
        env["DATABASE_URL"] = database_url()
        env["CELERY_TASK_DEFAULT_QUEUE"] = queue
        env.update(extra_env or {})
        pool = ["--pool", "solo"] if concurrency == 1 else ["--pool", "prefork", "--concurrency", str(concurrency)]
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                queue,
                *pool,
                "-l",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL the whole worker (its pool children too): no shutdown, no acknowledgement."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()


@contextlib.contextmanager
def worker_queue(queue: str) -> Iterator[str]:
    """Send this process's tasks to ``queue`` for the block (and purge it afterwards)."""
    from config.celery import app

    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        yield queue
    finally:
        app.conf.task_default_queue = previous
        with contextlib.suppress(redis.RedisError):
            redis_client().delete(queue)


def wait_until(predicate, *, timeout: float, interval: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


@pytest.fixture(autouse=True)
def working_day_calendar(calendar_and_media):
    """The PRC working-day calendar the case clocks count with, and quick password hashing."""
    yield
