"""Which rule of the catalogue applies to a beneficiary's request on a day, and why not.

The single place that reads the handbook's cells against a person's enrollment; both the
read side (``selectors.entitlement_check``) and the ledger (``services.quota_hold``) call it, so
what the inquiry page promises is exactly what a submission gets.
"""

from dataclasses import dataclass, replace
from datetime import date

from entitlements.catalog_cache import edition_rules
from entitlements.errors import EntitlementError
from entitlements.models import Edition, EditionRule, Enrollment, FamilyDesignation, Person, QuotaBucket, Service
from entitlements.models.catalog import QuotaPer
from entitlements.models.policies import PolicyStatus

SELF = "self"


@dataclass(frozen=True)
class Resolved:
    """The quota that applies: ``limit`` None is unlimited; the period is the bucket's key."""

    rule: EditionRule
    relation: str
    limit: int | None
    per: str
    period_start: date
    period_end: date
    # Units of this period used (or held) by the members this beneficiary replaced; ``limit``
    # already has them taken off.
    carried: int = 0


def beneficiary_relation(*, enrollment: Enrollment, beneficiary: Person, on: date) -> str:
    """ "self" for the insured, else the relation of the member's designation active on ``on``."""
    if beneficiary.pk == enrollment.insured_id:
        return SELF
    designations = [d for d in enrollment.designations.all() if d.member_id == beneficiary.pk]
    if not designations:
        raise EntitlementError(
            "not_beneficiary", f"{beneficiary.name}不是该权益的被保险人或指定直系亲属", "beneficiary"
        )
    active = [d for d in designations if d.is_active(on)]
    if active:
        return active[0].relation
    raise EntitlementError("designation_expired", _expired_message(beneficiary, designations, on), "beneficiary")


def _expired_message(beneficiary: Person, designations: list[FamilyDesignation], on: date) -> str:
    if all(d.designated_on > on for d in designations):
        first = min(d.designated_on for d in designations)
        return f"{beneficiary.name}的直系亲属指定自{first.isoformat()}起生效，{on.isoformat()}尚未生效"
    last = max(d.last_day for d in designations)
    return f"{beneficiary.name}的直系亲属指定已于{last.isoformat()}到期或终止"


def _check_period(enrollment: Enrollment, on: date) -> None:
    if enrollment.policy.status != PolicyStatus.IN_FORCE:
        # Services live as long as the qualifying policy: a lapsed or terminated policy ends them.
        raise EntitlementError(
            "outside_period",
            f"达标保单{enrollment.policy.policy_no}已{enrollment.policy.get_status_display()}，服务已终止",
            "enrollment",
        )
    if not enrollment.is_active(on):
        raise EntitlementError(
            "outside_period",
            f"{on.isoformat()}不在服务期内（{enrollment.service_start.isoformat()}至{enrollment.service_end.isoformat()}）",
            "enrollment",
        )


def _rules_for(edition: Edition, service: Service) -> list[EditionRule]:
    """The edition's rules for one service: from the prefetched rules when the caller loaded them
    (the inquiry reads every service), else only that service's rows (a submission needs one),
    kept in the process between requests (``entitlements.catalog_cache``)."""
    if "rules" in getattr(edition, "_prefetched_objects_cache", {}):
        return [rule for rule in edition.rules.all() if rule.service_id == service.pk]
    return edition_rules(edition_id=edition.pk, service=service)


def pick_rule(*, enrollment: Enrollment, service: Service, on: date) -> EditionRule:
    """The edition's rule for the service in the policy year of ``on`` (无忧管家 has two phases)."""
    rules = _rules_for(enrollment.edition, service)
    if not rules:
        raise EntitlementError("not_in_edition", f"{enrollment.edition}不含「{service.name}」服务", "service")
    year = enrollment.policy_year_number(on)
    for rule in rules:
        if rule.covers_policy_year(year):
            return rule
    spans = "、".join(f"第{r.policy_year_from}至{r.policy_year_to or '交费期末'}" for r in rules)
    raise EntitlementError(
        "phase_not_covered", f"「{service.name}」仅在{spans}保单年度提供，{on.isoformat()}属第{year}保单年度", "service"
    )


def _check_qualified_year(enrollment: Enrollment, rule: EditionRule) -> None:
    if rule.qualified_in_year and enrollment.qualified_on.year != rule.qualified_in_year:
        raise EntitlementError(
            "not_qualified_year", f"「{rule.service.name}」仅限{rule.qualified_in_year}年新达标客户", "service"
        )


def _quota_cell(rule: EditionRule, relation: str) -> tuple[int | None, str]:
    if relation == SELF:
        return rule.insured_limit, rule.insured_per
    if not rule.family_allowed:
        raise EntitlementError(
            "family_barred", f"「{rule.service.name}」仅限被保险人使用，直系亲属不可使用", "beneficiary"
        )
    return rule.family_limit, rule.family_per or rule.insured_per


def _quota_period(enrollment: Enrollment, per: str, service: Service, on: date) -> tuple[date, date]:
    if per == QuotaPer.SERVICE_PERIOD:
        return enrollment.service_start, enrollment.service_end
    if per == QuotaPer.FIRST_YEAR and enrollment.policy_year_number(on) != 1:
        first = enrollment.service_year(enrollment.service_start)
        raise EntitlementError(
            "first_year_only",
            f"「{service.name}」仅首个服务年度可用（{first[0].isoformat()}至{first[1].isoformat()}）",
            "service",
        )
    return enrollment.service_year(on)


def exhausted_reason(name: str, start: date, end: date, limit: int | None, used: int, held: int) -> str:
    """Why nothing is left: "已用完" only when the units were used; units still being handled
    (办理中) may come back if that request is rejected or withdrawn."""
    period = f"「{name}」在{start.isoformat()}至{end.isoformat()}的{limit}次额度"
    if held and used < (limit or 0):
        return f"{period}中{held}次正在办理（办理中），{used}次已使用，暂无剩余"
    return f"{period}已用完"


def _active_designation(enrollment: Enrollment, member: Person, on: date) -> FamilyDesignation | None:
    return next((d for d in enrollment.designations.all() if d.member_id == member.pk and d.is_active(on)), None)


def _replaced_chain(enrollment: Enrollment, designation: FamilyDesignation, start: date) -> list[FamilyDesignation]:
    """The members this seat passed through within the quota period starting ``start``."""
    by_pk = {d.pk: d for d in enrollment.designations.all()}
    chain: list[FamilyDesignation] = []
    current = by_pk.get(designation.replaces_id) if designation.replaces_id else None
    while current is not None and current.last_day >= start and current not in chain:
        chain.append(current)
        current = by_pk.get(current.replaces_id) if current.replaces_id else None
    return chain


def _units_of(enrollment: Enrollment, members: set[int], service: Service, start: date) -> int:
    if "quota_buckets" in getattr(enrollment, "_prefetched_objects_cache", {}):
        buckets = [
            b
            for b in enrollment.quota_buckets.all()
            if b.beneficiary_id in members and b.service_id == service.pk and b.period_start == start
        ]
    else:
        buckets = list(
            QuotaBucket.objects.filter(
                enrollment=enrollment, beneficiary_id__in=members, service=service, period_start=start
            )
        )
    return sum(b.held + b.used for b in buckets)


def _with_replaced_usage(enrollment: Enrollment, beneficiary: Person, on: date, resolved: Resolved) -> Resolved:
    """DOMAIN: "Replacing a designated family member never restores quota already used in that
    year" — a replacement continues the usage of the members it replaces in the same period."""
    designation = _active_designation(enrollment, beneficiary, on)
    if resolved.limit is None or designation is None or not designation.replaces_id:
        return resolved
    chain = _replaced_chain(enrollment, designation, resolved.period_start)
    carried = _units_of(enrollment, {d.member_id for d in chain}, resolved.rule.service, resolved.period_start)
    if not carried:
        return resolved
    if carried >= resolved.limit:
        names = "、".join(d.member.name for d in chain)
        raise EntitlementError(
            "exhausted",
            f"「{resolved.rule.service.name}」在{resolved.period_start.isoformat()}至{resolved.period_end.isoformat()}"
            f"的{resolved.limit}次额度已由被接替的{names}用完（接替不重新计次）",
            "service",
        )
    return replace(resolved, limit=resolved.limit - carried, carried=carried)


def resolve(*, enrollment: Enrollment, beneficiary: Person, service: Service, on: date) -> Resolved:
    """The quota a request by ``beneficiary`` for ``service`` on ``on`` draws on.

    Raises EntitlementError with the first reason, in the order staff explain them: who, when,
    what the edition holds, then what family members may use.
    """
    relation = beneficiary_relation(enrollment=enrollment, beneficiary=beneficiary, on=on)
    _check_period(enrollment, on)
    rule = pick_rule(enrollment=enrollment, service=service, on=on)
    _check_qualified_year(enrollment, rule)
    limit, per = _quota_cell(rule, relation)
    start, end = _quota_period(enrollment, per, service, on)
    resolved = Resolved(rule, relation, limit, per, start, end)
    if relation == SELF:
        return resolved
    return _with_replaced_usage(enrollment, beneficiary, on, resolved)
