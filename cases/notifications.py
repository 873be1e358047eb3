"""Who hears about a case event, and what they are told.

Written to the transactional outbox in the same transaction as the event itself, so a committed
transition always reaches its people (even if the broker was down at that moment) and a rolled-back
one never does. Delivery — in-app notice and e-mail — happens in a worker.
"""

from django.urls import reverse

from cases.models import CaseEvent
from cases.recipients import provider_addresses_of
from cases.states import HELD_BY_PROVIDER
from cases.workflow import ACTIONS, NextActor
from notifications.services import notify, outbox_key


def _provider_is_next(event: CaseEvent, next_actor: str) -> bool:
    if next_actor == NextActor.PROVIDER:
        return True
    return next_actor == NextActor.PROVIDER_IF_HELD and event.from_state in HELD_BY_PROVIDER


def event_recipients(*, event: CaseEvent) -> tuple[list[int], list[str], str]:
    """(staff user ids, outside e-mail addresses, role permission) of those who act next after this
    event, as the workflow table says. A role's members are looked up when the notice is delivered,
    not in the transition."""
    row = ACTIONS.get(event.transition)
    next_actor = row.next_actor if row else NextActor.HOLDER
    if next_actor == NextActor.NOBODY:
        return [], [], ""
    if _provider_is_next(event, next_actor):
        return [], provider_addresses_of(provider=event.case.provider), ""
    if next_actor not in NextActor.values:
        return [], [], f"cases.{next_actor}"
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
        dedupe_key=outbox_key("case-event", event.pk),
    )
