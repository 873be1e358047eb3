"""The product's own Prometheus metrics.

Read at scrape time from the database and the shared cache, never from one process's memory, so
every web worker answers the same figures and what the Celery workers did (sweeps, webhook
failures) is counted wherever it ran. A scrape reads a snapshot kept ``METRICS_CACHE_SECONDS`` in the
shared cache: however many scrapers and workers, the database is asked at most that often.

The case table holds millions of rows in production. Counts go through indexes: cases by state
through ``case_queue_idx`` (state, created_at), late cases through ``case_clock_running_idx``, the
outbox backlog through its partial index of undelivered messages. A state the planner's statistics
put above ``METRICS_EXACT_COUNT_LIMIT`` rows (closed cases, mostly) is given as that estimate
(``pg_class.reltuples`` × the state's share in ``pg_stats``), refreshed by autovacuum's ANALYZE.
"""

import logging
import time
from collections.abc import Iterator

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import REGISTRY

log = logging.getLogger(__name__)

SNAPSHOT_KEY = "ops:metrics:snapshot"
COUNTER_PREFIX = "ops:metrics:counter:"


# --- counters kept in the shared cache, written by whichever process did the work -------------------


def counter_add(name: str, amount: int = 1) -> None:
    """Add to a counter in the shared cache. A lost increment (the cache down) is only a lost figure."""
    key = COUNTER_PREFIX + name
    try:
        cache.add(key, 0, timeout=None)
        cache.incr(key, amount)
    except Exception:
        log.warning("metrics counter %s not recorded: cache unavailable", name)


def counters_read(names: list[str]) -> dict[str, int]:
    values = cache.get_many([COUNTER_PREFIX + name for name in names])
    return {name: int(values.get(COUNTER_PREFIX + name) or 0) for name in names}


def sweep_record(*, seconds: float, reminded: int) -> None:
    """One SLA sweep finished: its duration and the reminders it sent."""
    counter_add("sla_sweeps")
    counter_add("sla_sweep_milliseconds", round(seconds * 1000))
    counter_add("sla_reminders_sent", reminded)
    cache.set(COUNTER_PREFIX + "sla_sweep_last_seconds", seconds, timeout=None)
    cache.set(COUNTER_PREFIX + "sla_sweep_last_finished", time.time(), timeout=None)


def webhook_failure_record(*, provider: str) -> None:
    """A webhook to a provider failed (delivery refused, timed out or answered an error). Call it from
    the webhook sender; until webhooks exist the counter reads 0 for every provider."""
    counter_add(f"webhook_failures:{provider}")


# --- the snapshot read from the database -----------------------------------------------------------


def _estimated_states(exact_limit: int) -> dict[str, int]:
    """States the planner's statistics say hold at least ``exact_limit`` rows, with that estimate."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass('cases_case')")
        row = cursor.fetchone()
        total = row[0] if row else 0
        if total is None or total < exact_limit:
            return {}
        cursor.execute(
            "SELECT most_common_vals::text::text[], most_common_freqs FROM pg_stats"
            " WHERE schemaname = current_schema() AND tablename = 'cases_case' AND attname = 'state'"
        )
        row = cursor.fetchone()
    if not row or row[0] is None:
        return {}
    estimates = {state: round(total * freq) for state, freq in zip(row[0], row[1], strict=True)}
    return {state: n for state, n in estimates.items() if n >= exact_limit}


def cases_by_state() -> dict[str, int]:
    from cases.models import Case, CaseState

    counts = dict.fromkeys(CaseState.values, 0)
    estimated = _estimated_states(settings.METRICS_EXACT_COUNT_LIMIT)
    counts.update(estimated)
    exact = [state for state in CaseState.values if state not in estimated]
    for row in Case.objects.filter(state__in=exact).values("state").annotate(n=Count("pk")).order_by():
        counts[row["state"]] = row["n"]
    return counts


def cases_past_deadline() -> int:
    """Open cases past their deadline: the board's 已超时 count (one number, one function)."""
    from cases.models import Case
    from dispatch.selectors import SlaStatus, sla_status_filter

    return Case.objects.filter(sla_status_filter(SlaStatus.BREACHED, today=timezone.localdate())).count()


def outbox_backlog() -> tuple[int, float]:
    from notifications.models import OutboxMessage

    pending = OutboxMessage.objects.filter(delivered_at__isnull=True)
    row = pending.aggregate(n=Count("pk"), oldest=Min("created_at"))
    age = (timezone.now() - row["oldest"]).total_seconds() if row["oldest"] else 0.0
    return row["n"], age


def celery_queue_lengths() -> dict[str, int]:
    from config.celery import app

    queues = {settings.CELERY_TASK_DEFAULT_QUEUE}
    lengths = {}
    with app.connection_for_read() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        channel = conn.default_channel
        for queue in sorted(queues):
            try:
                lengths[queue] = channel.queue_declare(queue=queue, passive=True).message_count
            except Exception:  # kombu says NOT_FOUND for an empty Redis queue: it has no key
                lengths[queue] = 0
                channel = conn.channel()
    return lengths


def provider_codes() -> list[str]:
    from providers.models import Provider

    return sorted(Provider.objects.values_list("code", flat=True))


def snapshot_compute() -> dict:
    started = time.monotonic()
    backlog, age = outbox_backlog()
    data: dict = {
        "cases": cases_by_state(),
        "late": cases_past_deadline(),
        "outbox_backlog": backlog,
        "outbox_age": age,
        "providers": provider_codes(),
    }
    try:
        data["queues"] = celery_queue_lengths()
    except Exception:
        log.warning("celery queue length not read: broker unavailable")
        data["queues"] = {}
    data["seconds"] = time.monotonic() - started
    return data


def snapshot() -> dict:
    data = cache.get(SNAPSHOT_KEY)
    if data is None:
        data = snapshot_compute()
        cache.set(SNAPSHOT_KEY, data, timeout=settings.METRICS_CACHE_SECONDS)
    return data


# --- the collector ---------------------------------------------------------------------------------


def _families() -> dict[str, GaugeMetricFamily | CounterMetricFamily]:
    return {
        "cases": GaugeMetricFamily(
            "lanben_cases",
            "Cases by state (a state above METRICS_EXACT_COUNT_LIMIT rows: the planner's estimate)",
            labels=["state"],
        ),
        "late": GaugeMetricFamily("lanben_cases_past_deadline", "Open cases past their SLA deadline (board 已超时)"),
        "outbox_backlog": GaugeMetricFamily("lanben_outbox_backlog", "Undelivered outbox messages"),
        "outbox_age": GaugeMetricFamily(
            "lanben_outbox_oldest_age_seconds", "Age of the oldest undelivered outbox message (0 when none)"
        ),
        "queues": GaugeMetricFamily(
            "lanben_celery_queue_length", "Messages waiting in a Celery queue", labels=["queue"]
        ),
        "sweeps": CounterMetricFamily("lanben_sla_sweeps", "SLA sweeps finished"),
        "sweep_seconds": CounterMetricFamily("lanben_sla_sweep_duration_seconds", "Time spent in SLA sweeps"),
        "sweep_last": GaugeMetricFamily("lanben_sla_sweep_last_duration_seconds", "Duration of the last SLA sweep"),
        "reminders": CounterMetricFamily("lanben_sla_reminders_sent", "SLA reminders sent by sweeps"),
        "webhooks": CounterMetricFamily(
            "lanben_provider_webhook_failures", "Failed webhook deliveries to providers", labels=["provider"]
        ),
        "snapshot": GaugeMetricFamily("lanben_metrics_snapshot_seconds", "Time the last product snapshot took"),
    }


class ProductCollector:
    def describe(self) -> Iterator:
        yield from _families().values()

    def collect(self) -> Iterator:
        families = _families()
        data = snapshot()
        for state, n in sorted(data["cases"].items()):
            families["cases"].add_metric([state], n)
        families["late"].add_metric([], data["late"])
        families["outbox_backlog"].add_metric([], data["outbox_backlog"])
        families["outbox_age"].add_metric([], data["outbox_age"])
        for queue, n in sorted(data["queues"].items()):
            families["queues"].add_metric([queue], n)
        families["snapshot"].add_metric([], data["seconds"])
        webhook_names = [f"webhook_failures:{code}" for code in data["providers"]]
        counters = counters_read(["sla_sweeps", "sla_sweep_milliseconds", "sla_reminders_sent", *webhook_names])
        families["sweeps"].add_metric([], counters["sla_sweeps"])
        families["sweep_seconds"].add_metric([], counters["sla_sweep_milliseconds"] / 1000)
        families["reminders"].add_metric([], counters["sla_reminders_sent"])
        families["sweep_last"].add_metric([], float(cache.get(COUNTER_PREFIX + "sla_sweep_last_seconds") or 0))
        for code in data["providers"]:
            families["webhooks"].add_metric([code], counters[f"webhook_failures:{code}"])
        yield from families.values()


_registered = False


def register_product_collector() -> None:
    global _registered
    if not _registered:
        REGISTRY.register(ProductCollector())
        _registered = True
