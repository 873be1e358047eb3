"""Intake: a request becomes a case (WeChat API and the hotline form share this path), and the
customer-side moves afterwards: more information supplied, withdrawal, staff cancellation, notes."""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django.contrib.auth.models import User
from django.db import transaction

from audit.services import audit_record
from cases import sla
from cases.errors import CasePermissionDenied, CaseValidationError
from cases.models import ApplicantRelation, Case, CaseEvent, CaseState, Channel, DocumentKind
from cases.selectors import case_visible_to
from cases.services._core import (
    event_record,
    transition_check,
    transition_run,
    transitions_record,
    warnings_record,
)
from cases.services.documents import (
    CheckedDocument,
    DocumentUpload,
    document_check,
    document_store,
    documents_check_totals,
)
from cases.services.numbers import case_number_next
from config.rows import insert_rows
from entitlements.errors import EntitlementError
from entitlements.models import Enrollment, Person, Service, TopHospital
from entitlements.models.catalog import IllnessCondition, NamedExpert, ServiceKind
from entitlements.rules import pick_rule
from entitlements.selectors import enrollment_pick, enrollments_for, entitlement_check
from entitlements.services import quota_hold_within, quota_record_usage, quota_release

# Notes on a case's timeline: the roles that work cases (intake, coordination) hold this.
NOTE_PERMISSION = "cases.add_caseevent"

INTAKE_FIELDS = frozenset(
    {
        "applicant_name",
        "applicant_relation",
        "applicant_phone",
        "province",
        "city",
        "preferred_hospital",
        "hospital_is_top50",
        "preferred_department",
        "preferred_date_from",
        "preferred_date_to",
        "named_expert",
        "diagnosis",
        "critical_illness",
        "suspected",
        "diagnosing_hospital",
        "diagnosing_hospital_level",
        "diagnosing_hospital_ownership",
        "claimed_amount",
        "claim_fee_kinds",
    }
)
REQUIRED = "此项为必填项"
# Which request field an entitlement refusal is about (the ledger names it when it refuses a hold).
REASON_FIELDS = {
    "not_beneficiary": "beneficiary",
    "designation_expired": "beneficiary",
    "family_barred": "beneficiary",
    "outside_period": "enrollment",
}


def hotline_refusal(service: Service) -> str | None:
    """四、服务申请 注: "如为重疾绿通类服务，因申请同时需提交病史资料，一般通过“太平洋寿险”微信公众号自助
    提交，95500 客服仅支持权益查询和服务咨询" — what the agent is told, or None."""
    if service.illness_condition == IllnessCondition.NONE:
        return None
    return (
        f"「{service.name}」为重疾绿通类服务，95500 热线仅支持权益查询和服务咨询：请引导客户通过"
        "“太平洋寿险”微信公众号-会员福利-太保蓝本自助提交（须同时提交病史资料）；"
        "客户已交来病史资料的，由后台录入"
    )


def _request_errors(
    *, service: Service, beneficiary: Person, details: dict, kinds: set[str], channel: str = ""
) -> dict:
    """Field errors of a request, all at once, before anything is written."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if service.kind == ServiceKind.USAGE:
        add("service", f"「{service.name}」为使用登记类服务，无需提交案件")
    if channel == Channel.HOTLINE and (refusal := hotline_refusal(service)):
        add("channel", refusal)
    guardian = details.get("applicant_relation", ApplicantRelation.SELF) != ApplicantRelation.SELF
    if guardian and not details.get("applicant_name"):
        add("applicant_name", "代为申请时须填写申请人姓名")
    if not details.get("city"):
        add("city", REQUIRED)
    start, end = details.get("preferred_date_from"), details.get("preferred_date_to")
    if start and end and start > end:
        add("preferred_date_to", "期望日期止不能早于期望日期起")
    _top50_errors(service, details, add)
    _illness_errors(service, details, kinds, add)
    if service.needs_admission_slip and DocumentKind.ADMISSION_SLIP not in kinds:
        add("documents", "该服务须上传住院单")
    if service.needs_invoice or service.kind == ServiceKind.REIMBURSEMENT:
        _claim_errors(service, details, kinds, add)
    return errors


def _illness_errors(service: Service, details: dict, kinds: set[str], add) -> None:
    # 手册第四条注: 重疾绿通类服务须同时提交病史资料 — whatever the channel, no medical record, no case.
    if service.illness_condition == IllnessCondition.NONE:
        return
    if not details.get("diagnosis"):
        add("diagnosis", "该服务须填写诊断")
    if not details.get("critical_illness") and not details.get("suspected"):
        add("critical_illness", "请选择重症疾病，或注明为疑似重疾")
    if DocumentKind.MEDICAL_RECORD not in kinds:
        add("documents", "该服务须上传病历资料")
    if service.illness_condition != IllnessCondition.REVIEWED:
        return
    for field in ("diagnosing_hospital", "diagnosing_hospital_level", "diagnosing_hospital_ownership"):
        if not details.get(field):
            add(field, "医学审核类服务须填写诊断医院信息")


def _top50_errors(service: Service, details: dict, add) -> None:
    """ "支持指定全国排名前 50 三甲医院" only where the service text says so, and only a hospital on the
    list product staff keep (TopHospital)."""
    if not details.get("hospital_is_top50"):
        return
    if not service.allows_top50_hospital:
        add("hospital_is_top50", f"「{service.name}」不支持指定全国排名前50三甲医院")
        return
    hospital = (details.get("preferred_hospital") or "").strip()
    if not hospital:
        add("preferred_hospital", "标记为全国前50三甲医院时须填写医院名称")
        return
    listed = top50_names()
    if listed and hospital not in listed:
        add("preferred_hospital", f"“{hospital}”不在全国前50三甲医院名单中")


def top50_names() -> set[str]:
    """Names and other names of the active top-50 list (empty: not configured)."""
    names: set[str] = set()
    for name, aliases in TopHospital.objects.filter(active=True).values_list("name", "aliases"):
        names.update([name, *(aliases or [])])
    return names


def _claim_errors(service: Service, details: dict, kinds: set[str], add) -> None:
    amount = details.get("claimed_amount")
    if amount is None:
        add("claimed_amount", "120急救补贴须填写申请金额")
    elif Decimal(amount) <= 0:
        add("claimed_amount", "申请金额须大于 0")
    if DocumentKind.INVOICE not in kinds:
        add("documents", "120急救补贴须上传发票")
    fee_kinds = details.get("claim_fee_kinds") or []
    unknown = [kind for kind in fee_kinds if kind not in service.claim_fee_kinds]
    if unknown:
        allowed = "、".join(service.claim_fee_kinds)
        add("claim_fee_kinds", f"费用类型“{'、'.join(unknown)}”不在报销范围内（{allowed}）")


def intake_warnings(*, service: Service, details: dict) -> list[str]:
    """What the agent is warned of without refusing the request."""
    warnings = []
    amount, cap = details.get("claimed_amount"), service.max_claim_amount
    if amount is not None and cap is not None and Decimal(amount) > cap:
        # "单次最高报销 200 元": the claim is taken, the reviewer approves at most the cap.
        warnings.append(f"申请金额{Decimal(amount):.2f}元超过单次最高报销{cap}元，核定金额不超过{cap}元")
    if details.get("hospital_is_top50") and service.allows_top50_hospital and not top50_names():
        warnings.append("全国前50三甲医院名单尚未配置，意向医院未核对名单")
    return warnings


def _checked_documents(documents: Sequence[DocumentUpload]) -> list[CheckedDocument]:
    documents_check_totals(uploads=documents)
    errors: list[str] = []
    checked = []
    for upload in documents:
        try:
            checked.append(document_check(upload=upload))
        except CaseValidationError as exc:
            errors.extend(exc.errors["documents"])
    if errors:
        raise CaseValidationError({"documents": errors})
    return checked


def _refusal(exc: EntitlementError) -> CaseValidationError:
    return CaseValidationError({exc.field or "service": [exc.message]}, code=exc.code)


def _enrollment_for(*, beneficiary: Person, service: Service, on: date) -> Enrollment:
    """The enrollment the system picks: the first with quota left, else the reason none fits."""
    picked = enrollment_pick(beneficiary=beneficiary, service=service, on=on)
    if picked is not None:
        return picked
    candidates = enrollments_for(beneficiary=beneficiary, on=on)
    if not candidates:
        raise CaseValidationError({"beneficiary": [f"{beneficiary.name}在{on.isoformat()}没有有效的服务权益"]},
                                  code="not_entitled")  # fmt: skip
    first = entitlement_check(enrollment=candidates[0], beneficiary=beneficiary, service=service, on=on)
    field = REASON_FIELDS.get(first.reason_code or "", "service")
    raise CaseValidationError({field: [first.reason or "没有可用的服务权益"]}, code=first.reason_code or "")


def _named_expert_check(*, enrollment: Enrollment, service: Service, on: date, details: dict) -> str:
    """The level of expert the entitlement lets the customer name ("" when none is named):
    无忧管家 专业版 "可指定专家", 尊享版 "可指定著名专家"."""
    if not details.get("named_expert"):
        return ""
    try:
        rule = pick_rule(enrollment=enrollment, service=service, on=on)
    except EntitlementError as exc:
        raise _refusal(exc) from exc
    if rule.named_expert == NamedExpert.NONE:
        raise CaseValidationError({"named_expert": ["该权益不可指定专家（仅无忧管家可指定）"]})
    return rule.named_expert


def _hold(case: Case, on: date):
    # Inside case_submit's transaction, which any refusal rolls back whole: no savepoint needed.
    try:
        return quota_hold_within(
            enrollment=case.enrollment, beneficiary=case.beneficiary, service=case.service, on=on, reference=case.number
        )
    except EntitlementError as exc:
        raise _refusal(exc) from exc


@transaction.atomic
def case_submit(**arguments: Any) -> Case:
    """Record a request as a case in a transaction of its own (a savepoint inside the caller's);
    the arguments and refusals are those of ``case_submit_within``."""
    return case_submit_within(**arguments)


def case_submit_within(
    *,
    actor: User,
    channel: str,
    beneficiary: Person,
    service: Service,
    enrollment: Enrollment | None = None,
    documents: Sequence[DocumentUpload] = (),
    note: str = "",
    on: date | None = None,
    **details: Any,
) -> Case:
    """Record a request as a case, hold one unit of quota and attach its documents.

    Services without 服务条件 are accepted at once (``skip_review``, shown as 无需医学审核 in the
    history) and their SLA clock starts; the others wait in the review queue. Any refusal raises
    before anything is kept: CaseValidationError with messages per field, CasePermissionDenied.

    Runs in the caller's transaction, which must roll back whenever this raises (the API view
    answers its refusals outside its atomic block): no savepoint of its own. ``case_submit`` is
    the same with a transaction or savepoint of its own.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("case_submit_within must run inside the caller's transaction")
    unknown = set(details) - INTAKE_FIELDS
    if unknown:
        raise TypeError(f"unknown case fields: {sorted(unknown)}")
    if not (actor and actor.has_perm("cases.submit_case")):
        raise CasePermissionDenied("您没有提交申请的权限")
    on = on or sla.local_today()
    checked = _checked_documents(documents)
    errors = _request_errors(
        service=service,
        beneficiary=beneficiary,
        details=details,
        kinds={c.upload.kind for c in checked},
        channel=channel,
    )
    if errors:
        raise CaseValidationError(errors)
    if enrollment is None:
        enrollment = _enrollment_for(beneficiary=beneficiary, service=service, on=on)
    named_expert_level = _named_expert_check(enrollment=enrollment, service=service, on=on, details=details)
    if not details.get("applicant_name"):
        details["applicant_name"] = beneficiary.name
    case = Case(
        number=case_number_next(),
        channel=channel,
        enrollment=enrollment,
        beneficiary=beneficiary,
        id_tail=beneficiary.id_number[-4:],
        service=service,
        named_expert_level=named_expert_level,
        # Hotline and back-office requests are keyed in by staff: who did it stays on the case.
        keyed_in_by=actor if channel in (Channel.HOTLINE, Channel.BACKOFFICE) else None,
        **details,
    )
    transition_check(case=case, actor=actor, name="submit")
    case.submit(on_date=on)
    case.quota_hold = _hold(case, on)
    if case.needs_review:
        result = sla.review_recompute(case)
        insert_rows([case])
        event_record(case=case, actor=actor, transition="submit", from_state=CaseState.NEW, note=note, notify=True)
    else:
        # Accepted at once (skip_review): the case is written once, in its final state, and its
        # history still shows both steps. Only the coordinators who dispatch it are told.
        transition_check(case=case, actor=actor, name="skip_review")
        case.skip_review(on_date=on)
        result = sla.sla_recompute(case)
        insert_rows([case])
        steps: list[tuple[str, str, str, str]] = [
            ("submit", CaseState.NEW, CaseState.SUBMITTED, note),
            ("skip_review", CaseState.SUBMITTED, case.state, "无需医学审核"),
        ]
        transitions_record(case=case, actor=actor, steps=steps)
    warnings_record(case=case, result=result)
    for message in intake_warnings(service=service, details=details):
        event_record(case=case, actor=None, kind=CaseEvent.Kind.WARNING, note=message)
    for document in checked:
        document_store(case=case, actor=actor, checked=document)
    return case


# 材料已补充 says what was supplied: a document, or a note (handed over at a branch, sent by post…).
RESUBMIT_EMPTY = "需要附上补充材料，或在“说明”中写明补充了什么"


@transaction.atomic
def case_resubmit(
    *,
    case: Case,
    actor: User,
    note: str = "",
    documents: Sequence[DocumentUpload] = (),
    expected_state: str | None = None,
) -> Case:
    """The applicant supplied what the reviewer asked for: back to review, the review clock resumes.
    Refused with neither a document nor a note saying what was supplied."""
    if not documents and not note.strip():
        raise CaseValidationError({"documents": [RESUBMIT_EMPTY]})
    checked = _checked_documents(documents)
    today = sla.local_today()
    result = sla.ClockResult()

    def arguments(locked: Case) -> dict:
        return {"paused_days": sla.paused_workdays(locked.review_paused_on, today, result) or 0}

    def clocks(locked: Case) -> sla.ClockResult:
        return sla.review_recompute(locked, result)

    case, _ = transition_run(
        case=case,
        actor=actor,
        name="resubmit",
        expected_state=expected_state,
        arguments=arguments,
        note=note,
        clocks=clocks,
    )
    for document in checked:
        document_store(case=case, actor=actor, checked=document)
    return case


def _release_hold(case: Case, reason: str) -> None:
    if case.quota_hold is not None:
        quota_release(hold=case.quota_hold, reason=f"{case.number} {reason}")


@transaction.atomic
def case_withdraw(*, case: Case, actor: User, note: str = "", expected_state: str | None = None) -> Case:
    """The customer withdraws before the service is arranged: the quota unit is given back."""
    case, _ = transition_run(case=case, actor=actor, name="withdraw", expected_state=expected_state, note=note)
    _release_hold(case, "客户撤回")
    return case


@transaction.atomic
def case_cancel(*, case: Case, actor: User, note: str, expected_state: str | None = None) -> Case:
    """Staff cancel a case before arrangement (duplicate, customer unreachable…): quota given back."""
    if not note.strip():
        raise CaseValidationError({"note": ["取消案件须说明原因"]})
    case, _ = transition_run(case=case, actor=actor, name="cancel", expected_state=expected_state, note=note)
    _release_hold(case, "取消")
    return case


@transaction.atomic
def case_add_note(*, case: Case, actor: User, note: str) -> CaseEvent:
    """A note on the timeline, visible to everyone who may see the case."""
    if not note.strip():
        raise CaseValidationError({"note": ["备注不能为空"]})
    if not case_visible_to(user=actor, case=case):
        raise CasePermissionDenied("您无权查看该案件")
    # Read-only roles (management; reviewers, whose notes travel with their decisions) add none.
    if not cast(Any, actor).has_perm(NOTE_PERMISSION):
        raise CasePermissionDenied("当前角色不能添加备注（cases.add_caseevent）")
    event = event_record(case=case, actor=actor, kind=CaseEvent.Kind.NOTE, note=note.strip())
    audit_record(actor=actor, action="case_note", obj=case, summary=f"添加备注 {case.number}")
    return event


@transaction.atomic
def usage_record(
    *,
    actor: User,
    enrollment: Enrollment,
    beneficiary: Person,
    service: Service,
    on: date | None = None,
    reference: str = "",
):
    """Usage-only services (健康咨询, 视频医生, coupons…) make no case: each use is recorded
    against the quota at once."""
    if not (actor and actor.has_perm("cases.submit_case")):
        raise CasePermissionDenied("您没有登记服务使用的权限")
    if service.kind != ServiceKind.USAGE:
        raise CaseValidationError({"service": [f"「{service.name}」须提交案件办理，不能直接登记使用"]})
    try:
        return quota_record_usage(
            enrollment=enrollment,
            beneficiary=beneficiary,
            service=service,
            on=on or sla.local_today(),
            reference=reference,
        )
    except EntitlementError as exc:
        raise _refusal(exc) from exc
