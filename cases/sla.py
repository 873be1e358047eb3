"""The case's clocks, counted in PRC working days (工作日, with 调休).

Two clocks: the internal medical-review turnaround (``review_due``: submission + REVIEW_TARGET
working days, paused while the case is returned to the applicant) and the service-level clock
(``sla_target_due``/``sla_deadline_due``: started when the request is accepted, paused while the
case waits for the customer, stopped at the arrangement). A paused clock moves its due dates out by
the working days it was paused: ``due = add_workdays(start, target + paused)``.

When the calendar does not cover a year the computation needs, the due date stays empty and the
caller records a warning naming that year: a deadline is never guessed from weekends alone. A due
date counted over a provisional year (computed from the law, not yet the State Council's schedule)
is kept with its ``*_provisional`` flag set, shown as 暂定 until the official schedule is entered.
"""

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.utils import timezone

from workdays.calendar import CalendarNotCovered, add_workdays, rests_on_provisional, workdays_between


@dataclass
class ClockResult:
    """What a recomputation left behind: warnings to record on the case timeline."""

    warnings: list[str] = field(default_factory=list)

    def missing(self, exc: CalendarNotCovered) -> None:
        message = f"工作日历未覆盖 {exc.year} 年，时效到期日暂无法计算，请补录该年日历后重新计算"
        if message not in self.warnings:
            self.warnings.append(message)


def local_today() -> date:
    """Today in Asia/Shanghai: the date every clock event is counted from."""
    return timezone.localdate()


def service_targets(service) -> tuple[int, int]:
    """(target, deadline) working days for a service; the configurable default where none is published."""
    target = service.sla_target_working_days
    deadline = service.sla_deadline_working_days
    if target is None and deadline is None:
        return settings.SLA_DEFAULT_TARGET, settings.SLA_DEFAULT_DEADLINE
    return target or deadline, deadline or target


def _due(start: date, days: int, result: ClockResult) -> tuple[date | None, bool]:
    """The due date and whether it rests on a provisional day."""
    try:
        due = add_workdays(start, days)
    except CalendarNotCovered as exc:
        result.missing(exc)
        return None, False
    return due, rests_on_provisional(start, due)


def paused_workdays(since: date | None, until: date, result: ClockResult) -> int | None:
    """Working days in (since, until] during which a clock was paused; None if uncountable."""
    if since is None:
        return 0
    try:
        return workdays_between(since, until)
    except CalendarNotCovered as exc:
        result.missing(exc)
        return None


def review_recompute(case, result: ClockResult | None = None) -> ClockResult:
    result = result or ClockResult()
    if not case.needs_review or case.submitted_at is None:
        case.review_due, case.review_provisional = None, False
        return result
    start = timezone.localtime(case.submitted_at).date()
    days = settings.REVIEW_TARGET_WORKING_DAYS + case.review_paused_days
    case.review_due, case.review_provisional = _due(start, days, result)
    return result


def sla_recompute(case, result: ClockResult | None = None) -> ClockResult:
    result = result or ClockResult()
    if case.sla_started_on is None:
        case.sla_target_due = case.sla_deadline_due = None
        case.sla_target_provisional = case.sla_deadline_provisional = False
        return result
    target, deadline = service_targets(case.service)
    start, paused = case.sla_started_on, case.sla_paused_days
    case.sla_target_due, case.sla_target_provisional = _due(start, target + paused, result)
    case.sla_deadline_due, case.sla_deadline_provisional = _due(start, deadline + paused, result)
    return result
