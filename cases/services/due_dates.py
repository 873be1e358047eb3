"""Due dates after a change of the working-day calendar.

The calendar app announces every change it writes (``workdays.signals.calendar_days_changed``,
the first and last date it touched); this service recomputes, in bulk and in the same transaction,
the open cases whose review or service-level clock counts over those dates, and writes one
timeline entry (old → new) on each case whose due dates moved or lost their 暂定 mark. Cases the
change does not reach are not written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from cases import sla
from cases.models import Case, CaseEvent
from cases.states import FINAL, REVIEW_PENDING
from workdays.calendar import calendar_pinned

DUE_FIELDS = (
    "review_due",
    "review_provisional",
    "sla_target_due",
    "sla_target_provisional",
    "sla_deadline_due",
    "sla_deadline_provisional",
)
_LABELS = (("review_due", "review_provisional", "审核应完成日"),
           ("sla_target_due", "sla_target_provisional", "目标完成日"),
           ("sla_deadline_due", "sla_deadline_provisional", "最迟完成日"))  # fmt: skip
_READ = ("id", "number", "state", "service", "submitted_at", "review_paused_days", "sla_started_on",
         "sla_paused_days", *DUE_FIELDS)  # fmt: skip


@dataclass(frozen=True)
class DueChange:
    case: Case
    old: dict[str, Any]
    warnings: list[str]


def _midnight_after(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _review_window(first: date, last: date) -> Q:
    # A due date counted from its start over (start, due] changes only when a changed day lies in
    # that span; an undated case is always a candidate (the change may be the year it lacked).
    return Q(state__in=REVIEW_PENDING, submitted_at__lt=_midnight_after(last)) & (
        Q(review_due__isnull=True) | Q(review_due__gte=first)
    )


def _sla_window(first: date, last: date) -> Q:
    return (
        Q(sla_started_on__isnull=False, sla_stopped_at__isnull=True, sla_started_on__lte=last)
        & ~Q(state__in=FINAL)
        & (Q(sla_deadline_due__isnull=True) | Q(sla_deadline_due__gte=first))
    )


def clocks_affected(*, first: date, last: date):
    """The open cases whose running clock counts over a day in [first, last], or has no due date."""
    return Case.objects.filter(_review_window(first, last) | _sla_window(first, last))


def _recompute(case: Case) -> DueChange | None:
    old = {name: getattr(case, name) for name in DUE_FIELDS}
    result = sla.ClockResult()
    if case.state in REVIEW_PENDING:
        sla.review_recompute(case, result)
    if case.sla_started_on is not None:
        sla.sla_recompute(case, result)
    if all(getattr(case, name) == value for name, value in old.items()):
        return None
    return DueChange(case=case, old=old, warnings=result.warnings)


def _shown(day: date | None, provisional: bool) -> str:
    if day is None:
        return "未能计算"
    return f"{day.isoformat()}（暂定）" if provisional else day.isoformat()


def _note(change: DueChange) -> str:
    parts = []
    for due, provisional, label in _LABELS:
        before = _shown(change.old[due], change.old[provisional])
        after = _shown(getattr(change.case, due), getattr(change.case, provisional))
        if before != after:
            parts.append(f"{label} {before} → {after}")
    return "工作日历变更，时限重新计算：" + "；".join(parts) + "".join(f"。{w}" for w in change.warnings)


def _extra(change: DueChange) -> dict:
    def iso(value):
        return value.isoformat() if isinstance(value, date) else value

    return {
        name: {"old": iso(change.old[name]), "new": iso(getattr(change.case, name))}
        for name in DUE_FIELDS
        if change.old[name] != getattr(change.case, name)
    }


def due_dates_recompute(*, first: date, last: date, actor: Any = None) -> int:
    """Recompute the due dates of every open case a calendar change over [first, last] affects;
    returns how many cases changed. Runs in the caller's transaction (the calendar edit), the case
    rows locked in id order: a concurrent case action on one of them waits for the edit to commit.
    It then counts with the new calendar once its process has seen the new revision token (at most
    ``WORKDAYS_INDEX_TTL_SECONDS`` later)."""
    cases = (
        clocks_affected(first=first, last=last)
        .select_related("service")
        .select_for_update(of=("self",))
        .only(*_READ, "service__sla_target_working_days", "service__sla_deadline_working_days",
              "service__kind", "service__illness_condition")
        .order_by("id")
    )  # fmt: skip
    with calendar_pinned():
        changes = [change for case in cases if (change := _recompute(case)) is not None]
    if not changes:
        return 0
    now = timezone.now()
    for change in changes:
        change.case.updated_at = now
    Case.objects.bulk_update([c.case for c in changes], [*DUE_FIELDS, "updated_at"], batch_size=1000)
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(case=c.case, actor=actor, at=now, kind=CaseEvent.Kind.DUE_CHANGE, note=_note(c), extra=_extra(c))
            for c in changes
        ],
        batch_size=1000,
    )
    return len(changes)


def cases_left_undated(*, year: int) -> list[str]:
    """The numbers of the open cases whose running clock counts over ``year``: they would lose their
    due dates were the year deleted or no longer covered."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    review = Q(state__in=REVIEW_PENDING, submitted_at__lt=_midnight_after(last), review_due__gte=first)
    running = Q(sla_started_on__isnull=False, sla_stopped_at__isnull=True, sla_started_on__lte=last)
    sla_clock = running & ~Q(state__in=FINAL) & Q(sla_deadline_due__gte=first)
    return list(Case.objects.filter(review | sla_clock).order_by("number").values_list("number", flat=True))
