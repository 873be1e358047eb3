"""The 120 emergency subsidy (120急救补贴): invoice review, an approved amount never above the
service's cap (200 CNY a claim, from the catalogue), payment."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction

from cases.errors import CaseValidationError
from cases.models import Case
from cases.services._core import User, transition_run
from entitlements.services import quota_use

CENT = Decimal("0.01")


def _amount(value) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise CaseValidationError({"approved_amount": ["请输入金额，如 180.00"]}) from exc
    if amount <= 0:
        raise CaseValidationError({"approved_amount": ["核定金额须大于 0"]})
    return amount


def _check_cap(case: Case, amount: Decimal) -> None:
    cap = case.service.max_claim_amount
    if cap is not None and amount > cap:
        raise CaseValidationError({"approved_amount": [f"核定金额不能超过单次上限 {cap} 元"]}, code="over_cap")
    if case.claimed_amount is not None and amount > case.claimed_amount:
        raise CaseValidationError({"approved_amount": [f"核定金额不能超过申请金额 {case.claimed_amount} 元"]})


@transaction.atomic
def claim_approve(
    *, case: Case, actor: User, amount: Decimal | str, note: str = "", expected_state: str | None = None
) -> Case:
    """Approve the subsidy amount after checking the invoice; at most the cap and the amount claimed."""
    amount = _amount(amount)

    def prepare(locked: Case) -> None:
        _check_cap(locked, amount)
        locked.approved_amount = amount

    case, _ = transition_run(
        case=case,
        actor=actor,
        name="claim_approve",
        expected_state=expected_state,
        prepare=prepare,
        note=note or f"核定金额 {amount} 元",
        extra={"approved_amount": str(amount)},
    )
    return case


@transaction.atomic
def claim_pay(*, case: Case, actor: User, note: str = "", expected_state: str | None = None) -> Case:
    """The subsidy was paid: the quota unit becomes used."""
    case, _ = transition_run(
        case=case,
        actor=actor,
        name="pay",
        expected_state=expected_state,
        note=note or f"已支付 {case.approved_amount} 元",
    )
    if case.quota_hold is not None:
        quota_use(hold=case.quota_hold)
    return case
