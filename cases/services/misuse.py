"""Misuse (第二章 1): "若本公司查明使用本服务的非被保险人本人或其直系亲属，本公司有权立即拒绝提供本服务
并保留追偿的权利".

A reviewer or coordinator stops the case in whatever state it is (ended ones included) with the
finding; the quota unit still held is released (a unit already used stays used: the service was
given and is what the recovery claims back); a Recovery record (待追偿) is kept; a provider holding
the case is told through the outbox (the workflow row's next actor)."""

from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction

from audit.models import AuditAction
from audit.services import audit_record
from cases.errors import CaseValidationError
from cases.models import Case, Recovery
from cases.services._core import transition_run
from config.i18n import system_language
from entitlements.models import QuotaHoldStatus
from entitlements.services import quota_release

FINDING_MAX = 2000


def _finding(finding: str) -> str:
    finding = (finding or "").strip()
    if not finding:
        raise CaseValidationError({"finding": ["请填写查明情况（服务使用人与被保险人的关系）"]})
    if len(finding) > FINDING_MAX:
        raise CaseValidationError({"finding": [f"查明情况不能超过 {FINDING_MAX} 字"]})
    return finding


@system_language
@transaction.atomic
def case_misuse_stop(
    *,
    case: Case,
    actor: User,
    finding: str,
    amount: Decimal | None = None,
    note: str = "",
    expected_state: str | None = None,
) -> Case:
    """Stop a case found to serve someone not entitled; release its held unit; open the recovery."""
    finding = _finding(finding)
    if amount is not None and amount < 0:
        raise CaseValidationError({"amount": ["追偿金额不能为负数"]})
    case, _ = transition_run(
        case=case,
        actor=actor,
        name="misuse_stop",
        expected_state=expected_state,
        note=f"查明冒用：{finding}" + (f"\n{note.strip()}" if note.strip() else ""),
        extra={"finding": finding},
    )
    hold = case.quota_hold
    if hold is not None and hold.status == QuotaHoldStatus.HELD:
        quota_release(hold=hold, reason=f"{case.number} 中止（冒用）")
    recovery = Recovery.objects.create(case=case, finding=finding, amount=amount, note=note.strip(), created_by=actor)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=recovery,
        summary=f"登记追偿 {case.number}：{recovery.get_status_display()}",
        extra={"status": recovery.status, "amount": str(amount) if amount is not None else None},
    )
    return case


@system_language
@transaction.atomic
def recovery_update(*, recovery: Recovery, actor: User, status: str, amount: Decimal | None, note: str) -> Recovery:
    """A change of a recovery record (status, amount, note), audited with the status before and after."""
    locked = Recovery.objects.select_for_update().get(pk=recovery.pk)
    before = locked.status
    locked.status, locked.amount, locked.note = status, amount, note
    locked.save(update_fields=["status", "amount", "note", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=locked,
        summary=f"追偿 {locked.case}：{Recovery.Status(before).label} → {locked.get_status_display()}",
        extra={"from": before, "to": status, "amount": str(amount) if amount is not None else None},
    )
    return locked
