"""The SLA sweep (时效巡检) and the upkeep of the working-day rank table.

The sweep is one function a Celery beat task and a management command both call. It works in
bulk: whatever the number of cases it runs a fixed handful of queries — five reads of cases, two
for the recipients, and four to write the reminders, their outbox messages and the cases' breach
markers. A sweep that finds nothing new reads the ids of the clocks not yet reminded of a breach
(three queries, from an index that leaves out every case already reminded) and writes nothing.
"""

import logging
import uuid
from contextlib import contextmanager
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Case as DbCase
from django.db.models import Exists, F, OuterRef, Q, Value, When
from django.db.models.expressions import Combinable
from django.db.models.lookups import LessThan
from django.utils import timezone

from cases.models import Case, breach_marker, breach_not_reminded
from cases.recipients import provider_addresses, queue_permission
from cases.states import CLOCK_RUNNING, HELD_BY_PROVIDER, REVIEW_CLOCK_RUNNING
from notifications.services import notify_payload, outbox_ids_reserve, outbox_key, outbox_put_many
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
    due = breach_marker(review=review)[1]
    late = ReminderKind.REVIEW_BREACHED if review else ReminderKind.BREACHED
    soon = ReminderKind.REVIEW_DUE_SOON if review else ReminderKind.DUE_SOON
    # The kind from the case's own due date, not the reminder's (equal where it matters): every
    # column of the unique index is then compared with the case, one probe per case. Computed from
    # the reminder's column, PostgreSQL cannot estimate the filter and at ten million cases chose
    # to read and sort every reminder (230 ms a sweep, 174,571 reminders).
    kind = DbCase(When(LessThan(OuterRef(due), Value(today)), then=Value(late)), default=Value(soon))
    return ~Exists(Reminder.objects.filter(case=OuterRef("pk"), deadline=OuterRef(due), kind=kind))


# Per clock (review or not): the cases whose clock runs, the due date and its provisional flag.
CLOCKS = {
    False: (Q(state__in=CLOCK_RUNNING, sla_stopped_at__isnull=True), "sla_deadline_due", "sla_deadline_provisional"),
    True: (Q(state__in=REVIEW_CLOCK_RUNNING), "review_due", "review_provisional"),
}
FIELDS = ("id", "number", "state", "holder_id", "provider_id", "service__name")


@contextmanager
def _probe_per_case():
    """The reminders checked by one index probe per candidate, for the statement inside. PostgreSQL
    estimates the marker's two-column condition at a third of the index (30,444 candidates where
    there are 7,014 at ten million cases: the cases due today or tomorrow, which carry no marker), and
    for that many it hashes every reminder instead: 143 ms against 20 ms for the probes. Inside the
    sweep's transaction only; the planner's defaults come back after the statement."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET enable_hashjoin; RESET enable_mergejoin")


def _clock_candidates(today: date, limit: date, *, review: bool) -> list[dict]:
    """Cases of one clock due by ``limit`` and not reminded yet, in two steps: the ids, read from
    the partial index of the clocks whose breach has not been reminded for their current due date
    alone (cases.models.breach_not_reminded), then the rows of those ids whose clock still runs
    (one stopped meanwhile is left out). A sweep with nothing new stops after the ids; fetching the
    rows in the first query lets PostgreSQL pick another index, which it cannot tell holds thousands
    of entries more (the marker's condition compares two columns, so it estimates it at a third of
    the rows)."""
    running, due, provisional = CLOCKS[review]
    with _probe_per_case():
        ids = list(
            Case.objects.filter(running, **{f"{due}__lte": limit})
            .filter(breach_not_reminded(review=review))
            .filter(_not_reminded(today, review=review))
            .order_by()
            .values_list("id", flat=True)
        )
    if not ids:
        return []
    rows = Case.objects.filter(running, pk__in=ids).order_by().values(*FIELDS, due=F(due), provisional=F(provisional))
    return [{**row, "review": review, "kind": _kind(row["due"], today, review=review)} for row in rows]


def _candidates(today: date, horizon: date | None) -> list[dict]:
    """Open cases due by ``horizon`` (or already late when the horizon is unknown) and not reminded
    yet: two queries per clock, one when nothing is due."""
    limit = horizon or today - timedelta(days=1)
    return _clock_candidates(today, limit, review=False) + _clock_candidates(today, limit, review=True)


REMINDERS_INSERT_SQL = (
    "INSERT INTO sla_reminder (case_id, kind, deadline, batch, created_at, message_id)"
    " SELECT v.case_id, v.kind, v.deadline, %s, %s, v.message_id"
    " FROM unnest(%s::bigint[], %s::text[], %s::date[], %s::bigint[]) AS v(case_id, kind, deadline, message_id)"
    " ON CONFLICT (case_id, kind, deadline) DO NOTHING RETURNING id, case_id, kind, deadline"
)


def _reminders_insert(rows: list[dict], batch: uuid.UUID) -> list[dict]:
    """Insert the reminders not sent yet, each pointing at the outbox message about to carry it;
    return the rows this sweep won, with ``reminder_id`` and ``message_id``.

    ON CONFLICT DO NOTHING on the unique constraint decides the race: a second sweep inserting the
    same case × kind × deadline waits for the first one's transaction and then inserts nothing.
    """
    if not rows:
        return []
    for row, message_id in zip(rows, outbox_ids_reserve(len(rows)), strict=True):
        row["message_id"] = message_id
    by_key = {(r["id"], r["kind"], r["due"]): r for r in rows}
    now = timezone.now()
    won = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), WRITE_BATCH):
            chunk = rows[start : start + WRITE_BATCH]
            cursor.execute(
                REMINDERS_INSERT_SQL,
                [
                    batch,
                    now,
                    [r["id"] for r in chunk],
                    [r["kind"] for r in chunk],
                    [r["due"] for r in chunk],
                    [r["message_id"] for r in chunk],
                ],
            )
            for reminder_id, case_id, kind, deadline in cursor.fetchall():
                row = by_key[(case_id, kind, deadline)]
                row["reminder_id"] = reminder_id
                won.append(row)
    return won


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


def _messages_write(won: list[dict]) -> int:
    """One outbox message per reminder won, under the id its reminder already points at; each
    handed to a worker on commit."""
    if not won:
        return 0
    addresses = provider_addresses(
        provider_ids=[r["provider_id"] for r in won if r["provider_id"] and r["state"] in HELD_BY_PROVIDER]
    )
    entries = [
        (reminder_dedupe_key(case_id=r["id"], kind=r["kind"], deadline=r["due"]), _payload(r, addresses)) for r in won
    ]
    ids = outbox_put_many(topic="notify", entries=entries, ids=[r["message_id"] for r in won], batch_size=WRITE_BATCH)
    # A message already recorded under the key (its reminder deleted since by hand) is not sent
    # again: the new reminder points at it.
    _reminders_link(
        {r["reminder_id"]: ids[key] for (key, _), r in zip(entries, won, strict=True) if ids[key] != r["message_id"]}
    )
    return len(entries)


def _reminders_link(message_of: dict[int, int]) -> None:
    """Point reminders at other messages, in one statement."""
    if not message_of:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE sla_reminder r SET message_id = v.message_id"
            " FROM unnest(%s::bigint[], %s::bigint[]) AS v(reminder_id, message_id) WHERE r.id = v.reminder_id",
            [list(message_of), list(message_of.values())],
        )


BREACH_MARKERS = {
    ReminderKind.BREACHED: breach_marker(review=False)[0],
    ReminderKind.REVIEW_BREACHED: breach_marker(review=True)[0],
}


def _breaches_mark(won: list[dict]) -> None:
    """Record on each case reminded of its breach the due date it was reminded for: the case leaves
    the sweep's partial index until that date moves (Case.sla_breach_reminded_for)."""
    with connection.cursor() as cursor:
        for kind, column in BREACH_MARKERS.items():
            # In id order: the rows are visited in the table's order and the new index entries of the
            # indexes that follow it (the key, created_at, number, submitted_at) land side by side —
            # 30,000 markers at 10M: 22–24 s against 31–36 s in the order the candidates came.
            marked = sorted((r for r in won if r["kind"] == kind), key=lambda r: r["id"])
            if marked:
                cursor.execute(
                    f"UPDATE cases_case c SET {column} = v.due"  # noqa: S608 (a column name of ours)
                    " FROM unnest(%s::bigint[], %s::date[]) AS v(id, due) WHERE c.id = v.id",
                    [[r["id"] for r in marked], [r["due"] for r in marked]],
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
    won = _reminders_insert(rows, uuid.uuid4())
    result["reminded"] = _messages_write(won)
    _breaches_mark(won)
    for kind in ReminderKind.values:
        result[kind] = sum(1 for r in won if r["kind"] == kind)
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


def workday_ranks_sync(*, force: bool = False, rebuild_aggregates: bool = True) -> bool:
    """Rebuild the rank table when the working-day calendar changed since it was built.

    The state row is locked, so two report requests after an edit rebuild it once. A rebuild enqueues
    the report aggregates' rebuild unless ``rebuild_aggregates`` is false (``aggregates_rebuild``
    itself, which syncs the ranks before counting)."""
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
        if rebuild_aggregates:
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
