"""gunicorn settings read with ``--config python:config.gunicorn``.

With several workers, Prometheus metrics are kept per worker in PROMETHEUS_MULTIPROC_DIR (an empty
directory, wiped before each start) and summed by /metrics; a worker that exits is marked dead so
its live gauges stop counting (docs/operations.md)."""

import os

# No access log of gunicorn's own: it would print query strings (ID numbers) unmasked, outside the
# portal's logging. django-structlog's request_started / request_finished lines replace it.
accesslog = None


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
