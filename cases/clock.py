"""The service-level clock's figures for one case, computed in one place.

Every surface that shows a clock figure — the coordinator board and its CSV, the case pages, the
staff and provider APIs, the manager report's drill-down — reads them from ``clock_figures``; a test
holds them equal. The manager report's aggregate statement counts the same quantities in SQL (working
days in (started, stopped] less the paused ones) and is held to this function case by case.

Definitions (handbook: the clock runs from acceptance until the arrangement, paused while the case
waits for the customer; all in PRC working days):

- ``started_on``: the day the request was accepted (``Case.sla_started_on``), or None.
- ``stopped_on``: the Shanghai day the arrangement (or, for a 120 claim, the payment) stopped it.
- ``paused_days``: working days the clock has been paused: the closed pauses
  (``Case.sla_paused_days``) plus, while the case waits for the customer, the working days in
  (paused_on, today].
- ``used_working_days``: working days in (started_on, stopped_on or today] less ``paused_days``;
  frozen once stopped, and frozen while paused. None when the clock never started, when a case
  ended (cancelled, withdrawn, rejected) without the clock being stopped, or when the calendar does
  not cover the days it would need.
- ``target_days``/``deadline_days``: the service's published targets; ``target_due``/
  ``deadline_due`` the due dates moved out by the paused days (``Case.sla_*_due``).
"""

from dataclasses import asdict, dataclass
from datetime import date

from django.utils import timezone

from cases.sla import service_targets
from cases.states import CaseState
from workdays.calendar import CalendarNotCovered, workdays_between

S = CaseState
# States in which an unstopped clock has ended without a stop (no arrangement was made).
_ENDED_UNSTOPPED = (S.CANCELLED, S.WITHDRAWN, S.REJECTED, S.CLOSED, S.MISUSE_STOPPED)


@dataclass(frozen=True)
class ClockFigures:
    started_on: date | None
    stopped_on: date | None
    paused: bool
    paused_days: int | None
    used_working_days: int | None
    target_days: int | None
    deadline_days: int | None
    target_due: date | None
    deadline_due: date | None
    # The day the figures are counted at (Shanghai).
    as_of: date | None = None

    @property
    def late(self) -> bool:
        """Past the latest due date: arranged after it, or still running (not paused) on a day after
        it — the board's 已超时 and the report's open-late count, a Saturday after a Friday deadline
        included, although no working day was added."""
        if self.deadline_due is None or self.started_on is None:
            return False
        if self.stopped_on is not None:
            return self.stopped_on > self.deadline_due
        return (
            not self.paused
            and self.used_working_days is not None
            and self.as_of is not None
            and self.as_of > self.deadline_due
        )

    def as_api(self) -> dict:
        """The figures under the names the case APIs publish (ISO dates)."""
        data = asdict(self)
        return {
            "sla_started_on": _iso(data["started_on"]),
            "sla_stopped_on": _iso(data["stopped_on"]),
            "sla_paused": data["paused"],
            "sla_paused_days": data["paused_days"],
            "sla_used_working_days": data["used_working_days"],
            "sla_target_working_days": data["target_days"],
            "sla_deadline_working_days": data["deadline_days"],
            "sla_target_due": _iso(data["target_due"]),
            "sla_deadline_due": _iso(data["deadline_due"]),
        }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _workdays(a: date, b: date) -> int | None:
    try:
        return workdays_between(a, b)
    except CalendarNotCovered:
        return None


def clock_figures(case, *, today: date | None = None) -> ClockFigures:
    """The clock's figures for ``case`` as of ``today`` (Shanghai); needs ``case.service`` loaded."""
    today = today or timezone.localdate()
    started = case.sla_started_on
    stopped = timezone.localtime(case.sla_stopped_at).date() if case.sla_stopped_at and started else None
    target, deadline = service_targets(case.service) if started else (None, None)
    paused = case.sla_paused_on is not None and stopped is None
    paused_days: int | None = case.sla_paused_days
    used: int | None = None
    if started is not None:
        if paused:
            ongoing = _workdays(case.sla_paused_on, today)
            paused_days = None if ongoing is None else case.sla_paused_days + max(ongoing, 0)
        end = stopped or today
        if stopped is None and case.state in _ENDED_UNSTOPPED:
            used = None
        else:
            elapsed = _workdays(started, end)
            used = None if elapsed is None or paused_days is None else max(elapsed - paused_days, 0)
    return ClockFigures(
        started_on=started,
        stopped_on=stopped,
        paused=paused,
        paused_days=paused_days if started else None,
        used_working_days=used,
        target_days=target,
        deadline_days=deadline,
        target_due=case.sla_target_due,
        deadline_due=case.sla_deadline_due,
        as_of=today,
    )
