"""Reads of the cases app: who may see a case, the review queue, the timeline, the actions offered."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from cases.models import Case, CaseEvent, DocumentKind
from cases.workflow import ACTIONS, Place

# Staff holding any of these see every case; a provider's user sees only the cases currently
# dispatched to its provider (the insurer hands them requests, nothing else).
STAFF_PERMISSIONS = (
    "view_case",
    "submit_case",
    "withdraw_case",
    "review_case",
    "dispatch_case",
    "arrange_case",
    "close_case",
    "pay_claim",
)


def user_is_case_staff(*, user) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    return any(user.has_perm(f"cases.{code}") for code in STAFF_PERMISSIONS)


def _provider_of(user):
    member = getattr(user, "provider_member", None)
    return member.provider if member is not None and member.active else None


def cases_visible_to(*, user) -> QuerySet[Case]:
    if user_is_case_staff(user=user):
        return Case.objects.all()
    provider = _provider_of(user) if user and user.is_authenticated else None
    if provider is None or not user.has_perm("cases.provider_act"):
        return Case.objects.none()
    # Only while the case is (still) theirs: a re-dispatched or declined case leaves their view.
    return Case.objects.filter(dispatches__provider=provider, dispatches__active=True).distinct()


def case_visible_to(*, user, case: Case) -> bool:
    return cases_visible_to(user=user).filter(pk=case.pk).exists()


def case_timeline(*, case: Case) -> list[CaseEvent]:
    return list(case.events.select_related("actor").order_by("at", "id"))


def case_available_actions(*, case: Case, user, place: Place | None = None) -> list[str]:
    """The workflow table's actions (offered at ``place``, or anywhere a person takes them) that the
    case's state allows and the user may perform. Conditions are checked when the action is taken,
    so an incomplete checklist still shows the button and explains itself; a structural condition
    (the case's kind) hides the action, and so does the holder: another reviewer's case offers
    接手审核 instead of the decisions."""
    names = []
    for row in ACTIONS.values():
        if not row.places or (place is not None and place not in row.places):
            continue
        meta = getattr(Case, row.name)._django_fsm
        if not (meta.has_transition(case.state) and meta.has_transition_perm(case, case.state, user)):
            continue
        structural = [c for c in meta.get_transition(case.state).conditions if getattr(c, "structural", False)]
        # 接手审核 is offered only when someone else holds the case (nobody's case is simply decided).
        unheld_take_over = row.holder == "another" and case.holder_id is None
        if row.fits_holder(case, user) and not unheld_take_over and all(c(case) for c in structural):
            names.append(row.name)
    return names


def review_hints(*, case: Case) -> dict[str, str]:
    """What the request says about each checklist item, shown beside the reviewer's tick boxes.

    Hints, not decisions: the reviewer reads the documents and ticks; nothing is ticked for them."""
    level = case.diagnosing_hospital_level
    public = case.diagnosing_hospital_ownership == "public"
    hospital = " · ".join(
        [
            case.diagnosing_hospital or _("未填"),
            case.get_diagnosing_hospital_level_display() or _("等级未填"),
            case.get_diagnosing_hospital_ownership_display() or _("性质未填"),
        ]
    )
    hospital += _("（符合二级及以上公立）") if level and level >= 2 and public else _("（不符合或未填，请核对）")
    if case.critical_illness_id:
        disease = _("申请所列：%(illness)s（在重症疾病范围列表内）") % {"illness": case.critical_illness}
    elif case.suspected:
        disease = _("申请注明为疑似重疾，请核对诊断材料")
    else:
        disease = _("未选择重症疾病，也未注明疑似")
    uploaded = {d.kind for d in case.documents.all()}
    kinds = sorted({str(DocumentKind(kind).label) for kind in uploaded if kind in DocumentKind.values})
    needed = [DocumentKind.MEDICAL_RECORD] + (
        [DocumentKind.ADMISSION_SLIP] if case.service.needs_admission_slip else []
    )
    missing = [str(kind.label) for kind in needed if kind not in uploaded]
    documents = _("已上传：%(kinds)s") % {"kinds": "、".join(kinds) or _("无")}
    if missing:
        documents += _("；缺少：%(kinds)s") % {"kinds": "、".join(missing)}
    return {
        "check_hospital_level": hospital,
        "check_specialist_diagnosis": _("诊断：%(diagnosis)s（请在病历中核对专科医生）")
        % {"diagnosis": case.diagnosis or _("未填")},
        "check_disease_listed": disease,
        "check_documents_complete": documents,
    }
