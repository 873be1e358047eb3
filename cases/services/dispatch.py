"""After approval: dispatch to a provider (and re-dispatch: the insurer may change providers at any
time), the provider's answers, waiting for the customer, the arrangement, completion and closing."""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from cases import sla
from cases.arrangement import NAMES, arrangement_errors, arrangement_values
from cases.errors import CaseConflict, CaseValidationError
from cases.models import Case, CaseState, Dispatch
from cases.services._core import transition_run
from entitlements.services import quota_use
from providers.models import Provider, ProviderMember
from providers.webhooks import provider_dispatch_notify


def _active_provider(provider: Provider | None) -> Provider:
    if provider is None:
        raise CaseValidationError({"provider": ["请选择服务商"]})
    if not provider.active:
        raise CaseValidationError({"provider": [f"{provider}已停止合作，不能派单"]})
    return provider


@transaction.atomic
def case_dispatch(
    *, case: Case, actor: User, provider: Provider, note: str = "", expected_state: str | None = None
) -> Case:
    """Hand an approved case to a provider; every dispatch is kept as a Dispatch row."""
    provider = _active_provider(provider)
    case, _ = transition_run(
        case=case,
        actor=actor,
        name="dispatch",
        expected_state=expected_state,
        arguments={"provider": provider},
        note=note,
        extra={"provider": provider.code},
    )
    dispatch = Dispatch.objects.create(case=case, provider=provider, dispatched_by=actor, note=note)
    _provider_notify(case=case, dispatch=dispatch, event="case.dispatched")
    return case


def _provider_notify(*, case: Case, dispatch: Dispatch, event: str) -> None:
    """The dispatch notice to the provider (e-mail, signed webhook), through the outbox: one event
    per Dispatch row, so a retried delivery is the same event."""
    provider_dispatch_notify(
        provider=dispatch.provider,
        event=event,
        event_id=f"dispatch-{dispatch.pk}",
        case={
            "number": case.number,
            "service_code": case.service.code,
            "service_name": case.service.name,
            "city": case.city,
            "dispatched_at": dispatch.at.isoformat(),
            "sla_deadline_due": case.sla_deadline_due.isoformat() if case.sla_deadline_due else None,
            "note": dispatch.note,
        },
    )


@transaction.atomic
def case_redispatch(
    *, case: Case, actor: User, provider: Provider, note: str, expected_state: str | None = None
) -> Case:
    """Move a dispatched case to another provider; the previous dispatch stays on record, inactive."""
    provider = _active_provider(provider)
    if not note.strip():
        raise CaseValidationError({"note": ["改派须说明原因"]})
    extra = {"provider": provider.code}

    def prepare(locked: Case) -> None:
        # Read under the row lock: a concurrent re-dispatch may have moved the case meanwhile.
        if provider.pk == locked.provider_id:
            raise CaseValidationError({"provider": ["改派须选择另一家服务商"]})
        extra["previous_provider"] = locked.provider.code if locked.provider is not None else ""

    case, _ = transition_run(
        case=case,
        actor=actor,
        name="redispatch",
        expected_state=expected_state,
        prepare=prepare,
        arguments={"provider": provider},
        note=note,
        extra=extra,
    )
    Dispatch.objects.filter(case=case, active=True).update(active=False)
    dispatch = Dispatch.objects.create(case=case, provider=provider, dispatched_by=actor, note=note)
    _provider_notify(case=case, dispatch=dispatch, event="case.redispatched")
    return case


def on_behalf_of_provider(*, case: Case, actor: User) -> dict:
    """Staff recording what the case's provider reported by phone (a coordinator, not one of the
    provider's own API users): the event and its audit row say for whom it was recorded."""
    provider = case.provider
    if provider is None or ProviderMember.objects.filter(user=actor, provider=provider, active=True).exists():
        return {}
    return {"on_behalf_of": provider.code, "on_behalf_of_name": provider.name}


def _behalf_note(behalf: dict, note: str) -> str:
    if not behalf:
        return note
    said = f"代{behalf['on_behalf_of_name']}记录"
    return f"{said}：{note}" if note.strip() else said


@transaction.atomic
def provider_accept(*, case: Case, actor: User, note: str = "", expected_state: str | None = None) -> Case:
    """The provider takes the case on: through its API, or phoned in and recorded by a coordinator
    (recorded as on the provider's behalf)."""
    behalf = on_behalf_of_provider(case=case, actor=actor)
    case, _ = transition_run(
        case=case,
        actor=actor,
        name="provider_accept",
        expected_state=expected_state,
        note=_behalf_note(behalf, note),
        extra=behalf,
    )
    Dispatch.objects.filter(case=case, active=True).update(accepted_at=timezone.now())
    return case


@transaction.atomic
def provider_decline(*, case: Case, actor: User, reason: str, expected_state: str | None = None) -> Case:
    """The provider cannot serve the case: it goes back to the dispatch queue with the reason."""
    if not reason.strip():
        raise CaseValidationError({"reason": ["请填写拒单原因"]})
    previous = case.provider
    behalf = on_behalf_of_provider(case=case, actor=actor)
    case, _ = transition_run(
        case=case,
        actor=actor,
        name="provider_decline",
        expected_state=expected_state,
        note=_behalf_note(behalf, reason),
        extra={"provider": previous.code if previous else "", **behalf},
    )
    Dispatch.objects.filter(case=case, active=True).update(
        active=False, declined_at=timezone.now(), decline_reason=reason.strip()[:255]
    )
    return case


@transaction.atomic
def case_await_customer(*, case: Case, actor: User, note: str, expected_state: str | None = None) -> Case:
    """Waiting for the customer (a date to confirm, a document to bring): the SLA clock pauses."""
    if not note.strip():
        raise CaseValidationError({"note": ["请说明需要客户反馈的内容"]})
    case, _ = transition_run(
        case=case,
        actor=actor,
        name="await_customer",
        expected_state=expected_state,
        arguments={"on_date": sla.local_today()},
        note=note,
    )
    return case


@transaction.atomic
def case_customer_replied(*, case: Case, actor: User, note: str = "", expected_state: str | None = None) -> Case:
    """The customer answered: the case returns to its provider state and the due dates move out
    by the working days spent waiting."""
    today = sla.local_today()
    result = sla.ClockResult()
    case, _ = transition_run(
        case=case,
        actor=actor,
        name="customer_replied",
        expected_state=expected_state,
        arguments=lambda locked: {"paused_days": sla.paused_workdays(locked.sla_paused_on, today, result) or 0},
        note=note,
        clocks=lambda locked: sla.sla_recompute(locked, result),
    )
    return case


@transaction.atomic
def case_arrange(
    *,
    case: Case,
    actor: User,
    note: str = "",
    expected_state: str | None = None,
    **values: Any,
) -> Case:
    """The provider reports the arrangement: the quota unit becomes used and the SLA clock stops.

    ``values`` are the arrangement inputs (``cases.arrangement.NAMES``: hospital, arranged_at,
    department, doctor, doctor_title, address, specialist, guidance_mode, transfers,
    accommodation, nurse); which of them the service records, and needs, is the catalogue's.
    """
    unknown = set(values) - set(NAMES)
    if unknown:
        raise TypeError(f"unknown arrangement fields: {sorted(unknown)}")
    errors = arrangement_errors(service=case.service, values=values)
    if errors:
        raise CaseValidationError(errors)
    arrangement = arrangement_values(service=case.service, values=values)
    arranged_at = arrangement["arranged_at"]

    def prepare(locked: Case) -> None:
        date_errors = arrangement_date_errors(case=locked, arranged_at=arranged_at)
        if date_errors:
            raise CaseValidationError(date_errors)
        for name, value in arrangement.items():
            setattr(locked, name, value)

    try:
        case, _ = transition_run(
            case=case,
            actor=actor,
            name="arrange",
            expected_state=expected_state,
            prepare=prepare,
            note=note,
            extra={
                "arranged_at": arranged_at.isoformat() if arranged_at else None,
                "hospital": arrangement["arranged_hospital"],
            },
        )
    except CaseConflict as exc:
        if exc.current_state == CaseState.DISPATCHED:
            raise CaseConflict(
                "服务商尚未接单：请先接单，再记录安排结果",
                current_state=exc.current_state,
                current_label=exc.current_label,
            ) from exc
        raise
    if case.quota_hold is not None:
        quota_use(hold=case.quota_hold)
    return case


def arrangement_date_errors(*, case: Case, arranged_at: datetime | None) -> dict[str, list[str]]:
    """An arrangement may not predate the case's dispatch nor lie more than
    ``ARRANGEMENT_MAX_PAST_DAYS`` in the past: an arrangement dated years back would stop the
    clock on a case that was never served on time."""
    if arranged_at is None:
        return {}
    dispatch = case.dispatches.filter(active=True).only("at").first()
    if dispatch is not None and arranged_at < dispatch.at:
        dispatched = timezone.localtime(dispatch.at).strftime("%Y-%m-%d %H:%M")
        return {"arranged_at": [f"就诊/入院时间不能早于派单时间（{dispatched}）"]}
    days = settings.ARRANGEMENT_MAX_PAST_DAYS
    if arranged_at < timezone.now() - timedelta(days=days):
        return {"arranged_at": [f"就诊/入院时间不能早于 {days} 天前"]}
    return {}


@transaction.atomic
def case_complete(
    *,
    case: Case,
    actor: User,
    note: str = "",
    expected_state: str | None = None,
    completed_at: datetime | None = None,
) -> Case:
    """The customer was seen (or admitted, operated on) as arranged — not before the arranged time."""
    completed_at = completed_at or timezone.now()

    def prepare(locked: Case) -> None:
        if locked.arranged_at is not None and completed_at < locked.arranged_at:
            arranged = timezone.localtime(locked.arranged_at).strftime("%Y-%m-%d %H:%M")
            raise CaseValidationError({"completed_at": [f"服务完成时间不能早于就诊/入院时间（{arranged}）"]})

    case, _ = transition_run(
        case=case,
        actor=actor,
        name="complete",
        expected_state=expected_state,
        prepare=prepare,
        note=note,
        extra={"completed_at": completed_at.isoformat()},
    )
    return case


@transaction.atomic
def case_close(*, case: Case, actor: User, note: str = "", expected_state: str | None = None) -> Case:
    """Close an arranged, completed or paid case."""
    case, _ = transition_run(case=case, actor=actor, name="close", expected_state=expected_state, note=note)
    return case
