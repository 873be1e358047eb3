"""Shared fixtures. App-specific fixtures live in tests/<app>/conftest.py.

The handbook catalogue is in every test database: `migrate` loads it through the entitlements app's
post_migrate handler. Each transactional test ends with a flush; the rows migrate wrote (content
types, permissions, roles, the catalogue, the calendar, the seeded providers) are then put back from
a copy taken once per run (`_flush_restores_migrated_rows`) instead of by running the handlers again.
"""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture(scope="session", autouse=True)
def _flush_restores_migrated_rows(django_db_setup, django_db_blocker):
    """After a transactional test Django flushes every table and runs the post_migrate handlers again,
    which rebuild the same rows through the ORM each time — ~3.5 s a test, most of it the catalogue
    with its history. The rows are copied (COPY) once, right after the test database is built, and put
    back after each such flush, with the sequences moved past them. A test that calls
    ``flush`` itself still runs the real handlers."""
    from django.db import connection
    from django.test import TransactionTestCase

    with django_db_blocker.unblock():
        snapshot = _migrated_rows(connection)
    original = TransactionTestCase._fixture_teardown

    def teardown(self):
        for name in self._databases_names(include_mirrors=False):
            call_command(
                "flush",
                verbosity=0,
                interactive=False,
                database=name,
                reset_sequences=False,
                allow_cascade=self.available_apps is not None,
                inhibit_post_migrate=True,
            )
            if name == connection.alias:  # the copy is of the default database, the only one
                _migrated_rows_restore(connection, snapshot)

    TransactionTestCase._fixture_teardown = teardown
    yield
    TransactionTestCase._fixture_teardown = original


def _migrated_rows(connection) -> list[tuple[str, bytes, list[tuple[str, str]]]]:
    """(table, its rows as COPY text, its (column, sequence) pairs) for every non-empty table a flush
    empties."""
    quote = connection.ops.quote_name
    taken = []
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.django_table_names(only_existing=True, include_views=False)):
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {quote(table)})")  # noqa: S608 — Django's table names
            if not cursor.fetchone()[0]:
                continue
            with cursor.copy(f"COPY {quote(table)} TO STDOUT") as copy:
                rows = b"".join(bytes(block) for block in copy)
            cursor.execute(
                "SELECT a.attname, pg_get_serial_sequence(%s, a.attname) FROM pg_attribute a"
                " WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped"
                " AND pg_get_serial_sequence(%s, a.attname) IS NOT NULL",
                [quote(table)] * 3,
            )
            taken.append((table, rows, cursor.fetchall()))
    return taken


def _migrated_rows_restore(connection, snapshot) -> None:
    from django.db import transaction

    quote = connection.ops.quote_name
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # The rows were consistent when copied: no foreign-key or trigger work to put them back.
        cursor.execute("SET LOCAL session_replication_role = replica")
        for table, rows, sequences in snapshot:
            with cursor.copy(f"COPY {quote(table)} FROM STDIN") as copy:
                copy.write(rows)
            # A flush that reset the sequences (call_command("flush") in a test) leaves them below the
            # restored keys.
            for column, sequence in sequences:
                cursor.execute(
                    f"SELECT setval(%s, m) FROM (SELECT max({quote(column)}) AS m FROM {quote(table)}) AS t"  # noqa: S608
                    f" WHERE m >= (SELECT last_value FROM {sequence})",  # the catalog's own names
                    [sequence],
                )


@pytest.fixture(autouse=True)
def _catalog_present(request):
    """Safety net for a test database reused from before the catalogue was loaded on migrate."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    from entitlements.catalog import catalog_load
    from entitlements.models import Service

    if not Service.objects.exists():
        catalog_load()


@pytest.fixture
def celery_eager():
    """Run Celery tasks in-process for a unit test of their effect. The Celery app reads Django
    settings once, so overriding CELERY_TASK_ALWAYS_EAGER in a test would be silently ignored."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def calendar_edits_end_with_their_test():
    """A calendar edit makes the process re-read the calendar's token on every call until it has
    been read outside a transaction — which never happens inside a test's transaction. The test's
    rollback took the edit away: forget it, so later tests use the cached calendar as production does."""
    yield
    from workdays import calendar

    if calendar._watching:
        calendar.calendar_invalidate()


@pytest.fixture(autouse=True)
def catalog_edits_end_with_their_test():
    """A catalogue edit inside a test's transaction stops the process keeping the catalogue until a
    commit, which never comes; the rollback took the edit away: start the next test afresh."""
    yield
    from entitlements.catalog_cache import catalog_cache_clear

    catalog_cache_clear()


@pytest.fixture
def calendar_and_media(request, settings, tmp_path):
    """The PRC working-day calendar from the library (synced if a flush emptied it), a private media
    root per test, and a fast password hasher (test users' passwords need no protection)."""
    from workdays.calendar import calendar_invalidate

    settings.MEDIA_ROOT = tmp_path / "private-media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if request.node.get_closest_marker("django_db") is None:
        yield
        return
    from workdays.models import CalendarYear
    from workdays.services import calendar_sync

    calendar_invalidate()
    if not CalendarYear.objects.exists():
        calendar_sync()
    calendar_invalidate()
    yield
    calendar_invalidate()


@pytest.fixture
def celery_worker_queue():
    """A real Celery worker (subprocess, solo pool) on the test database and a private queue; tasks
    sent from the test go to it. Yields the queue name."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from django.db import connection

    from config.celery import app

    db = connection.settings_dict
    env = dict(os.environ)
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    queue = f"test-{os.getpid()}-{id(env)}"
    env["CELERY_TASK_DEFAULT_QUEUE"] = queue
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "--pool", "solo", "-l", "WARNING"]
    worker = subprocess.Popen(command, cwd=Path(__file__).resolve().parents[1], env=env)
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        yield queue
    finally:
        app.conf.task_default_queue = previous
        worker.terminate()
        worker.wait(timeout=30)


def pytest_sessionfinish(session, exitstatus):
    """The run's log file (LANBEN_LOG_FILE, which dev.py test sets for every process of the run) must
    hold none of the demo's ID numbers or phones: a hit fails the run, naming the line. Under
    pytest-xdist the controller checks it once, after every worker has finished writing."""
    import os
    from pathlib import Path

    if hasattr(session.config, "workerinput"):
        return
    path = os.environ.get("LANBEN_LOG_FILE")
    if not path or not Path(path).exists():
        return
    from tests.ops.logscan import log_file_hits

    hits = log_file_hits(Path(path))
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"log check: {path}: {len(hits)} demo identifier(s) in the run's logs")
        for hit in hits[:20]:
            reporter.write_line(f"  {hit}")
    if hits:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def without_2027(db):
    """The calendar as it was before next year was computed provisionally: 2027 and later not
    covered at all (a deadline reaching into 2027 cannot be computed)."""
    from workdays.calendar import calendar_invalidate
    from workdays.models import CalendarYear

    CalendarYear.objects.filter(year__gte=2027).delete()
    calendar_invalidate()
