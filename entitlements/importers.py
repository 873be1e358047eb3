"""Feeds from the core policy system: enrollments and family designations as UTF-8 CSV.

One transaction per row: a bad row is reported with its line number, field and reason and writes
nothing, the good rows go in; a second import of the same file changes nothing. The management
commands and the admin import page both call these functions.
"""

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypedDict

from django.core.exceptions import ValidationError
from django.db import transaction

from entitlements.models import Edition, Enrollment, FamilyDesignation, Person, Policy
from entitlements.services import enrollment_upsert, family_designate, person_upsert, policy_upsert

ENROLLMENT_COLUMNS = (
    "policy_no", "product_name", "product_category", "insured_name", "insured_id_number", "insured_gender",
    "insured_birth_date", "insured_phone", "effective_date", "payment_term_years", "payment_mode",
    "annual_premium", "sum_insured", "cooling_off_days", "edition_series", "edition_plan", "edition_tier",
    "qualified_on", "upgraded",
)  # fmt: skip
FAMILY_COLUMNS = (
    "insured_id_number", "policy_no", "edition_series", "edition_plan", "edition_tier", "member_name",
    "member_id_number", "member_gender", "member_birth_date", "relation", "designated_on",
)  # fmt: skip
# Optional columns: the qualifying policy's status and the day it took effect (absent: unchanged).
ENROLLMENT_OPTIONAL_COLUMNS = ("policy_status", "policy_status_date")
POLICY_STATUSES = ("in_force", "lapsed", "surrendered", "terminated")
CATEGORIES = ("critical_illness", "other", "health")
PAYMENT_MODES = ("annual", "single")
GENDERS = ("M", "F")
BOOLEANS = {"true": True, "false": False}


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"第{self.line}行 {self.field}：{self.reason}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return f"新增 {self.created} 行，更新 {self.updated} 行，未变 {self.unchanged} 行，错误 {len(self.errors)} 行"


class RowInvalid(Exception):
    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field_name
        self.reason = reason


# ---------------------------------------------------------------- cell parsers


def _text(row: dict, name: str, *, required: bool = True) -> str:
    value = (row.get(name) or "").strip()
    if required and not value:
        raise RowInvalid(name, "不能为空")
    return value


def _date(row: dict, name: str) -> date:
    value = _text(row, name)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RowInvalid(name, f"日期“{value}”无效，应为 YYYY-MM-DD") from None


def _int(row: dict, name: str, minimum: int = 0) -> int:
    value = _text(row, name)
    if not value.isdigit() or int(value) < minimum:
        raise RowInvalid(name, f"“{value}”应为不小于{minimum}的整数")
    return int(value)


def _money(row: dict, name: str) -> Decimal:
    value = _text(row, name)
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise RowInvalid(name, f"金额“{value}”无效") from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise RowInvalid(name, f"金额“{value}”应为非负数，最多两位小数")
    return amount.quantize(Decimal("0.01"))


def _choice(row: dict, name: str, choices: Iterable[str]) -> str:
    value = _text(row, name)
    if value not in choices:
        raise RowInvalid(name, f"“{value}”不是可选值（{'|'.join(choices)}）")
    return value


def _bool(row: dict, name: str) -> bool:
    value = _text(row, name).lower()
    if value not in BOOLEANS:
        raise RowInvalid(name, f"“{value}”应为 true 或 false")
    return BOOLEANS[value]


def _edition(row: dict) -> Edition:
    series, plan = _text(row, "edition_series"), _text(row, "edition_plan")
    tier_text = _text(row, "edition_tier", required=False)
    if tier_text and not tier_text.isdigit():
        raise RowInvalid("edition_tier", f"档次“{tier_text}”应为数字或留空")
    tier = int(tier_text) if tier_text else None
    edition = Edition.objects.filter(series=series, plan=plan, tier=tier).first()
    if edition is None:
        field_name = "edition_tier" if Edition.objects.filter(series=series, plan=plan).exists() else "edition_plan"
        if not Edition.objects.filter(series=series).exists():
            field_name = "edition_series"
        raise RowInvalid(field_name, f"目录中没有版本档次 {series}/{plan}/{tier_text or '无档次'}")
    return edition


# ---------------------------------------------------------------- rows


class _PolicyTerms(TypedDict):
    """The row's policy terms, read before anything is written: ``policy_upsert``'s keywords."""

    product_name: str
    category: str
    annual_premium: Decimal
    sum_insured: Decimal
    effective_date: date
    payment_term_years: int
    payment_mode: str
    cooling_off_days: int


def _enrollment_row(row: dict) -> Enrollment:
    person = person_upsert(
        id_number=_text(row, "insured_id_number"),
        name=_text(row, "insured_name"),
        gender=_choice(row, "insured_gender", GENDERS),
        birth_date=_date(row, "insured_birth_date"),
        phone=_text(row, "insured_phone", required=False),
        field_prefix="insured_",
    )
    policy_no = _text(row, "policy_no")
    if Policy.objects.filter(policy_no=policy_no).exclude(insured=person).exists():
        raise RowInvalid("policy_no", "该保单号已属于另一位被保险人")
    values: _PolicyTerms = {
        "product_name": _text(row, "product_name"),
        "category": _choice(row, "product_category", CATEGORIES),
        "annual_premium": _money(row, "annual_premium"),
        "sum_insured": _money(row, "sum_insured"),
        "effective_date": _date(row, "effective_date"),
        "payment_term_years": _int(row, "payment_term_years", minimum=1),
        "payment_mode": _choice(row, "payment_mode", PAYMENT_MODES),
        "cooling_off_days": _int(row, "cooling_off_days") if _text(row, "cooling_off_days", required=False) else 15,
    }
    status = _policy_status(row)
    edition, qualified_on, upgraded = _edition(row), _date(row, "qualified_on"), _bool(row, "upgraded")
    policy = policy_upsert(policy_no=policy_no, insured=person, **values, **status)
    return enrollment_upsert(
        insured=person, policy=policy, edition=edition, qualified_on=qualified_on, upgraded=upgraded
    )


def _policy_status(row: dict) -> dict[str, Any]:
    if not _text(row, "policy_status", required=False):
        return {}
    status = _choice(row, "policy_status", POLICY_STATUSES)
    if status == "in_force":
        return {"status": status}
    if not _text(row, "policy_status_date", required=False):
        raise RowInvalid("policy_status_date", "保单已失效、退保或终止时须填写其日期")
    return {"status": status, "status_on": _date(row, "policy_status_date")}


def _family_row(row: dict):
    insured = Person.objects.filter(id_number=_text(row, "insured_id_number").upper()).first()
    if insured is None:
        raise RowInvalid("insured_id_number", "未找到该被保险人，请先导入其服务权益")
    policy = Policy.objects.filter(policy_no=_text(row, "policy_no"), insured=insured).first()
    if policy is None:
        raise RowInvalid("policy_no", "未找到该被保险人的此保单")
    enrollment = Enrollment.objects.filter(insured=insured, policy=policy, edition=_edition(row)).first()
    if enrollment is None:
        raise RowInvalid("edition_tier", "该被保险人未通过此保单持有该版本档次")
    relation, designated_on = _text(row, "relation"), _date(row, "designated_on")
    member = person_upsert(
        id_number=_text(row, "member_id_number"),
        name=_text(row, "member_name"),
        gender=_choice(row, "member_gender", GENDERS),
        birth_date=_date(row, "member_birth_date"),
        field_prefix="member_",
    )
    return family_designate(enrollment=enrollment, member=member, relation=relation, designated_on=designated_on)


# ---------------------------------------------------------------- fingerprints (created / updated / unchanged)


def _enrollment_state(row: dict) -> Any:
    tier = (row.get("edition_tier") or "").strip()
    enrollments = Enrollment.objects.select_related("policy", "insured").filter(
        policy__policy_no=(row.get("policy_no") or "").strip(),
        edition__series=(row.get("edition_series") or "").strip(),
        edition__plan=(row.get("edition_plan") or "").strip(),
        edition__tier=int(tier) if tier.isdigit() else None,
    )
    return [
        (e.pk, e.qualified_on, e.upgraded, e.service_end, e.policy.updated_at, e.insured.updated_at)
        for e in enrollments
    ]


def _family_state(row: dict) -> Any:
    designations = FamilyDesignation.objects.select_related("member").filter(
        member__id_number=(row.get("member_id_number") or "").strip().upper()
    )
    return [(d.pk, d.relation, d.valid_until, d.member.updated_at) for d in designations]


# ---------------------------------------------------------------- driver


def _field_of(error: ValidationError) -> tuple[str, str]:
    if hasattr(error, "error_dict"):
        name, messages = next(iter(error.message_dict.items()))
        return ("row" if name == "__all__" else name), "；".join(messages)
    return "row", "；".join(error.messages)


def _enrollment_key(row: dict) -> tuple:
    return tuple(
        (row.get(name) or "").strip() for name in ("policy_no", "edition_series", "edition_plan", "edition_tier")
    )


def _family_key(row: dict) -> tuple:
    names = ("insured_id_number", "policy_no", "edition_series", "edition_plan", "edition_tier", "member_id_number")
    return tuple((row.get(name) or "").strip().upper() for name in names)


def _duplicates(rows: list[tuple[int, dict]], key: Callable[[dict], tuple]) -> dict[int, RowError]:
    """Rows that say the same thing twice in one file, by line.

    An exact repeat is ignored after its first line; rows with the same key but different content
    contradict each other, and none of them is imported — the feed must say which one is right."""
    seen: dict[tuple, list[tuple[int, dict]]] = {}
    for line, row in rows:
        seen.setdefault(key(row), []).append((line, row))
    errors: dict[int, RowError] = {}
    for group in (g for g in seen.values() if len(g) > 1):
        lines = [line for line, _ in group]
        contents = {tuple(sorted((k, (v or "").strip()) for k, v in row.items() if k)) for _, row in group}
        if len(contents) == 1:
            for line in lines[1:]:
                errors[line] = RowError(line, "row", f"与第{lines[0]}行完全重复，已忽略")
            continue
        for line in lines:
            others = "、".join(str(other) for other in lines if other != line)
            errors[line] = RowError(line, "row", f"与第{others}行是同一记录但内容不同，均未导入")
    return errors


def _run(
    stream: Iterable[str],
    columns: tuple[str, ...],
    handle: Callable[[dict], Any],
    state: Callable[[dict], Any],
    key: Callable[[dict], tuple],
) -> ImportReport:
    report = ImportReport()
    reader = csv.DictReader(stream)
    header = [name.strip().lstrip("\ufeff") for name in (reader.fieldnames or [])]
    missing = [name for name in columns if name not in header]
    if missing:
        report.errors.append(RowError(1, "、".join(missing), "表头缺少这些列"))
        return report
    reader.fieldnames = header
    rows = [(reader.line_num, row) for row in reader]
    duplicates = _duplicates(rows, key)
    for line, row in rows:
        if line in duplicates:
            report.errors.append(duplicates[line])
            continue
        _import_row(report, line, row, handle, state)
    return report


def _import_row(report: ImportReport, line: int, row: dict, handle, state) -> None:
    before = state(row)
    try:
        with transaction.atomic():
            handle(row)
    except RowInvalid as exc:
        report.errors.append(RowError(line, exc.field, exc.reason))
        return
    except ValidationError as exc:
        report.errors.append(RowError(line, *_field_of(exc)))
        return
    after = state(row)
    if not before:
        report.created += 1
    elif before == after:
        report.unchanged += 1
    else:
        report.updated += 1


def enrollments_import(*, stream: Iterable[str]) -> ImportReport:
    """Import ``import_enrollments`` CSV lines (header included)."""
    return _run(stream, ENROLLMENT_COLUMNS, _enrollment_row, _enrollment_state, _enrollment_key)


def family_import(*, stream: Iterable[str]) -> ImportReport:
    """Import ``import_family`` CSV lines (header included)."""
    return _run(stream, FAMILY_COLUMNS, _family_row, _family_state, _family_key)
