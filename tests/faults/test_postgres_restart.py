"""PostgreSQL is restarted while intake clients submit requests to a running portal: requests in
flight get a clean 503 (never a traceback), nothing is half-written, and the same portal process
serves again once the server is back, without being restarted.

This test restarts the PostgreSQL server itself and always starts it again.
"""

import shutil
import subprocess
import time

import pytest
import requests

from tests.faults.conftest import postgres_cluster_command, wait_for_postgres
from tests.faults.test_database_outage import outage_report

# Restarts the shared PostgreSQL: nothing else may run beside it (dev.py runs the exclusive tests alone).
pytestmark = [
    pytest.mark.faults,
    pytest.mark.exclusive,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("pg_ctlcluster") is None, reason="restarting PostgreSQL needs pg_ctlcluster"),
]


def test_postgres_restart_under_intake_load_answers_503_and_resumes(live_server):
    timings = {}

    def restart() -> None:
        began = time.monotonic()
        try:
            subprocess.run(postgres_cluster_command("restart"), check=True, capture_output=True, timeout=120)
        finally:
            if not wait_for_postgres(timeout=5):
                subprocess.run(postgres_cluster_command("start"), check=False, capture_output=True, timeout=120)
                wait_for_postgres(timeout=60)
        timings["restart_seconds"] = round(time.monotonic() - began, 1)

    # restart() fills timings while it runs; the report reads them after it.
    seen, statuses, counts = outage_report("postgres_restart_under_load", live_server.url, restart, extra=timings)

    assert seen["bad"] == []
    assert statuses.get(503, 0) > 0, "the restart hit no request"
    assert counts["lost"] == 0 and counts["half_written"] == 0 and counts["holds_without_case"] == 0
    assert requests.get(f"{live_server.url}/api/v1/cases", timeout=30).status_code in (401, 403)
