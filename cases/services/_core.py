"""The one path every case action takes: lock, re-check, permission, conditions, transition,
save, history, notification after commit."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_record, audit_record_many
from cases import sla
from cases.errors import CaseConflict, CasePermissionDenied, CaseValidationError
from cases.models import Case, CaseEvent, CaseState
from cases.notifications import case_event_notify
from cases.states import REVIEW_DECISIONS
from cases.workflow import ACTIONS, action_label
from config.i18n import choice_label, system_language
from config.rows import insert_rows


def state_label(state: str) -> str:
    return choice_label(CaseState, state)


def case_lock(*, case: Case, expected_state: str | None = None) -> Case:
    """Lock the case row and check nobody moved it since the caller read it.

    Two reviewers who both saw "医学审核中" serialize on this lock; the second finds the state
    changed and gets a CaseConflict naming the state the first one left it in.
    """
    locked = Case.objects.select_for_update().get(pk=case.pk)
    expected = expected_state or case.state
    if locked.state != expected:
        raise CaseConflict(current_state=locked.state, current_label=state_label(locked.state))
    return locked


def _transition_of(case: Case, name: str):
    meta = getattr(Case, name)._django_fsm
    return meta.get_transition(case.state) if meta.has_transition(case.state) else None


def transition_check(*, case: Case, actor: User, name: str) -> None:
    """Refuse, with a reason a person can act on, a transition the case or the actor does not allow."""
    transition_allowed(case=case, actor=actor, name=name)
    holder_check(case=case, actor=actor, name=name)
    conditions_check(case=case, name=name)


def transition_allowed(*, case: Case, actor: User, name: str) -> None:
    transition = _transition_of(case, name)
    if transition is None:
        raise CaseConflict(
            f"案件当前状态为「{state_label(case.state)}」，不能执行「{action_label(name)}」",
            current_state=case.state,
            current_label=state_label(case.state),
        )
    if actor is None or not transition.has_perm(case, actor):
        raise CasePermissionDenied(f"您没有「{action_label(name)}」的权限")


def holder_check(*, case: Case, actor: User, name: str) -> None:
    """Refuse a review decision by anyone but the case's holder, and a take-over by the holder:
    two reviewers never decide one case, and a case changes hands only by an explicit, recorded
    take-over (接手审核)."""
    row = ACTIONS.get(name)
    if row is None or row.fits_holder(case, actor):
        return
    if row.holder == "another":
        raise CaseConflict(
            "您已是本案的审核人，无需接手", current_state=case.state, current_label=state_label(case.state)
        )
    raise CaseConflict(
        f"本案由「{case.holder_display}」审核中，请先「{action_label('take_over')}」并填写原因，再作审核结论",
        current_state=case.state,
        current_label=state_label(case.state),
    )


def conditions_check(*, case: Case, name: str) -> None:
    transition = _transition_of(case, name)
    errors: dict[str, list[str]] = {}
    for condition in transition.conditions:
        if not condition(case):
            errors.setdefault(getattr(condition, "field", "state"), []).append(getattr(condition, "message", ""))
    if errors:
        raise CaseValidationError(errors, code="condition_unmet")


@system_language
def _summary(transition: str, from_state: str, to_state: str) -> str:
    """The audit trail's line for a transition: 审核通过：医学审核中 → 待派单."""
    return f"{action_label(transition)}：{state_label(from_state)} → {state_label(to_state)}"


def event_record(
    *,
    case: Case,
    actor: User | None,
    kind: str = CaseEvent.Kind.TRANSITION,
    transition: str = "",
    from_state: str = "",
    to_state: str | None = None,
    note: str = "",
    extra: dict | None = None,
    notify: bool = False,
    at: datetime | None = None,
) -> CaseEvent:
    """One history row (and, for a transition, its audit row). ``to_state`` defaults to the case's
    state; it is given when one save took the case through two transitions."""
    moved = kind == CaseEvent.Kind.TRANSITION
    to_state = (case.state if to_state is None else to_state) if moved else ""
    event = CaseEvent.objects.create(
        case=case,
        actor=actor,
        at=at or timezone.now(),
        kind=kind,
        transition=transition,
        from_state=from_state,
        to_state=to_state,
        note=note,
        extra=extra or {},
    )
    if moved:
        audit_record(
            actor=actor,
            action=AuditAction.TRANSITION,
            obj=case,
            summary=_summary(transition, from_state, to_state),
            extra={
                "transition": transition,
                "from": from_state,
                "to": to_state,
                "event_id": event.pk,
                # Recorded by staff for a provider that phoned it in (cases.services.dispatch).
                **{key: value for key, value in (extra or {}).items() if key == "on_behalf_of"},
            },
        )
    if notify:
        case_event_notify(event=event)
    return event


def transitions_record(*, case: Case, actor: User | None, steps: list[tuple[str, str, str, str]]) -> list[CaseEvent]:
    """History and audit rows of transitions one save took the case through, two INSERTs whatever
    their number: ``steps`` are (transition, from_state, to_state, note), oldest first. Only the
    last one is notified: it is the state the next actor finds."""
    events = [
        CaseEvent(case=case, actor=actor, kind=CaseEvent.Kind.TRANSITION, transition=name, from_state=source,
                  to_state=target, note=note, extra={})
        for name, source, target, note in steps
    ]  # fmt: skip
    insert_rows(events)
    audit_record_many(
        actor=actor,
        action=AuditAction.TRANSITION,
        entries=[
            (
                case,
                _summary(e.transition, e.from_state, e.to_state),
                {"transition": e.transition, "from": e.from_state, "to": e.to_state, "event_id": e.pk},
            )
            for e in events
        ],
    )
    case_event_notify(event=events[-1])
    return events


def warnings_record(*, case: Case, result: sla.ClockResult) -> None:
    for message in result.warnings:
        event_record(case=case, actor=None, kind=CaseEvent.Kind.WARNING, note=message)


def transition_run(
    *,
    case: Case,
    actor: User,
    name: str,
    expected_state: str | None = None,
    prepare: Callable[[Case], None] | None = None,
    arguments: dict[str, Any] | Callable[[Case], dict[str, Any]] | None = None,
    note: str = "",
    extra: dict | None = None,
    clocks: Callable[[Case], sla.ClockResult] | None = None,
) -> tuple[Case, CaseEvent]:
    """Run one transition on a locked case; the caller is already inside ``transaction.atomic``."""
    locked = case_lock(case=case, expected_state=expected_state)
    transition_allowed(case=locked, actor=actor, name=name)
    holder_check(case=locked, actor=actor, name=name)
    if prepare is not None:
        prepare(locked)
    conditions_check(case=locked, name=name)
    from_state = locked.state
    if callable(arguments):
        arguments = arguments(locked)
    getattr(locked, name)(**(arguments or {}))
    result = clocks(locked) if clocks else sla.ClockResult()
    locked.save()
    # A review decision is recorded at the moment the transition stamped on the case (reviewed_at).
    decided = from_state == CaseState.IN_REVIEW and locked.state in REVIEW_DECISIONS
    event = event_record(
        case=locked,
        actor=actor,
        transition=name,
        from_state=from_state,
        note=note,
        extra=extra,
        notify=True,
        at=locked.reviewed_at if decided else None,
    )
    warnings_record(case=locked, result=result)
    return locked, event
