"""Who hears about a case event, and what they are told.

Written to the transactional outbox in the same transaction as the event itself, so a committed
transition always reaches its people (even if the broker was down at that moment) and a rolled-back
one never does. Delivery — in-app notice and e-mail — happens in a worker.
"""

from django.urls import reverse

from cases.models import CaseEvent, CaseState
from notifications.services import notify
from providers.models import ProviderContact

# The role that acts next after each transition, by the permission it holds.
NEXT_ACTOR_PERMISSION = {
    "submit": "review_case",
    "resubmit": "review_case",
    "skip_review": "dispatch_case",
    # Intake staff pass the reviewer's request or decision on to the customer.
    "return_to_applicant": "submit_case",
    "reject": "submit_case",
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


def _provider_is_next(event: CaseEvent) -> bool:
    if event.transition in ("dispatch", "redispatch", "customer_replied"):
        return True
    return event.transition == "withdraw" and event.from_state in (CaseState.DISPATCHED, CaseState.ACCEPTED)


def event_recipients(*, event: CaseEvent) -> tuple[list[int], list[str], str]:
    """(staff user ids, outside e-mail addresses, role permission) of those who act next after this
    event. A role's members are looked up when the notice is delivered, not in the transition."""
    if _provider_is_next(event):
        return [], _provider_addresses(event), ""
    codename = NEXT_ACTOR_PERMISSION.get(event.transition)
    if codename:
        return [], [], f"cases.{codename}"
    holder_id = event.case.holder_id
    # Nobody is told about their own action.
    if holder_id is None or holder_id == event.actor_id:
        return [], [], ""
    return [holder_id], [], ""


def case_event_notify(*, event: CaseEvent) -> None:
    """Put the notice of one event in the outbox (once per event, however often this is called)."""
    user_ids, emails, permission = event_recipients(event=event)
    if not user_ids and not emails and not permission:
        return
    case = event.case
    state = event.get_to_state_display() or event.get_kind_display()
    lines = [f"案件编号：{case.number}", f"服务项目：{case.service}", f"当前状态：{case.get_state_display()}"]
    if event.note:
        lines.append(f"说明：{event.note}")
    notify(
        kind=f"case.{event.transition or event.kind}",
        subject=f"[{case.number}] {case.service} · {state}",
        body="\n".join(lines),
        case_number=case.number,
        link=reverse("admin:cases_case_change", args=[case.pk]),
        user_ids=user_ids,
        emails=emails,
        permission=permission,
        dedupe_key=f"case-event:{event.pk}",
    )
