"""What a qualifying policy's end means for the cases drawing on it."""

from datetime import date, timedelta

from cases.models import Case, CaseEvent
from cases.services._core import event_record
from cases.states import OPEN
from config.i18n import system_language
from entitlements.models import Policy


@system_language
def policy_ended_flag(*, policy: Policy, ended_on: date) -> list[CaseEvent]:
    """The core system says the policy ended: the service period ended the day before, and every
    open case drawing on it is flagged to the coordinators (a warning on its timeline, a notice)."""
    label = policy.get_status_display()
    last_day = ended_on - timedelta(days=1)
    note = (
        f"达标保单{policy.policy_no}已于{ended_on.isoformat()}{label}，服务期至{last_day.isoformat()}终止："
        "请核实本案是否继续办理"
    )
    cases = Case.objects.filter(enrollment__policy=policy, state__in=OPEN).select_related("service")
    return [
        event_record(
            case=case, actor=None, kind=CaseEvent.Kind.WARNING, transition="policy_ended", note=note, notify=True
        )
        for case in cases
    ]


def _on_policy_ended(sender, *, policy: Policy, ended_on: date, **kwargs) -> None:
    policy_ended_flag(policy=policy, ended_on=ended_on)
