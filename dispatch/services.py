"""Writes for dispatch: provider case actions, reminders to providers, bulk re-dispatch, export records."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_record
from cases import services as case_services
from cases.errors import CaseConflict, CasePermissionDenied, CaseValidationError
from cases.models import Case, CaseEvent
from cases.recipients import provider_addresses_of
from cases.services._core import event_record
from cases.states import WITH_PROVIDER
from dispatch.selectors import provider_cases
from providers.models import IdempotencyRecord, Provider, ProviderReminder
from providers.selectors import ProviderChannels, provider_channels
from providers.webhooks import provider_event_webhook


class ProviderCaseNotFound(Exception):
    """The case does not exist, or is not (or no longer) this provider's: the API answers 404."""


def _lock_own_case(*, provider: Provider, number: str) -> Case:
    """Lock the case, then prove it is this provider's while the lock is held.

    The ownership check must be a fresh statement after the lock: PostgreSQL re-checks a locked
    row's own columns once a concurrent update commits, but not a subquery on the dispatches, so a
    re-dispatch to provider B could otherwise let provider A's "accept" land on B's case.
    """
    case = Case.objects.select_for_update().filter(number=number).first()
    if case is None or not provider_cases(provider=provider).filter(pk=case.pk).exists():
        raise ProviderCaseNotFound(number)
    return case


@transaction.atomic
def provider_case_accept(*, provider: Provider, actor, number: str) -> Case:
    case = _lock_own_case(provider=provider, number=number)
    return case_services.provider_accept(case=case, actor=actor)


@transaction.atomic
def provider_case_decline(*, provider: Provider, actor, number: str, reason: str) -> Case:
    """The provider cannot serve the case; it returns to the dispatch queue with the reason."""
    case = _lock_own_case(provider=provider, number=number)
    return case_services.provider_decline(case=case, actor=actor, reason=reason)


@transaction.atomic
def provider_case_arrange(*, provider: Provider, actor, number: str, **arrangement: Any) -> Case:
    """The provider reports the arrangement (the inputs of ``cases.services.case_arrange``): the
    case is arranged and its SLA clock stops."""
    case = _lock_own_case(provider=provider, number=number)
    return case_services.case_arrange(case=case, actor=actor, **arrangement)


@transaction.atomic
def provider_case_complete(*, provider: Provider, actor, number: str, completed_at=None) -> Case:
    case = _lock_own_case(provider=provider, number=number)
    return case_services.case_complete(case=case, actor=actor, completed_at=completed_at)


@dataclass
class BulkResult:
    done: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


@transaction.atomic
def provider_remind(*, cases: Iterable[Case], actor) -> BulkResult:
    """Chase the current provider of each case by e-mail (催办); one reminder row per case and a
    line on the case's timeline naming the recipients.

    A provider with no contact address is not "reminded": nothing could be sent, so the case is
    listed as skipped with the reason instead of counted. The e-mails leave only after commit, so
    a rolled-back request never chases anyone.
    """
    result = BulkResult()
    for case in cases:
        provider = case.provider
        if provider is None or case.state not in WITH_PROVIDER:
            result.skipped.append((case.number, "案件当前没有服务商在办，无需催办"))
            continue
        channels = provider_channels(provider=provider)
        if not channels.names:
            # Nothing could be sent: say so, on the case and to the coordinator, instead of
            # counting a reminder nobody receives.
            reason = f"{provider.name}没有联系邮箱也没有 Webhook，催办无法送达，请电话联系"
            event_record(case=case, actor=actor, kind=CaseEvent.Kind.WARNING, note=f"催办未发出：{reason}")
            result.skipped.append((case.number, reason))
            continue
        reminder = ProviderReminder.objects.create(case=case, provider=provider, sent_by=actor)
        _reminder_record(case=case, provider=provider, actor=actor, reminder=reminder, channels=channels)
        transaction.on_commit(partial(_enqueue_reminder, reminder.pk))
        result.done.append(case.number)
    return result


def _reminder_record(
    *, case: Case, provider: Provider, actor, reminder: ProviderReminder, channels: ProviderChannels
) -> None:
    """The reminder on the case's timeline, with whom it went to and how; the webhook's copy goes
    through the outbox, once per reminder."""
    parts = [f"邮件（{'、'.join(channels.emails)}）"] if channels.emails else []
    if channels.webhook_url:
        parts.append("Webhook")
        provider_event_webhook(
            provider=provider,
            event="case.reminder",
            event_id=f"reminder-{reminder.pk}",
            case={"number": case.number, "state": case.state, "service_code": case.service.code},
        )
    event_record(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.NOTE,
        transition="remind",
        note=f"催办服务商{provider.name}：{'；'.join(parts)}",
        extra={"reminder": reminder.pk, "recipients": channels.emails, "channels": channels.names},
    )


def _enqueue_reminder(reminder_id: int) -> None:
    from dispatch.tasks import send_provider_reminder

    send_provider_reminder.delay(reminder_id)


def provider_reminder_deliver(*, reminder_id: int) -> bool:
    """Send one reminder e-mail; the conditional update makes a second worker (or retry) a no-op."""
    claimed = ProviderReminder.objects.filter(pk=reminder_id, sent_at__isnull=True).update(sent_at=timezone.now())
    if not claimed:
        return False
    reminder = ProviderReminder.objects.select_related("case__service", "provider").get(pk=reminder_id)
    recipients = provider_addresses_of(provider=reminder.provider)
    try:
        _reminder_mail(reminder, recipients)
    except OSError:
        # SMTP down: release the claim so the retry sends it.
        ProviderReminder.objects.filter(pk=reminder_id).update(sent_at=None)
        raise
    ProviderReminder.objects.filter(pk=reminder_id).update(recipients=recipients)
    return True


def _reminder_mail(reminder: ProviderReminder, recipients: list[str]) -> None:
    if not recipients:
        return
    case = reminder.case
    provisional = "（暂定）" if case.sla_deadline_provisional else ""
    due = f"，最迟完成日 {case.sla_deadline_due:%Y-%m-%d}{provisional}" if case.sla_deadline_due else ""
    send_mail(
        subject=f"【太保蓝本催办】案件 {case.number} {case.service.name}",
        # No personal data in the mail: the provider reads the case through its API.
        message=f"{reminder.provider.name}：案件 {case.number}（{case.service.name}，{case.city}）"
        f"当前状态「{case.get_state_display()}」{due}，请尽快处理并回报安排结果。",
        from_email=None,
        recipient_list=recipients,
    )


def cases_redispatch_bulk(*, cases: Iterable[Case], actor, provider: Provider, note: str) -> BulkResult:
    """Re-dispatch each case to ``provider``; each case is its own transaction, refusals are listed."""
    result = BulkResult()
    for case in cases:
        try:
            case_services.case_redispatch(case=case, actor=actor, provider=provider, note=note)
        except (CaseConflict, CasePermissionDenied, CaseValidationError) as exc:
            result.skipped.append((case.number, exc.message))
        else:
            result.done.append(case.number)
    return result


def board_export_record(*, actor, rows: int, query: str, request=None) -> None:
    """Who exported which board rows: personal data (names, masked phones) leaves the portal."""
    summary = f"调度看板导出 CSV {rows} 行；筛选：{query or '无'}"
    audit_record(actor=actor, action=AuditAction.EXPORT, summary=summary, request=request, extra={"rows": rows})


IDEMPOTENCY_RETENTION_DAYS = 30


def idempotency_records_purge(*, older_than_days: int = IDEMPOTENCY_RETENTION_DAYS) -> int:
    """Forget stored answers older than any sensible retry window; returns how many were removed."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
