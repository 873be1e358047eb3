"""Writes for people, policies, enrollments and family designations (the core-system feed and the
admin both go through here)."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from stdnum.cn import ric

from entitlements.models import Edition, Enrollment, FamilyDesignation, Person, Policy
from entitlements.models.people import normalize_id_number, validate_id_number

DEFAULT_FAMILY_RELATIONS = ("spouse", "parent", "child")


def family_relations() -> tuple[str, ...]:
    """直系亲属 as configured (settings.LANBEN_FAMILY_RELATIONS); the handbook names spouse,
    parents and children."""
    return tuple(getattr(settings, "LANBEN_FAMILY_RELATIONS", DEFAULT_FAMILY_RELATIONS))


def _apply(obj, values: dict) -> bool:
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    return bool(changed)


def _check_identity(id_number: str, gender: str, birth_date: date, prefix: str) -> None:
    try:
        validate_id_number(id_number)
    except ValidationError as exc:
        raise ValidationError({f"{prefix}id_number": exc.messages}) from exc
    if ric.get_birth_date(id_number) != birth_date:
        raise ValidationError(
            {f"{prefix}birth_date": f"出生日期与身份证号不符（身份证为{ric.get_birth_date(id_number)}）"}
        )
    # GB 11643: the 17th digit is odd for men, even for women.
    expected = "M" if int(id_number[16]) % 2 else "F"
    if gender != expected:
        raise ValidationError({f"{prefix}gender": "性别与身份证号不符"})


@transaction.atomic
def person_upsert(
    *,
    id_number: str,
    name: str,
    gender: str,
    birth_date: date,
    phone: str = "",
    address: str | None = None,
    social_insurance: str | None = None,
    field_prefix: str = "",
) -> Person:
    """Create or update a person by ID number; the ID's check digit, birth date and gender must agree."""
    id_number = normalize_id_number(id_number)
    _check_identity(id_number, gender, birth_date, field_prefix)
    if not name.strip():
        raise ValidationError({f"{field_prefix}name": "姓名不能为空"})
    values = {"name": name.strip(), "gender": gender, "birth_date": birth_date}
    if phone:
        values["phone"] = phone
    if address is not None:
        values["address"] = address
    if social_insurance is not None:
        values["social_insurance"] = social_insurance
    person = Person.objects.select_for_update().filter(id_number=id_number).first()
    if person is None:
        return Person.objects.create(id_number=id_number, **values)
    if _apply(person, values):
        person.full_clean()
        person.save()
    return person


@transaction.atomic
def policy_upsert(
    *,
    policy_no: str,
    insured: Person,
    product_name: str,
    category: str,
    annual_premium: Decimal,
    sum_insured: Decimal,
    effective_date: date,
    payment_term_years: int,
    payment_mode: str,
    cooling_off_days: int = 15,
) -> Policy:
    """Create or update a policy by number, as the core policy system reports it."""
    values = {
        "insured": insured,
        "product_name": product_name,
        "category": category,
        "annual_premium": annual_premium.quantize(Decimal("0.01")),
        "sum_insured": sum_insured.quantize(Decimal("0.01")),
        "effective_date": effective_date,
        "payment_term_years": payment_term_years,
        "payment_mode": payment_mode,
        "cooling_off_days": cooling_off_days,
    }
    policy = Policy.objects.select_for_update().filter(policy_no=policy_no).first()
    if policy is None:
        policy = Policy(policy_no=policy_no, **values)
    elif not _apply(policy, values):
        return policy
    policy.full_clean()
    policy.save()
    for enrollment in policy.enrollments.select_related("edition", "policy"):
        _save_enrollment(enrollment)
    return policy


def _save_enrollment(enrollment: Enrollment) -> Enrollment:
    period = enrollment.period()
    if period.start > period.end:
        raise ValidationError(
            {"qualified_on": f"服务期为空（{period.start.isoformat()}晚于{period.end.isoformat()}），请核对日期"}
        )
    enrollment.save()
    # A changed period moves the family designations' end with it (never beyond the insured's).
    for designation in enrollment.designations.all():
        designation.enrollment = enrollment
        designation.save()
    return enrollment


@transaction.atomic
def enrollment_upsert(
    *, insured: Person, policy: Policy, edition: Edition, qualified_on: date, upgraded: bool = False
) -> Enrollment:
    """Create or update the enrollment of ``insured`` in ``edition`` through ``policy``; the service
    period is recomputed from the edition's rule."""
    if policy.insured_id != insured.pk:
        raise ValidationError({"policy_no": "达标保单的被保险人不是该客户"})
    enrollment = Enrollment.objects.select_for_update().filter(insured=insured, policy=policy, edition=edition).first()
    values = {"qualified_on": qualified_on, "upgraded": upgraded}
    if enrollment is None:
        return _save_enrollment(Enrollment(insured=insured, policy=policy, edition=edition, **values))
    if _apply(enrollment, values):
        _save_enrollment(enrollment)
    return enrollment


def _check_designation(enrollment: Enrollment, member: Person, relation: str, designated_on: date) -> None:
    edition = enrollment.edition
    if not edition.allows_family:
        raise ValidationError({"edition_tier": f"{edition}不可指定直系亲属"})
    if relation not in family_relations():
        allowed = "、".join(family_relations())
        raise ValidationError({"relation": f"仅限直系亲属（{allowed}），不接受“{relation}”"})
    if member.pk == enrollment.insured_id:
        raise ValidationError({"member_id_number": "被保险人本人无需指定为直系亲属"})
    if not enrollment.is_active(designated_on):
        raise ValidationError({"designated_on": "指定日不在被保险人的服务期内"})


def _active_designations(enrollment: Enrollment, on: date) -> list[FamilyDesignation]:
    return [d for d in enrollment.designations.all() if d.is_active(on)]


@transaction.atomic
def family_designate(
    *, enrollment: Enrollment, member: Person, relation: str, designated_on: date
) -> FamilyDesignation:
    """Designate an immediate family member (2档: up to 3, 3档: up to 5, counted on the day).

    Re-designating the same member on the same day updates the relation; a replacement keeps no
    quota of the member it replaces, and a member ended and designated again keeps what he used.
    """
    # Lock the enrollment so two designations on the same day cannot both take the last seat.
    enrollment = Enrollment.objects.select_for_update().select_related("edition").get(pk=enrollment.pk)
    _check_designation(enrollment, member, relation, designated_on)
    same = enrollment.designations.filter(member=member, designated_on=designated_on).first()
    if same is not None:
        if _apply(same, {"relation": relation}):
            same.save()
        return same
    active = _active_designations(enrollment, designated_on)
    if any(d.member_id == member.pk for d in active):
        raise ValidationError({"member_id_number": f"{member.name}已是有效的指定直系亲属"})
    if len(active) >= enrollment.edition.max_family_members:
        raise ValidationError(
            {"member_id_number": f"{enrollment.edition}最多指定{enrollment.edition.max_family_members}名直系亲属，已满"}
        )
    return FamilyDesignation.objects.create(
        enrollment=enrollment, member=member, relation=relation, designated_on=designated_on
    )


@transaction.atomic
def family_designation_end(*, designation: FamilyDesignation, ended_on: date) -> FamilyDesignation:
    """End a designation (the member is replaced or removed); from ``ended_on`` he may no longer
    use services. What he used stays counted."""
    designation = (
        FamilyDesignation.objects.select_for_update().select_related("enrollment__edition").get(pk=designation.pk)
    )
    if ended_on <= designation.designated_on:
        raise ValidationError({"ended_on": "终止日须晚于指定日"})
    designation.ended_on = ended_on
    designation.save(update_fields=["ended_on", "updated_at"])
    return designation
