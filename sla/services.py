"""The SLA sweep (时效巡检) and the upkeep of the working-day rank table.

The sweep is one function a Celery beat task and a management command both call. It works in
bulk: whatever the number of cases it runs a fixed handful of queries — three reads of cases, two
for the recipients, and five to write the reminders and their outbox messages.
"""

import logging
import uuid
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Case as DbCase
from django.db.models import Exists, F, OuterRef, Value, When
from django.db.models.expressions import Combinable
from django.utils import timezone

from cases.models import Case
from cases.recipients import provider_addresses, queue_permission
from cases.states import CLOCK_RUNNING, HELD_BY_PROVIDER, REVIEW_CLOCK_RUNNING
from notifications.services import notify_payload, outbox_key, outbox_put_many
from sla.models import Reminder, ReminderKind, WorkdayRank, WorkdayRankState
from workdays.calendar import CalendarNotCovered, add_workdays, covered_years, workdays_between

log = logging.getLogger(__name__)
# Rows per INSERT: a first sweep over a large backlog stays a handful of statements.
WRITE_BATCH = 10_000

KIND_TEXT = {
    ReminderKind.DUE_SOON: ("即将到期", "最迟完成日"),
    ReminderKind.BREACHED: ("已超时", "最迟完成日"),
    ReminderKind.REVIEW_DUE_SOON: ("医学审核即将到期", "审核应完成日"),
    ReminderKind.REVIEW_BREACHED: ("医学审核已超时", "审核应完成日"),
}


def _kind(deadline: date, today: date, *, review: bool) -> str:
    if deadline < today:
        return ReminderKind.REVIEW_BREACHED if review else ReminderKind.BREACHED
    return ReminderKind.REVIEW_DUE_SOON if review else ReminderKind.DUE_SOON


def _not_reminded(today: date, *, review: bool) -> Combinable:
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
    fields = ("id", "number", "state", "holder_id", "provider_id", "service__name")
    sla_rows = (
        Case.objects.filter(state__in=CLOCK_RUNNING, sla_stopped_at__isnull=True, sla_deadline_due__lte=limit)
        .filter(_not_reminded(today, review=False))
        .values(*fields, due=F("sla_deadline_due"), provisional=F("sla_deadline_provisional"))
    )
    review_rows = (
        Case.objects.filter(state__in=REVIEW_CLOCK_RUNNING, review_due__lte=limit)
        .filter(_not_reminded(today, review=True))
        .values(*fields, due=F("review_due"), provisional=F("review_provisional"))
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


def _payload(row: dict, addresses: dict[int, list[str]]) -> dict:
    """The outbox ``notify`` payload of one reminder, addressed by the recipients policy."""
    label, due_label = KIND_TEXT[row["kind"]]
    held = row["state"] in HELD_BY_PROVIDER and row["provider_id"]
    provisional = "（暂定）" if row.get("provisional") else ""
    return notify_payload(
        kind=f"sla_{row['kind']}",
        subject=f"时效提醒：案件 {row['number']} {label}",
        body=f"{row['service__name']}，{due_label} {row['due']:%Y-%m-%d}{provisional}。",
        case_number=row["number"],
        link=f"/admin/cases/case/{row['id']}/change/",
        user_ids=[row["holder_id"]] if row["holder_id"] else [],
        permission="" if row["holder_id"] else queue_permission(review=row["review"]),
        emails=addresses.get(row["provider_id"], []) if held else [],
    )


def reminder_dedupe_key(*, case_id: int, kind: str, deadline: date) -> str:
    return outbox_key("reminder", case_id, kind, deadline.isoformat())


def _messages_write(reminders: list[Reminder], rows: list[dict]) -> int:
    """One outbox message per reminder won, linked back to it; each handed to a worker on commit."""
    if not reminders:
        return 0
    by_key = {(r["id"], r["kind"], r["due"]): r for r in rows}
    addresses = provider_addresses(
        provider_ids=[r["provider_id"] for r in rows if r["provider_id"] and r["state"] in HELD_BY_PROVIDER]
    )
    entries, keys = [], {}
    for reminder in reminders:
        key = reminder_dedupe_key(case_id=reminder.case_id, kind=reminder.kind, deadline=reminder.deadline)
        keys[key] = reminder
        row = by_key[(reminder.case_id, reminder.kind, reminder.deadline)]
        entries.append((key, _payload(row, addresses)))
    ids = outbox_put_many(topic="notify", entries=entries, batch_size=WRITE_BATCH)
    _reminders_link({keys[key].pk: message_id for key, message_id in ids.items()})
    return len(entries)


def _reminders_link(message_of: dict[int, int]) -> None:
    """Point this sweep's reminders at their messages in one statement (a bulk_update of tens of
    thousands of rows is a CASE per row)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE sla_reminder r SET message_id = v.message_id"
            " FROM unnest(%s::bigint[], %s::bigint[]) AS v(reminder_id, message_id) WHERE r.id = v.reminder_id",
            [list(message_of), list(message_of.values())],
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
        state__in=CLOCK_RUNNING, sla_started_on__isnull=False, sla_deadline_due__isnull=True
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
    run_start = previous = 0
    for year in covered_years():
        if not previous or year != previous + 1:
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
        # The report's aggregates counted working days with the old ranks: the report reads the cases
        # directly (aggregates_usable compares the tokens) until this rebuild has run.
        transaction.on_commit(_report_aggregates_rebuild_later)
    return True


def _report_aggregates_rebuild_later() -> None:
    from sla.models import ReportAggregateState
    from sla.tasks import rebuild_report_aggregates

    if ReportAggregateState.objects.filter(pk=1, built_at__isnull=False).exists():
        try:
            rebuild_report_aggregates.delay()
        except Exception:  # a broker outage leaves the direct statement serving; `report_aggregates rebuild` fixes it
            log.exception("could not enqueue the report aggregates' rebuild")
