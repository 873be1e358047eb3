"""Who hears about a case event, and what they are told.

Written to the transactional outbox in the same transaction as the event itself, so a committed
transition always reaches its people (even if the broker was down at that moment) and a rolled-back
one never does. Delivery — in-app notice and e-mail — happens in a worker.
"""

from django.conf import settings
from django.urls import reverse

from cases.models import ApplicantRelation, Case, CaseEvent, CaseState
from cases.recipients import provider_addresses_of
from cases.states import HELD_BY_PROVIDER, REVIEW_PENDING
from cases.workflow import ACTIONS, NextActor
from config.i18n import choice_label, system_language
from notifications.customer import customer_message_enqueue
from notifications.models import CustomerMessage
from notifications.services import notify, outbox_key

# Events that are no case action (no workflow row), and the role told of them: the qualifying
# policy ended under an open case, and the coordinators decide what becomes of it.
SYSTEM_EVENT_ROLES = {"policy_ended": "dispatch_case"}


def _provider_is_next(event: CaseEvent, next_actor: str) -> bool:
    if next_actor == NextActor.PROVIDER:
        return True
    return next_actor == NextActor.PROVIDER_IF_HELD and event.from_state in HELD_BY_PROVIDER


def event_recipients(*, event: CaseEvent) -> tuple[list[int], list[str], str]:
    """(staff user ids, outside e-mail addresses, role permission) of those who act next after this
    event, as the workflow table says. A role's members are looked up when the notice is delivered,
    not in the transition."""
    if event.transition in SYSTEM_EVENT_ROLES:
        return [], [], f"cases.{SYSTEM_EVENT_ROLES[event.transition]}"
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


# "通常 … 反馈安排结果": the events the customer (or the guardian who applied) hears about, and
# the template each is told with.
CUSTOMER_TEMPLATES = {
    "arrange": "case_arranged",
    "return_to_applicant": "case_returned",
    "reject": "case_rejected",
    "close": "case_closed",
}


def customer_phone(case: Case) -> str:
    """Who is told: the applicant when someone applied for the insured (a guardian) and left a
    number, else the beneficiary."""
    if case.applicant_relation != ApplicantRelation.SELF and case.applicant_phone:
        return case.applicant_phone
    return case.applicant_phone or case.beneficiary.phone


def _customer_context(event: CaseEvent) -> dict:
    from cases.arrangement import arrangement_text

    case = event.case
    return {
        "name": case.applicant_name or case.beneficiary.name,
        "service": case.service.name,
        "number": case.number,
        "arrangement": arrangement_text(case),
        "reason": case.get_reject_reason_display(),
        "message": event.note,
    }


def customer_event_notify(*, event: CaseEvent) -> None:
    """Tell the customer of an event he waits for, through the outbox, once per event."""
    template = CUSTOMER_TEMPLATES.get(event.transition)
    if template is None or event.kind != CaseEvent.Kind.TRANSITION:
        return
    customer_message_enqueue(
        template_key=template,
        context=_customer_context(event),
        phone=customer_phone(event.case),
        case_number=event.case.number,
        dedupe_key=outbox_key("customer-message", event.pk),
    )


@system_language
def customer_message_on_timeline(sender, *, message: CustomerMessage, **kwargs) -> None:
    """A sent message appears on its case's timeline (in the sending transaction)."""
    case = Case.objects.filter(number=message.case_number).first()
    if case is None:
        return
    masked = f"{message.phone[:3]}****{message.phone[-4:]}"
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.MESSAGE,
        at=message.sent_at,
        note=f"已发送客户消息（{masked}）：{message.text}",
        extra={"customer_message_id": message.pk, "template": message.template_key},
    )


@system_language
def case_event_notify(*, event: CaseEvent) -> None:
    """Put the notice of one event in the outbox (once per event, however often this is called)."""
    customer_event_notify(event=event)
    user_ids, emails, permission = event_recipients(event=event)
    if not user_ids and not emails and not permission:
        return
    case = event.case
    state = choice_label(CaseState, event.to_state) or choice_label(CaseEvent.Kind, event.kind)
    link = reverse("admin:cases_case_change", args=[case.pk])
    lines = [f"案件编号：{case.number}", f"服务项目：{case.service}", f"当前状态：{case.state_label}"]
    lines.append(f"办理期限：{case_deadline_text(case)}")
    if event.note:
        lines.append(f"说明：{event.note}")
    lines.append(f"查看案件：{settings.SITE_BASE_URL.rstrip('/')}{link}")
    notify(
        kind=f"case.{event.transition or event.kind}",
        subject=f"[{case.number}] {case.service} · {state}",
        body="\n".join(lines),
        case_number=case.number,
        link=link,
        user_ids=user_ids,
        emails=emails,
        permission=permission,
        dedupe_key=outbox_key("case-event", event.pk),
        exclude_user_ids=[event.actor_id],
    )


def case_deadline_text(case: Case) -> str:
    """The date the next step is due by: the review's while it is reviewed, else the service level's."""
    if case.state in REVIEW_PENDING and case.review_due:
        provisional = "（暂定）" if case.review_provisional else ""
        paused = "（退回补充期间暂停）" if case.state == CaseState.RETURNED else ""
        return f"审核应完成日 {case.review_due:%Y-%m-%d}{provisional}{paused}"
    if case.sla_deadline_due and case.sla_stopped_at is None:
        provisional = "（暂定）" if case.sla_deadline_provisional else ""
        return f"最迟完成日 {case.sla_deadline_due:%Y-%m-%d}{provisional}"
    return "无"
