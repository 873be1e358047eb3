"""Breaches excused for a hospital-side reason (handbook: "通常 7 个工作日内安排就诊（医院内特殊情况除外）").

A coordinator marks a late case as exempt with the reason; a manager may revoke the mark. The case
stays late in the plain figures: the manager report shows on-time with and without exemptions. Both
are audited through the case's history (the transition's audit row carries the reason)."""

from django.contrib.auth.models import User
from django.db import transaction

from cases.errors import CaseValidationError
from cases.models import Case
from cases.services._core import transition_run

REASON_MAX = 500


def _reason(reason: str, *, field: str, missing: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise CaseValidationError({field: [missing]})
    if len(reason) > REASON_MAX:
        raise CaseValidationError({field: [f"原因不能超过 {REASON_MAX} 字（当前 {len(reason)} 字）"]})
    return reason


@transaction.atomic
def case_sla_exempt(*, case: Case, actor: User, reason: str, expected_state: str | None = None) -> Case:
    """Mark a late case's breach as caused by the hospital; refused when the clock says it is not late."""
    reason = _reason(reason, field="reason", missing="请填写院方原因（豁免须说明原因）")
    case, _ = transition_run(
        case=case,
        actor=actor,
        name="sla_exempt",
        expected_state=expected_state,
        arguments={"reason": reason, "by": actor},
        note=f"院方原因豁免：{reason}",
        extra={"reason": reason},
    )
    return case


@transaction.atomic
def case_sla_exempt_revoke(*, case: Case, actor: User, reason: str, expected_state: str | None = None) -> Case:
    """Take an exemption back (a manager's decision); the breach counts again in both rates."""
    reason = _reason(reason, field="reason", missing="请填写撤销豁免的原因")

    extra: dict[str, str] = {"reason": reason}

    def prepare(locked: Case) -> None:
        extra["revoked_reason"] = locked.sla_exempt_reason

    case, _ = transition_run(
        case=case,
        actor=actor,
        name="sla_exempt_revoke",
        expected_state=expected_state,
        prepare=prepare,
        note=f"撤销时效豁免：{reason}",
        extra=extra,
    )
    return case
