"""Writing to the outbox, and delivering what it holds exactly once."""

import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from config.rows import prepared_cursor
from notifications.models import Notification, OutboxMessage

log = logging.getLogger(__name__)


# How long a worker may hold a message before another may take it over (a worker killed mid-delivery
# leaves its lease behind; the relay delivers the message once it lapses).
def lease() -> timedelta:
    return timedelta(seconds=getattr(settings, "OUTBOX_LEASE_SECONDS", 300))


# A message that fails is tried again after 30 s × 2^(n−1), at most an hour apart, and given up
# (failed, shown in the admin) after MAX_ATTEMPTS: a provider's webhook down for a day is not
# retried for ever, nor hammered.
MAX_ATTEMPTS = 12
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS))


def _due(now) -> Q:
    """Messages a worker may take now: not delivered, not given up, their retry time reached."""
    return Q(delivered_at__isnull=True, failed_at__isnull=True, next_attempt_at__lte=now)


def outbox_failure_record(*, message_id: int, attempts: int, error: Exception) -> None:
    """Note the error and when to try again, or give the message up after MAX_ATTEMPTS."""
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message_id).update(
        last_error=repr(error)[:2000],
        claimed_until=None,
        attempts=attempts,
        next_attempt_at=now + retry_delay(attempts),
        failed_at=now if attempts >= MAX_ATTEMPTS else None,
    )


# Messages younger than this are left to the enqueue that follows their commit.
RELAY_GRACE = timedelta(seconds=10)
Handler = Callable[[OutboxMessage], list[Notification]]
HANDLERS: dict[str, Handler] = {}


def outbox_handler(topic: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        HANDLERS[topic] = func
        return func

    return register


INSERT_ONCE_SQL = (
    "INSERT INTO notifications_outboxmessage (topic, payload, dedupe_key, created_at, attempts, last_error)"
    " VALUES (%s, %s::jsonb, %s, %s, 0, '') ON CONFLICT (dedupe_key) DO NOTHING RETURNING id"
)


def outbox_enqueue(*, topic: str, payload: dict, dedupe_key: str | None = None) -> OutboxMessage | None:
    """Record a message in the caller's transaction and ask a worker for it once that commits.

    With a ``dedupe_key`` a second message with the same key is dropped (returns None), which is how
    reminders stay once per case × kind × deadline however many sweeps run.
    """
    if dedupe_key is not None:
        message = _create_once(topic=topic, payload=payload, dedupe_key=dedupe_key)
        if message is None:
            return None
    else:
        message = OutboxMessage.objects.create(topic=topic, payload=payload)
    transaction.on_commit(lambda: outbox_kick(message_id=message.pk))
    return message


def _create_once(*, topic: str, payload: dict, dedupe_key: str) -> OutboxMessage | None:
    """Insert unless a message with the key exists: one ``INSERT … ON CONFLICT DO NOTHING`` (no
    savepoint round trips on every case event)."""
    created_at = timezone.now()
    with prepared_cursor() as cursor:  # every case event's: planned once per connection
        cursor.execute(INSERT_ONCE_SQL, [topic, json.dumps(payload), dedupe_key, created_at])
        row = cursor.fetchone()
    if row is None:
        return None
    return OutboxMessage(pk=row[0], topic=topic, payload=payload, dedupe_key=dedupe_key, created_at=created_at)


def outbox_key(kind: str, *parts: object) -> str:
    """A message's dedupe key: what it is about and the parts that make it once (``reminder:12:breached:…``)."""
    return ":".join([kind, *(str(part) for part in parts)])


# Messages handed to one delivery task by a bulk writer.
KICK_BATCH = 250


# The rows travel as one JSON document: quoting thousands of payloads one by one as an array of
# strings costs more than the INSERT itself.
PUT_MANY_SQL = (
    "INSERT INTO notifications_outboxmessage (id, topic, payload, dedupe_key, created_at, attempts, last_error)"
    " SELECT v.id, %s, v.payload, v.dedupe_key, %s, 0, ''"
    " FROM jsonb_to_recordset(%s::jsonb) AS v(id bigint, dedupe_key text, payload jsonb)"
    " ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key, id"
)


def outbox_ids_reserve(count: int) -> list[int]:
    """Ids for messages a bulk writer is about to put (``outbox_put_many(ids=…)``), so that its own
    rows can point at them in the statement that writes them: foreign keys are checked at commit."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('notifications_outboxmessage', 'id')) FROM generate_series(1, %s)",
            [count],
        )
        return [row[0] for row in cursor.fetchall()]


def outbox_put_many(
    *,
    topic: str,
    entries: Sequence[tuple[str, dict]],
    ids: Sequence[int] | None = None,
    batch_size: int = 10_000,
) -> dict[str, int]:
    """The outbox's entry point for bulk writers (the SLA sweep's thousands of reminders): each
    (dedupe key, payload) recorded once in the caller's transaction, one INSERT per batch, under the
    ids reserved for them when given; after commit the new messages go to workers in batches.
    Returns every key's message id: a key already recorded keeps its message, not handed out again."""
    if not entries:
        return {}
    ids = list(ids) if ids is not None else outbox_ids_reserve(len(entries))
    now = timezone.now()
    new: dict[str, int] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(entries), batch_size):
            rows = [
                {"id": message_id, "dedupe_key": key, "payload": payload}
                for message_id, (key, payload) in zip(
                    ids[start : start + batch_size], entries[start : start + batch_size], strict=True
                )
            ]
            cursor.execute(PUT_MANY_SQL, [topic, now, json.dumps(rows, ensure_ascii=False)])
            new.update(cursor.fetchall())
    known = [key for key, _ in entries if key not in new]
    ids_of = dict(new)
    if known:
        for key, message_id in OutboxMessage.objects.filter(dedupe_key__in=known).values_list("dedupe_key", "id"):
            if key is not None:
                ids_of[key] = message_id
    message_ids = list(new.values())
    for start in range(0, len(message_ids), KICK_BATCH):
        transaction.on_commit(partial(outbox_kick_batch, message_ids=message_ids[start : start + KICK_BATCH]))
    return ids_of


class _KickWindow:
    """This process's last kick: until when the messages that follow it are handed over together."""

    pid = 0
    until = 0.0
    followed = False


_window = _KickWindow()


def outbox_kick(*, message_id: int) -> None:
    """Hand a committed message to the broker; when the broker is down the relay delivers it later.

    A message is handed over at once, by itself. The messages this process commits in the next
    OUTBOX_KICK_WINDOW_MS follow together: one delivery of everything pending, due when the window
    closes, instead of a task each (a task costs a request about as much as its history and audit
    rows). So a notice waits at most the window, and a busy process sends two tasks a window. A
    worker whose clock runs ahead of the web host's by more than the window may start that delivery
    before the last messages commit; those wait for the relay."""
    from celery import current_app

    from notifications.tasks import deliver_outbox_message, deliver_outbox_pending

    window = settings.OUTBOX_KICK_WINDOW_MS / 1000
    try:
        if window <= 0 or current_app.conf.task_always_eager:
            deliver_outbox_message.apply_async(args=[message_id], retry=False)
            return
        now = time.monotonic()
        if _window.pid != os.getpid() or now >= _window.until:
            _window.pid, _window.until, _window.followed = os.getpid(), now + window, False
            deliver_outbox_message.apply_async(args=[message_id], retry=False)
        elif not _window.followed:
            _window.followed = True
            deliver_outbox_pending.apply_async(countdown=_window.until - now, retry=False)
    except Exception:  # the broker is unreachable: the message is safe in the database
        log.warning("broker unavailable; outbox message %s left for the relay", message_id, exc_info=True)


def outbox_kick_batch(*, message_ids: list[int]) -> None:
    """Hand many committed messages to one worker task (a sweep's thousands of reminders)."""
    from notifications.tasks import deliver_outbox_batch

    try:
        deliver_outbox_batch.apply_async(args=[list(message_ids)], retry=False)
    except Exception:  # the broker is unreachable: the messages are safe in the database
        log.warning("broker unavailable; %s outbox messages left for the relay", len(message_ids), exc_info=True)


def notify_payload(
    *,
    kind: str,
    subject: str,
    body: str = "",
    case_number: str = "",
    link: str = "",
    user_ids: Iterable[int] = (),
    emails: Iterable[str] = (),
    permission: str = "",
) -> dict:
    """The payload of a ``notify`` outbox message, for callers that write messages in bulk.

    ``permission`` ("app_label.codename") addresses everyone who holds it when the message is
    delivered (a role: the reviewers, the coordinators), looked up by the worker, not the request."""
    payload = {
        "kind": kind,
        "subject": subject,
        "body": body,
        "case_number": case_number,
        "link": link,
        "user_ids": sorted(set(user_ids)),
        "emails": sorted({email for email in emails if email}),
    }
    if permission:
        payload["permission"] = permission
    return payload


def permission_holders(permission: str) -> QuerySet:
    """Active users holding ``app_label.codename`` directly or through a group (superusers are not
    addressed by role: they hold every permission but act on none of the queues)."""
    app_label, codename = permission.split(".", 1)
    direct = Q(user_permissions__content_type__app_label=app_label, user_permissions__codename=codename)
    grouped = Q(groups__permissions__content_type__app_label=app_label, groups__permissions__codename=codename)
    return get_user_model().objects.filter(is_active=True).filter(direct | grouped).distinct()


_suppressed: ContextVar[bool] = ContextVar("notices_suppressed", default=False)


@contextmanager
def notices_suppressed() -> Iterator[None]:
    """No staff notice is written inside: the demo replays weeks of history, and nobody should be
    told today of a case event that happened last month."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def notify(
    *,
    kind: str,
    subject: str,
    body: str = "",
    case_number: str = "",
    link: str = "",
    users: Iterable = (),
    user_ids: Iterable[int] = (),
    emails: Iterable[str] = (),
    permission: str = "",
    dedupe_key: str | None = None,
    exclude_user_ids: Iterable[int | None] = (),
) -> OutboxMessage | None:
    """Tell users (in the portal and by e-mail) and outside addresses (by e-mail) about something.
    Recipients are users, their ids, and/or everyone holding ``permission`` at delivery, except
    ``exclude_user_ids`` (whoever acted: nobody is told of his own action)."""
    if _suppressed.get():
        return None
    user_ids = [*user_ids, *(user.pk for user in users if user is not None)]
    payload = notify_payload(
        kind=kind,
        subject=subject,
        body=body,
        case_number=case_number,
        link=link,
        user_ids=user_ids,
        emails=emails,
        permission=permission,
    )
    excluded = sorted({pk for pk in exclude_user_ids if pk is not None})
    if excluded:
        payload["exclude_user_ids"] = excluded
        payload["user_ids"] = [pk for pk in payload["user_ids"] if pk not in excluded]
    return outbox_enqueue(topic="notify", payload=payload, dedupe_key=dedupe_key)


def _notification_rows(message: OutboxMessage, users: Iterable) -> list[Notification]:
    data = message.payload
    common = {
        "message": message,
        "kind": data.get("kind", ""),
        "subject": data.get("subject", ""),
        "body": data.get("body", ""),
        "case_number": data.get("case_number", ""),
        "link": data.get("link", ""),
    }
    rows = [Notification(recipient=user, email=user.email or "", **common) for user in users]
    rows += [Notification(recipient=None, email=email, **common) for email in data.get("emails", [])]
    return rows


@outbox_handler("notify")
def _deliver_notify(message: OutboxMessage) -> list[Notification]:
    users = list(get_user_model().objects.filter(pk__in=message.payload.get("user_ids", []), is_active=True))
    if message.payload.get("permission"):
        named = {user.pk for user in users} | set(message.payload.get("exclude_user_ids", []))
        users += [user for user in permission_holders(message.payload["permission"]) if user.pk not in named]
    rows = _notification_rows(message, users)
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return rows


def _deliver_notify_many(messages: list[OutboxMessage]) -> None:
    """The "notify" handler for a batch: one query for the recipients, one insert for the rows."""
    wanted = {user_id for message in messages for user_id in message.payload.get("user_ids", [])}
    users = {user.pk: user for user in get_user_model().objects.filter(pk__in=wanted, is_active=True)}
    roles = {m.payload["permission"] for m in messages if m.payload.get("permission")}
    holders = {permission: list(permission_holders(permission)) for permission in sorted(roles)}
    rows: list[Notification] = []
    for message in messages:
        recipients = [users[i] for i in message.payload.get("user_ids", []) if i in users]
        named = {user.pk for user in recipients} | set(message.payload.get("exclude_user_ids", []))
        recipients += [u for u in holders.get(message.payload.get("permission", ""), []) if u.pk not in named]
        rows += _notification_rows(message, recipients)
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)


def _claim(message_id: int) -> OutboxMessage | None:
    now = timezone.now()
    claimed = (
        OutboxMessage.objects.filter(_due(now), pk=message_id)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + lease(), attempts=F("attempts") + 1)
    )
    return OutboxMessage.objects.get(pk=message_id) if claimed else None


def outbox_deliver(*, message_id: int) -> bool:
    """Deliver one message unless it is delivered already or another worker holds its lease."""
    message = _claim(message_id)
    if message is None:
        return False
    handler = HANDLERS.get(message.topic)
    try:
        if handler is None:
            raise LookupError(f"no handler for outbox topic {message.topic!r}")
        with transaction.atomic():
            handler(message)
            OutboxMessage.objects.filter(pk=message.pk).update(
                delivered_at=timezone.now(), claimed_until=None, last_error=""
            )
    except Exception as exc:
        outbox_failure_record(message_id=message.pk, attempts=message.attempts, error=exc)
        raise
    notification_send_emails(message_id=message.pk)
    return True


def _deliver_each(messages: list[OutboxMessage]) -> tuple[list[int], int]:
    """Messages of other topics one by one, each in a savepoint: one failing does not stop the rest."""
    done, failed = [], 0
    for message in messages:
        try:
            handler = HANDLERS.get(message.topic)
            if handler is None:
                raise LookupError(f"no handler for outbox topic {message.topic!r}")
            with transaction.atomic():
                handler(message)
            done.append(message.pk)
        except Exception as exc:
            failed += 1
            log.exception("outbox message %s failed", message.pk)
            outbox_failure_record(message_id=message.pk, attempts=message.attempts + 1, error=exc)
    return done, failed


def outbox_deliver_batch(*, message_ids: Iterable[int]) -> dict[str, int]:
    """Deliver many messages in one transaction.

    The rows are locked with SKIP LOCKED instead of leased: a concurrent deliverer passes over them,
    and a worker killed mid-batch rolls the whole batch back, leaving every message pending for the
    next attempt — none half-delivered, none delivered twice."""
    now = timezone.now()
    with transaction.atomic():
        messages = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(_due(now), pk__in=list(message_ids))
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .order_by("pk")
        )
        notify_messages = [m for m in messages if m.topic == "notify"]
        _deliver_notify_many(notify_messages)
        done, failed = _deliver_each([m for m in messages if m.topic != "notify"])
        done += [m.pk for m in notify_messages]
        OutboxMessage.objects.filter(pk__in=done).update(
            delivered_at=now, claimed_until=None, last_error="", attempts=F("attempts") + 1
        )
    while notification_send_emails(message_ids=done) == EMAIL_BATCH:
        pass
    return {"delivered": len(done), "failed": failed}


EMAIL_BATCH = 500


def notification_send_emails(
    *, message_id: int | None = None, message_ids: list[int] | None = None, older_than: timedelta | None = None
) -> int:
    """E-mail notifications not yet e-mailed. Rows are locked while sending so two workers never both
    send one; a worker dying between sending and committing means it is sent again (at least once)."""
    sent = 0
    with transaction.atomic():
        pending = Notification.objects.select_for_update(skip_locked=True).filter(emailed_at__isnull=True)
        pending = pending.exclude(email="")
        if message_id is not None:
            pending = pending.filter(message_id=message_id)
        if message_ids is not None:
            pending = pending.filter(message_id__in=message_ids)
        if older_than is not None:
            pending = pending.filter(created_at__lt=timezone.now() - older_than)
        for notification in pending[:EMAIL_BATCH]:
            send_mail(
                subject=f"[太保蓝本绿通] {notification.subject}",
                message=notification.body or notification.subject,
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[notification.email],
            )
            notification.emailed_at = timezone.now()
            notification.save(update_fields=["emailed_at"])
            sent += 1
    return sent


def outbox_deliver_pending(*, grace: timedelta = timedelta(0), batch: int = 1000, chunk: int = 200) -> dict[str, int]:
    """Deliver the messages committed ``grace`` ago or earlier that are due and held by no worker:
    the kick of the messages that followed another (``outbox_kick``), and the relay's first step."""
    now = timezone.now()
    pending = OutboxMessage.objects.filter(_due(now))
    if grace:
        pending = pending.filter(created_at__lt=now - grace)
    pending = pending.filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
    ids = list(pending.order_by("created_at").values_list("pk", flat=True)[:batch])
    delivered = failed = 0
    for start in range(0, len(ids), chunk):
        result = outbox_deliver_batch(message_ids=ids[start : start + chunk])
        delivered += result["delivered"]
        failed += result["failed"]
    return {"delivered": delivered, "failed": failed}


def outbox_relay(*, batch: int = 1000, chunk: int = 200) -> dict[str, int]:
    """Deliver what was committed but never handed to a worker (broker down, worker killed)."""
    result = outbox_deliver_pending(grace=RELAY_GRACE, batch=batch, chunk=chunk)
    return {**result, "emailed": notification_send_emails(older_than=RELAY_GRACE)}


def notification_open(*, user, notification_id: int) -> Notification | None:
    """The reader opens the case a notice is about: the notice is read."""
    notice = Notification.objects.filter(recipient=user, pk=notification_id).first()
    if notice is not None and notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return notice


def notification_mark_read(*, user, notification_ids: Iterable[int] | None = None) -> int:
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())
