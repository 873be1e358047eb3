"""Who hears about a case event, and what the e-mail says."""

from django.conf import settings
from django.core.mail import send_mail

from cases.models import CaseEvent, CaseState
from cases.selectors import users_with_permission
from providers.models import ProviderContact

# The role that acts next after each transition, by the permission it holds.
NEXT_ACTOR_PERMISSION = {
    "submit": "review_case",
    "resubmit": "review_case",
    "skip_review": "dispatch_case",
    "approve": "dispatch_case",
    "provider_decline": "dispatch_case",
    "claim_approve": "pay_claim",
    "arrange": "close_case",
    "complete": "close_case",
    "pay": "close_case",
}


def _provider_addresses(event: CaseEvent) -> list[str]:
    provider = event.case.provider
    if provider is None:
        return []
    contacts = ProviderContact.objects.filter(provider=provider, receives_reminders=True).exclude(email="")
    addresses = [c.email for c in contacts]
    return addresses or ([provider.contact_email] if provider.contact_email else [])


def event_recipients(*, event: CaseEvent) -> list[str]:
    if event.transition in ("dispatch", "redispatch", "customer_replied") or (
        event.transition == "withdraw" and event.from_state in (CaseState.DISPATCHED, CaseState.ACCEPTED)
    ):
        return _provider_addresses(event)
    codename = NEXT_ACTOR_PERMISSION.get(event.transition)
    if codename:
        users = users_with_permission(codename=codename).exclude(email="")
        return sorted({user.email for user in users})
    holder = event.case.holder
    return [holder.email] if holder is not None and holder.email else []


def case_event_notify(*, event: CaseEvent) -> int:
    """Send the e-mail for one event; returns how many messages went out."""
    recipients = event_recipients(event=event)
    if not recipients:
        return 0
    case = event.case
    subject = f"[{case.number}] {case.service} · {event.get_to_state_display() or event.get_kind_display()}"
    body = "\n".join(
        line
        for line in [
            f"案件编号：{case.number}",
            f"服务项目：{case.service}",
            f"当前状态：{case.get_state_display()}",
            f"说明：{event.note}" if event.note else "",
        ]
        if line
    )
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
