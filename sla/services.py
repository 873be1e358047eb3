"""The SLA sweep (时效巡检) and the upkeep of the working-day rank table.

The sweep is one function a Celery beat task and a management command both call. It works in
bulk: whatever the number of cases it runs a fixed handful of queries — three reads of cases, two
for the recipients, and five to write the reminders and their outbox messages.
"""

import logging
import uuid
from collections import defaultdict
from datetime import date, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Case as DbCase
from django.db.models import Exists, F, OuterRef, Q, Value, When
from django.utils import timezone

from cases.models import Case, CaseState
from notifications.models import OutboxMessage
from notifications.services import notify_payload, outbox_kick_batch
from providers.models import ProviderContact
from sla.models import REVIEW_RUNNING, SLA_RUNNING, Reminder, ReminderKind, WorkdayRank, WorkdayRankState
from workdays.calendar import CalendarNotCovered, add_workdays, covered_years, workdays_between

log = logging.getLogger(__name__)
# Rows per INSERT: a first sweep over a large backlog stays a handful of statements.
WRITE_BATCH = 10_000

PROVIDER_STATES = {CaseState.DISPATCHED, CaseState.ACCEPTED}
# Reminder messages handed to one delivery task.
KICK_BATCH = 250

KIND_TEXT = {
    ReminderKind.DUE_SOON: ("即将到期", "最迟完成日"),
    ReminderKind.BREACHED: ("已超时", "最迟完成日"),
    ReminderKind.REVIEW_DUE_SOON: ("医学审核即将到期", "审核应完成日"),
    ReminderKind.REVIEW_BREACHED: ("医学审核已超时", "审核应完成日"),
}


def coordinator_group() -> str:
    return getattr(settings, "SLA_COORDINATOR_GROUP", "调度协调")


def reviewer_group() -> str:
    return getattr(settings, "SLA_REVIEWER_GROUP", "医学审核")


def _kind(deadline: date, today: date, *, review: bool) -> str:
    if deadline < today:
        return ReminderKind.REVIEW_BREACHED if review else ReminderKind.BREACHED
    return ReminderKind.REVIEW_DUE_SOON if review else ReminderKind.DUE_SOON


def _not_reminded(today: date, *, review: bool) -> Q:
    """No reminder yet of this case's kind for its current deadline.

    Every five minutes the sweep meets the same late cases again; skipping them in the read (one
    probe of the reminders' unique index per case) keeps a sweep over a backlog of tens of
    thousands of late cases to a few queries and no writes. The unique constraint still decides
    a race between two sweeps."""
    due = "review_due" if review else "sla_deadline_due"
    late = ReminderKind.REVIEW_BREACHED if review else ReminderKind.BREACHED
    soon = ReminderKind.REVIEW_DUE_SOON if review else ReminderKind.DUE_SOON
    kind = DbCase(When(deadline__lt=today, then=Value(late)), default=Value(soon))
    return ~Exists(Reminder.objects.filter(case=OuterRef("pk"), deadline=OuterRef(due), kind=kind))


def _candidates(today: date, horizon: date | None) -> list[dict]:
    """Open cases due by ``horizon`` (or already late when the horizon is unknown): two queries."""
    limit = horizon or today - timedelta(days=1)
    fields = ("id", "number", "state", "holder_id", "provider_id", "provider__contact_email", "service__name")
    sla_rows = (
        Case.objects.filter(state__in=SLA_RUNNING, sla_stopped_at__isnull=True, sla_deadline_due__lte=limit)
        .filter(_not_reminded(today, review=False))
        .values(*fields, due=F("sla_deadline_due"))
    )
    review_rows = (
        Case.objects.filter(state__in=REVIEW_RUNNING, review_due__lte=limit)
        .filter(_not_reminded(today, review=True))
        .values(*fields, due=F("review_due"))
    )
    rows = [{**row, "review": False} for row in sla_rows]
    rows += [{**row, "review": True} for row in review_rows]
    for row in rows:
        row["kind"] = _kind(row["due"], today, review=row["review"])
    return rows


def _reminders_insert(rows: list[dict], batch: uuid.UUID) -> list[Reminder]:
    """Insert the reminders not sent yet; return those this sweep inserted.

    ON CONFLICT DO NOTHING on the unique constraint decides the race: a second sweep inserting the
    same case × kind × deadline waits for the first one's transaction and then inserts nothing.
    """
    now = timezone.now()
    Reminder.objects.bulk_create(
        [Reminder(case_id=r["id"], kind=r["kind"], deadline=r["due"], batch=batch, created_at=now) for r in rows],
        ignore_conflicts=True,
        batch_size=WRITE_BATCH,
    )
    return list(Reminder.objects.filter(batch=batch))


def _recipients(rows: list[dict]) -> tuple[dict[str, list[int]], dict[int, list[str]]]:
    """Active members of the fallback groups, and the provider contacts who take reminders."""
    members: dict[str, list[int]] = defaultdict(list)
    groups = {coordinator_group(), reviewer_group()}
    for name, user_id in (
        get_user_model().objects.filter(groups__name__in=groups, is_active=True).values_list("groups__name", "id")
    ):
        members[name].append(user_id)
    provider_ids = {r["provider_id"] for r in rows if r["provider_id"] and r["state"] in PROVIDER_STATES}
    contacts: dict[int, list[str]] = defaultdict(list)
    if provider_ids:
        for provider_id, email in (
            ProviderContact.objects.filter(provider_id__in=provider_ids, receives_reminders=True)
            .exclude(email="")
            .values_list("provider_id", "email")
        ):
            contacts[provider_id].append(email)
    return members, contacts


def _payload(row: dict, members: dict[str, list[int]], contacts: dict[int, list[str]]) -> dict:
    """The outbox ``notify`` payload of one reminder."""
    label, due_label = KIND_TEXT[row["kind"]]
    if row["holder_id"]:
        user_ids = [row["holder_id"]]
    else:
        user_ids = members.get(reviewer_group() if row["review"] else coordinator_group(), [])
    emails: list[str] = []
    if row["state"] in PROVIDER_STATES and row["provider_id"]:
        emails = [row["provider__contact_email"], *contacts.get(row["provider_id"], [])]
    return notify_payload(
        kind=f"sla_{row['kind']}",
        subject=f"时效提醒：案件 {row['number']} {label}",
        body=f"{row['service__name']}，{due_label} {row['due']:%Y-%m-%d}。",
        case_number=row["number"],
        link=f"/admin/cases/case/{row['id']}/change/",
        user_ids=user_ids,
        emails=emails,
    )


def reminder_dedupe_key(*, case_id: int, kind: str, deadline: date) -> str:
    return f"reminder:{case_id}:{kind}:{deadline.isoformat()}"


def _messages_write(reminders: list[Reminder], rows: list[dict]) -> int:
    """One outbox message per reminder won, linked back to it; each handed to a worker on commit."""
    if not reminders:
        return 0
    by_key = {(r["id"], r["kind"], r["due"]): r for r in rows}
    members, contacts = _recipients(rows)
    keys = {}
    messages = []
    for reminder in reminders:
        key = reminder_dedupe_key(case_id=reminder.case_id, kind=reminder.kind, deadline=reminder.deadline)
        keys[key] = reminder
        row = by_key[(reminder.case_id, reminder.kind, reminder.deadline)]
        messages.append(OutboxMessage(topic="notify", payload=_payload(row, members, contacts), dedupe_key=key))
    OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True, batch_size=WRITE_BATCH)
    message_ids = []
    for key, message_id in OutboxMessage.objects.filter(dedupe_key__in=list(keys)).values_list("dedupe_key", "id"):
        keys[key].message_id = message_id
        message_ids.append(message_id)
    # Workers take the messages in batches: ten thousand reminders are a few dozen tasks, not ten thousand.
    for start in range(0, len(message_ids), KICK_BATCH):
        transaction.on_commit(partial(outbox_kick_batch, message_ids=message_ids[start : start + KICK_BATCH]))
    _reminders_link(reminders[0].batch)
    return len(messages)


def _reminders_link(batch: uuid.UUID) -> None:
    """Point this sweep's reminders at their messages in one statement, matched by dedupe key
    (``reminder_dedupe_key``): a bulk_update of tens of thousands of rows is a CASE per row."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE sla_reminder r SET message_id = m.id FROM notifications_outboxmessage m"
            " WHERE r.batch = %s AND m.dedupe_key = 'reminder:' || r.case_id || ':' || r.kind || ':'"
            " || to_char(r.deadline, 'YYYY-MM-DD')",
            [batch],
        )


@transaction.atomic
def sla_sweep(*, today: date | None = None) -> dict:
    """Remind about every open case due within one working day or past its deadline, once per
    case × kind × deadline. Returns counts by kind; when the calendar does not cover the year the
    "due soon" boundary needs, only breaches are reminded and ``calendar_missing`` names the year."""
    today = today or timezone.localdate()
    result: dict = {"today": today.isoformat(), "calendar_missing": None, "reminded": 0}
    try:
        horizon = add_workdays(today, 1)
    except CalendarNotCovered as exc:
        horizon = None
        result["calendar_missing"] = exc.year
        log.warning("SLA sweep on %s: calendar does not cover %s; due-soon reminders skipped", today, exc.year)
    rows = _candidates(today, horizon)
    # A clock whose deadline the calendar could not give is reported, never guessed at.
    result["undated"] = Case.objects.filter(
        state__in=SLA_RUNNING, sla_started_on__isnull=False, sla_deadline_due__isnull=True
    ).count()
    if result["undated"]:
        log.warning("SLA sweep on %s: %s open cases have no deadline (calendar gap)", today, result["undated"])
    reminders = _reminders_insert(rows, uuid.uuid4())
    result["reminded"] = _messages_write(reminders, rows)
    for kind in ReminderKind.values:
        result[kind] = sum(1 for r in reminders if r.kind == kind)
    result["horizon"] = horizon.isoformat() if horizon else None
    return result


def _rank_rows() -> list[WorkdayRank]:
    rows: list[WorkdayRank] = []
    run_start = previous = None
    for year in covered_years():
        if previous is None or year != previous + 1:
            run_start = year
        previous = year
        anchor = date(run_start - 1, 12, 31)
        day, last = date(year, 1, 1), date(year, 12, 31)
        while day <= last:
            rows.append(WorkdayRank(day=day, rank=workdays_between(anchor, day), run_start=run_start))
            day += timedelta(days=1)
    return rows


def workday_ranks_sync(*, force: bool = False) -> bool:
    """Rebuild the rank table when the working-day calendar changed since it was built.

    The state row is locked, so two report requests after an edit rebuild it once."""
    from workdays.models import CalendarRevision

    token = str(CalendarRevision.objects.filter(pk=1).values_list("token", flat=True).first() or "")
    current = WorkdayRankState.objects.filter(pk=1, built_at__isnull=False).values_list("token", flat=True).first()
    if current == token and not force:
        return False  # the common case: no lock taken
    with transaction.atomic():
        state, _ = WorkdayRankState.objects.select_for_update().get_or_create(pk=1)
        if state.built_at is not None and state.token == token and not force:
            return False
        WorkdayRank.objects.all().delete()
        WorkdayRank.objects.bulk_create(_rank_rows(), batch_size=2000)
        state.token, state.built_at = token, timezone.now()
        state.save()
    return True
