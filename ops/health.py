"""Readiness checks, built on django-health-check.

``/readyz`` (the web process) runs ``WEB``: the database answers and is migrated, the broker and the
cache answer, the outbox's oldest undelivered message is younger than ``OUTBOX_MAX_AGE_SECONDS`` and
the working-day calendar covers the next working day. ``manage.py readyz worker`` adds a Celery ping;
``manage.py readyz beat`` adds the scheduler's last run. Messages name what is wrong, never a person.
"""

import dataclasses
import datetime

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.contrib.celery import Ping
from health_check.contrib.redis import Redis
from health_check.exceptions import ServiceUnavailable
from redis.asyncio import Redis as RedisClient


class DatabaseCheck(HealthCheck):
    """A check that reads the database on the caller's own connection (the request's thread), so a
    test sees its own transaction and a web worker keeps one connection."""

    async def run(self) -> None:
        try:
            await sync_to_async(self.check, thread_sensitive=True)()
        except DatabaseError as exc:
            raise ServiceUnavailable(f"数据库不可达：{type(exc).__name__}") from exc

    def check(self) -> None:
        raise NotImplementedError


_migrated = False


@dataclasses.dataclass
class Migrated(DatabaseCheck):
    """Every migration of this release is applied. Once seen migrated, a process does not look again:
    a release's migrations are only ever applied, and the migration graph costs a fraction of a second."""

    def check(self) -> None:
        global _migrated
        if _migrated:
            return
        loader = MigrationLoader(connection)
        # Every migration on disk, not only the leaves: a leaf recorded as applied over a missing
        # ancestor (a hand-edited django_migrations) still counts as unmigrated.
        missing = sorted(set(loader.graph.nodes) - set(loader.applied_migrations))
        if missing:
            names = ", ".join(f"{app}.{name}" for app, name in missing[:3])
            raise ServiceUnavailable(f"{len(missing)} 个数据库迁移未执行（{names}…）")
        _migrated = True


def migrated_forget() -> None:
    global _migrated
    _migrated = False


@dataclasses.dataclass
class OutboxAge(DatabaseCheck):
    """The oldest undelivered outbox message waits less than the threshold (the partial index on
    undelivered messages answers it)."""

    def check(self) -> None:
        from notifications.models import OutboxMessage

        oldest = (
            OutboxMessage.objects.filter(delivered_at__isnull=True)
            .order_by("created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        if oldest is None:
            return
        age = (timezone.now() - oldest).total_seconds()
        limit = settings.OUTBOX_MAX_AGE_SECONDS
        if age > limit:
            raise ServiceUnavailable(f"发件箱最早的未送达消息已等待 {age:.0f} 秒（阈值 {limit} 秒）")


@dataclasses.dataclass
class CalendarAhead(DatabaseCheck):
    """The working-day calendar covers the next working day: without it no deadline can be computed."""

    def check(self) -> None:
        from workdays.calendar import CalendarNotCovered, add_workdays

        try:
            add_workdays(timezone.localdate(), 1)
        except CalendarNotCovered as exc:
            raise ServiceUnavailable(str(exc)) from exc


@dataclasses.dataclass
class BeatRecent(DatabaseCheck):
    """The scheduler ran a periodic task lately. django-celery-beat writes last-run times at most every
    three minutes; the most frequent task (the outbox relay) runs every minute."""

    def check(self) -> None:
        from django.db.models import Max
        from django_celery_beat.models import PeriodicTask

        last = PeriodicTask.objects.filter(enabled=True).aggregate(last=Max("last_run_at"))["last"]
        limit = settings.BEAT_MAX_SILENCE_SECONDS
        if last is None:
            raise ServiceUnavailable("定时任务调度器（beat）尚未运行过任何任务")
        silence = (timezone.now() - last).total_seconds()
        if silence > limit:
            raise ServiceUnavailable(f"定时任务调度器（beat）已 {silence:.0f} 秒未运行任务（阈值 {limit} 秒）")


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker answers (kombu; for Redis the library's Redis check is used instead)."""

    timeout: datetime.timedelta = dataclasses.field(default=datetime.timedelta(seconds=3), repr=False)

    def run(self) -> None:
        from config.celery import app

        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=self.timeout.total_seconds())
        except Exception as exc:
            raise ServiceUnavailable(f"消息队列不可达：{type(exc).__name__}") from exc


@dataclasses.dataclass
class WorkerPing(Ping):
    """``celery inspect ping``: the named worker (or, without a name, any worker) answers, and every
    queue has a consumer."""

    destination: str | None = None
    timeout: datetime.timedelta = dataclasses.field(default=datetime.timedelta(seconds=3), repr=False)

    def run(self) -> None:
        destination = [self.destination] if self.destination else None
        try:
            answers = self.app.control.ping(destination=destination, timeout=self.timeout.total_seconds())
        except OSError as exc:
            raise ServiceUnavailable("消息队列不可达") from exc
        if not answers:
            raise ServiceUnavailable(f"Celery worker（{self.destination or '任一'}）未应答 ping")
        self.check_active_queues(*self.active_workers(answers))


def _broker_check() -> HealthCheck:
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://")):
        return Redis(client_factory=lambda: RedisClient.from_url(url, socket_connect_timeout=2, socket_timeout=2))
    return Broker()


def parts(process: str = "web", *, node: str | None = None) -> dict[str, HealthCheck]:
    """The named checks of a process kind: web (the HTTP readiness), worker or beat."""
    checks: dict[str, HealthCheck] = {
        "database": Database(),
        "migrations": Migrated(),
        "broker": _broker_check(),
        "cache": Cache(),
        "outbox": OutboxAge(),
        "calendar": CalendarAhead(),
    }
    if process == "worker":
        from config.celery import app

        checks["worker"] = WorkerPing(app=app, destination=node)
    if process == "beat":
        checks["beat"] = BeatRecent()
    return checks
