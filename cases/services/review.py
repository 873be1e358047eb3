"""Medical review (医学审核): take a case, approve, reject with a reason code, or return it to the
applicant for more information. The same functions serve the admin's buttons and the API."""

from django.db import transaction

from cases import sla
from cases.checklist import checklist_contradictions, checklist_refusals
from cases.errors import CaseConflict, CaseValidationError
from cases.models import Case, RejectReason
from cases.services._core import User, case_lock, transition_check, transition_run
from config.i18n import system_language
from entitlements.services import quota_release

CHECKLIST_FIELDS = (
    "check_hospital_level",
    "check_specialist_diagnosis",
    "check_disease_listed",
    "check_documents_complete",
)


def _apply_checklist(case: Case, checklist: dict[str, bool] | None) -> None:
    for name, value in (checklist or {}).items():
        if name not in CHECKLIST_FIELDS:
            raise CaseValidationError({"checklist": [f"未知的审核项「{name}」"]})
        setattr(case, name, bool(value))


def _checklist_for_approval(case: Case, checklist: dict[str, bool] | None) -> None:
    """The reviewer's ticks, refused item by item where one is missing or the case's own record
    contradicts it (cases.checklist)."""
    _apply_checklist(case, checklist)
    refusals = checklist_refusals(case=case)
    if not refusals:
        return
    contradicted = checklist_contradictions(case=case)
    summary = "审核清单与案件记录不符" if contradicted else "审核清单未全部勾选"
    raise CaseValidationError({"checklist": [summary], **refusals}, code="condition_unmet")


@transaction.atomic
def case_start_review(*, case: Case, actor: User, expected_state: str | None = None) -> Case:
    """A reviewer takes the case from the queue and becomes its holder."""
    case, _ = transition_run(
        case=case, actor=actor, name="start_review", expected_state=expected_state, arguments={"reviewer": actor}
    )
    return case


@transaction.atomic
def case_take_over(
    *, case: Case, actor: User, reason: str, expected_holder: int | None = None, expected_state: str | None = None
) -> Case:
    """Another reviewer takes over a case under review from its holder, saying why; the timeline
    and the audit trail record who held it before. With ``expected_holder`` (the holder the
    reviewer saw), a case someone else took over meanwhile is refused, not taken twice."""
    reason = reason.strip()
    if not reason:
        raise CaseValidationError({"reason": ["请填写接手审核的原因"]})
    # Locked first so the note names the holder the take-over replaced, not one read before.
    locked = case_lock(case=case, expected_state=expected_state)
    previous = locked.holder_display
    if expected_holder is not None and locked.holder_id != expected_holder:
        raise CaseConflict(
            f"本案已由「{previous}」接手审核，请刷新后查看", current_state=locked.state, current_label="医学审核中"
        )
    case, _ = transition_run(
        case=locked,
        actor=actor,
        name="take_over",
        expected_state=locked.state,
        arguments={"reviewer": actor},
        note=f"接手审核（原审核人：{previous}）：{reason}",
        extra={"previous_holder": locked.holder_id, "reason": reason},
    )
    return case


@transaction.atomic
def review_checklist_save(
    *, case: Case, actor: User, checklist: dict[str, bool], expected_state: str | None = None
) -> Case:
    """Save the reviewer's ticks without deciding yet (only while the case is under review)."""
    locked = case_lock(case=case, expected_state=expected_state)
    transition_check(case=locked, actor=actor, name="return_to_applicant")
    _apply_checklist(locked, checklist)
    locked.save(update_fields=[*CHECKLIST_FIELDS, "updated_at"])
    return locked


@transaction.atomic
def review_approve(
    *,
    case: Case,
    actor: User,
    checklist: dict[str, bool] | None = None,
    note: str = "",
    expected_state: str | None = None,
) -> Case:
    """Approve: every checklist item ticked, the quota hold still live; the SLA clock starts today."""
    today = sla.local_today()
    case, _ = transition_run(
        case=case,
        actor=actor,
        name="approve",
        expected_state=expected_state,
        prepare=lambda locked: _checklist_for_approval(locked, checklist),
        arguments={"on_date": today},
        note=note or "审核通过",
        clocks=sla.sla_recompute,
    )
    return case


@system_language
@transaction.atomic
def review_reject(*, case: Case, actor: User, reason: str, note: str = "", expected_state: str | None = None) -> Case:
    """Reject with a reason code from the list; the held quota unit is given back."""
    if reason not in RejectReason.values:
        raise CaseValidationError({"reject_reason": ["请选择不通过原因"]})
    if reason == RejectReason.OTHER and not note.strip():
        raise CaseValidationError({"note": ["原因为“其他”时须填写说明"]})
    case, _ = transition_run(
        case=case,
        actor=actor,
        name="reject",
        expected_state=expected_state,
        arguments={"reason": reason},
        note=note or str(RejectReason(reason).label),
        extra={"reject_reason": reason},
    )
    if case.quota_hold is not None:
        quota_release(hold=case.quota_hold, reason=f"{case.number} 审核不通过：{RejectReason(reason).label}")
    return case


@transaction.atomic
def review_return(*, case: Case, actor: User, message: str, expected_state: str | None = None) -> Case:
    """Return to the applicant with a message saying what is missing; the review clock pauses."""
    if not message.strip():
        raise CaseValidationError({"message": ["请填写需要申请人补充的内容"]})
    case, _ = transition_run(
        case=case,
        actor=actor,
        name="return_to_applicant",
        expected_state=expected_state,
        arguments={"on_date": sla.local_today()},
        note=message.strip(),
    )
    return case
