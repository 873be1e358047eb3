"""The medical review checklist compared with what the case records.

Each item is pre-filled from the recorded facts, and an item the facts contradict cannot be
ticked into an approval: a 一级 or 民营 diagnosing hospital is not "二级及以上公立医院", and a
disease off the critical-illness list (重症疾病范围列表) is not "在重症范围内". The refusal names the
item, so the page shows it beside that item.
"""

from __future__ import annotations

from cases.models import Case, DocumentKind, HospitalLevel, HospitalOwnership

ITEMS = {
    "check_hospital_level": "二级及以上公立医院诊断",
    "check_specialist_diagnosis": "专科医生诊断",
    "check_disease_listed": "疾病在重症疾病范围列表内（或服务允许的疑似）",
    "check_documents_complete": "材料齐全",
}


def _documents_missing(case: Case) -> list[str]:
    kinds = {d.kind for d in case.documents.all()}
    needed = [DocumentKind.MEDICAL_RECORD] + (
        [DocumentKind.ADMISSION_SLIP] if case.service.needs_admission_slip else []
    )
    return [str(kind.label) for kind in needed if kind not in kinds]


def checklist_contradictions(*, case: Case) -> dict[str, str]:
    """The items the recorded facts contradict, each with the reason."""
    found: dict[str, str] = {}
    hospital = case.diagnosing_hospital or "诊断医院"
    if case.diagnosing_hospital_level == HospitalLevel.LEVEL_1:
        found["check_hospital_level"] = f"案件记录「{hospital}」为一级医院，不符合二级及以上公立医院"
    elif case.diagnosing_hospital_ownership == HospitalOwnership.PRIVATE:
        found["check_hospital_level"] = f"案件记录「{hospital}」为民营医院，不符合二级及以上公立医院"
    illness = case.critical_illness
    if illness is not None and not illness.active:
        found["check_disease_listed"] = f"案件所列疾病「{illness}」不在重症疾病范围列表内"
    elif illness is None and not case.suspected:
        found["check_disease_listed"] = "案件未选择重症疾病范围列表内的疾病，也未注明疑似"
    missing = _documents_missing(case)
    if missing:
        found["check_documents_complete"] = f"缺少：{'、'.join(missing)}"
    return found


def checklist_prefill(*, case: Case) -> dict[str, bool]:
    """The ticks the recorded facts support; the reviewer confirms them against the documents.
    The specialist's diagnosis is read in the record, never inferred."""
    contradicted = checklist_contradictions(case=case)
    level, ownership = case.diagnosing_hospital_level, case.diagnosing_hospital_ownership
    facts = {
        "check_hospital_level": bool(level and level >= 2 and ownership == HospitalOwnership.PUBLIC),
        "check_specialist_diagnosis": False,
        "check_disease_listed": case.critical_illness_id is not None or case.suspected,
        "check_documents_complete": True,
    }
    return {item: facts[item] and item not in contradicted for item in ITEMS}


def checklist_refusals(*, case: Case) -> dict[str, list[str]]:
    """Why the case's ticks cannot approve it, per item: a contradicted tick, an unticked item."""
    contradicted = checklist_contradictions(case=case)
    errors: dict[str, list[str]] = {item: [reason] for item, reason in contradicted.items()}
    for item, label in ITEMS.items():
        if not getattr(case, item) and item not in errors:
            errors[item] = [f"未勾选「{label}」"]
    return errors
