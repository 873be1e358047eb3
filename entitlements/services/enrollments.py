"""Writes for people, policies, enrollments and family designations (the core-system feed and the
admin both go through here)."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from stdnum.cn import ric

from entitlements import periods
from entitlements.models import Edition, Enrollment, FamilyDesignation, Person, Policy, PolicyStatus, Relation
from entitlements.models.people import normalize_id_number, validate_id_number
from entitlements.signals import policy_ended

DEFAULT_FAMILY_RELATIONS = ("spouse", "parent", "child")


def family_relations() -> tuple[str, ...]:
    """直系亲属 as configured (settings.LANBEN_FAMILY_RELATIONS); the handbook names spouse,
    parents and children."""
    return tuple(getattr(settings, "LANBEN_FAMILY_RELATIONS", DEFAULT_FAMILY_RELATIONS))


def _relation_label(code: str) -> str:
    """The Chinese name of a relation code (配偶、父母、子女), or the code as given when unknown."""
    return str(dict(Relation.choices).get(code, code))


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
    status: str | None = None,
    status_on: date | None = None,
) -> Policy:
    """Create or update a policy by number, as the core policy system reports it.

    A policy that ends (失效、退保、终止 on ``status_on``) ends the service periods it qualifies
    the day before; the open cases drawing on them are flagged (``policy_ended``). Without a
    ``status`` the policy keeps the one it has (a new one is in force)."""
    if status is not None:
        _check_status(status, status_on, effective_date)
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
    if status is not None:
        values["status"] = status
        values["status_on"] = status_on if status != PolicyStatus.IN_FORCE else None
    policy = Policy.objects.select_for_update().filter(policy_no=policy_no).first()
    ended_before = policy.ended_on if policy is not None else None
    if policy is None:
        policy = Policy(policy_no=policy_no, **values)
    elif not _apply(policy, values):
        return policy
    policy.full_clean()
    policy.save()
    for enrollment in policy.enrollments.select_related("edition", "policy"):
        _save_enrollment(enrollment)
    if policy.ended_on is not None and policy.ended_on != ended_before:
        policy_ended.send(sender=Policy, policy=policy, ended_on=policy.ended_on)
    return policy


def _check_status(status: str, status_on: date | None, effective_date: date) -> None:
    if status not in PolicyStatus.values:
        raise ValidationError({"policy_status": f"保单状态“{status}”不是可选值（{'|'.join(PolicyStatus.values)}）"})
    if status == PolicyStatus.IN_FORCE:
        return
    if status_on is None:
        label = PolicyStatus(status).label
        raise ValidationError({"policy_status_date": f"保单{label}须注明{label}日期"})
    if status_on < effective_date:
        raise ValidationError({"policy_status_date": "保单状态日期不能早于生效日"})


def _save_enrollment(enrollment: Enrollment) -> Enrollment:
    period = enrollment.period()
    # A policy that ended before the service began leaves an empty period: that is the fact, not
    # a mistake in the dates.
    if period.start > period.end and enrollment.policy.ended_on is None:
        raise ValidationError(
            {"qualified_on": f"服务期为空（{period.start.isoformat()}晚于{period.end.isoformat()}），请核对日期"}
        )
    enrollment.save()
    # A changed period moves the family designations' end with it (never beyond the insured's).
    for designation in enrollment.designations.all():
        designation.enrollment = enrollment
        designation.save()
    return enrollment


def qualifying_year_error(*, edition: Edition, qualified_on: date) -> str | None:
    """一、服务内容 "按客户达标年度提供对应版本": why ``edition`` cannot serve a customer who qualified
    on ``qualified_on`` (the 2019–2022 editions serve their own year only, the 2023 series 2023
    onwards), or None."""
    if edition.serves_qualifying_year(qualified_on.year):
        return None
    return (
        f"{qualified_on.year}年达标的客户不适用{edition}（该版本仅适用于{edition.qualifying_years_text}，"
        "按客户达标年度提供对应版本）"
    )


@transaction.atomic
def enrollment_upsert(
    *, insured: Person, policy: Policy, edition: Edition, qualified_on: date, upgraded: bool = False
) -> Enrollment:
    """Create or update the enrollment of ``insured`` in ``edition`` through ``policy``; the service
    period is recomputed from the edition's rule."""
    if policy.insured_id != insured.pk:
        raise ValidationError({"policy_no": "达标保单的被保险人不是该客户"})
    if error := qualifying_year_error(edition=edition, qualified_on=qualified_on):
        raise ValidationError({"qualified_on": error})
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
        allowed = "、".join(_relation_label(code) for code in family_relations())
        raise ValidationError({"relation": f"仅限直系亲属（{allowed}），不接受“{_relation_label(relation)}”"})
    if member.pk == enrollment.insured_id:
        raise ValidationError({"member_id_number": "被保险人本人无需指定为直系亲属"})
    if not enrollment.is_active(designated_on):
        raise ValidationError({"designated_on": "指定日不在被保险人的服务期内"})


def _active_designations(enrollment: Enrollment, on: date) -> list[FamilyDesignation]:
    return [d for d in enrollment.designations.all() if d.is_active(on)]


def _check_family_limit(enrollment: Enrollment, member: Person, designated_on: date) -> None:
    """ "直系亲属：不超过3年" runs from the member's first designation on this enrollment: a later
    designation may fall inside that window, never extend it."""
    years = enrollment.edition.family_max_years
    earlier = enrollment.designations.filter(member=member).order_by("designated_on").first()
    if years is None or earlier is None:
        return
    first = min(earlier.designated_on, designated_on)
    last = periods.years_span(first, years)
    if designated_on > last:
        raise ValidationError(
            {
                "designated_on": f"{member.name}自{first.isoformat()}首次被指定，直系亲属服务期不超过{years}年"
                f"（至{last.isoformat()}），{designated_on.isoformat()}再次指定不能延长"
            }
        )


def _replaced_seat(enrollment: Enrollment, designated_on: date) -> FamilyDesignation | None:
    """The seat a newcomer takes when the service year has already seen every seat filled: the
    earliest designation ended in this year and not yet taken over (DOMAIN: replacing a member
    never restores quota already used in that year)."""
    year_start, _ = enrollment.service_year(designated_on)
    in_year = [
        d for d in enrollment.designations.all() if d.last_day >= year_start and d.designated_on <= designated_on
    ]
    if len({d.member_id for d in in_year}) < enrollment.edition.max_family_members:
        return None
    ended = [d for d in in_year if d.ended_on is not None and d.ended_on <= designated_on]
    free = [d for d in ended if not FamilyDesignation.objects.filter(replaces=d).exists()]
    return min(free, key=lambda d: (d.ended_on, d.pk), default=None)


@transaction.atomic
def family_designate(
    *, enrollment: Enrollment, member: Person, relation: str, designated_on: date
) -> FamilyDesignation:
    """Designate an immediate family member (2档: up to 3, 3档: up to 5, counted on the day).

    Re-designating the same member on the same day updates the relation. A member's entitlement
    lasts at most ``family_max_years`` from his first designation here; a designation that would
    extend it is refused. A replacement designated in the seat of a member ended in the same
    service year continues that member's usage of the year; a member ended and designated again
    keeps what he used.
    """
    # Lock the enrollment so two designations on the same day cannot both take the last seat.
    enrollment = Enrollment.objects.select_for_update().select_related("edition").get(pk=enrollment.pk)
    _check_designation(enrollment, member, relation, designated_on)
    same = enrollment.designations.filter(member=member, designated_on=designated_on).first()
    if same is not None:
        if _apply(same, {"relation": relation}):
            same.save()
        return same
    _check_family_limit(enrollment, member, designated_on)
    active = _active_designations(enrollment, designated_on)
    if any(d.member_id == member.pk for d in active):
        raise ValidationError({"member_id_number": f"{member.name}已是有效的指定直系亲属"})
    if len(active) >= enrollment.edition.max_family_members:
        raise ValidationError(
            {"member_id_number": f"{enrollment.edition}最多指定{enrollment.edition.max_family_members}名直系亲属，已满"}
        )
    replaces = None
    if not enrollment.designations.filter(member=member).exists():
        replaces = _replaced_seat(enrollment, designated_on)
    return FamilyDesignation.objects.create(
        enrollment=enrollment, member=member, relation=relation, designated_on=designated_on, replaces=replaces
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
