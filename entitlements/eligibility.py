"""达标条件: whether a person qualifies for an edition, explained line by line.

The handbook names no products and no amounts ("以系统实际支持为准"): both come from
``QualifyingProduct`` rows that product staff edit in the admin. This module only knows the shape
of each edition's condition.
"""

from dataclasses import dataclass, field
from datetime import date

from entitlements.models import Edition, Enrollment, Person, Policy, PolicyCategory, PolicyStatus, QualifyingProduct
from entitlements.models.catalog import EligibilityRule
from entitlements.periods import years_span


@dataclass
class Eligibility:
    eligible: bool
    reasons: list[str] = field(default_factory=list)


def _in_force(policy: Policy, on: date) -> bool:
    if policy.status != PolicyStatus.IN_FORCE or policy.effective_date > on:
        return False
    return on <= years_span(policy.effective_date, policy.payment_term_years)


def _meets(policy: Policy, product: QualifyingProduct) -> bool:
    return policy.annual_premium >= product.min_annual_premium and policy.sum_insured >= product.min_sum_insured


def _threshold_text(product: QualifyingProduct) -> str:
    return f"「{product.product_name}」年交保费≥{product.min_annual_premium}元、基本保额≥{product.min_sum_insured}元"


def _long_term_products(edition: Edition) -> list[QualifyingProduct]:
    products = edition.qualifying_products.filter(active=True).exclude(category=PolicyCategory.HEALTH)
    return list(products)


def _health_products(edition: Edition) -> list[QualifyingProduct]:
    return list(edition.qualifying_products.filter(active=True, category=PolicyCategory.HEALTH))


def _qualifying_policies(person: Person, products: list[QualifyingProduct], on: date) -> list[Policy]:
    by_name = {product.product_name: product for product in products}
    policies = person.policies.filter(product_name__in=by_name).order_by("effective_date")
    return [p for p in policies if _in_force(p, on) and _meets(p, by_name[p.product_name])]


def _long_term_line(person: Person, edition: Edition, on: date) -> tuple[bool, str, Policy | None]:
    products = _long_term_products(edition)
    if not products:
        return False, f"未配置{edition}的达标险种，请产品配置人员在“达标险种配置”中维护", None
    policies = _qualifying_policies(person, products, on)
    if not policies:
        wanted = "；".join(_threshold_text(p) for p in products)
        return False, f"未找到作为被保险人的有效达标保单（需为：{wanted}）", None
    # "按客户达标年度提供对应版本": the policy must have been bought in a year the edition serves.
    in_year = [p for p in policies if edition.serves_qualifying_year(p.effective_date.year)]
    if not in_year:
        found = "、".join(f"{p.policy_no}（{p.effective_date.year}年投保）" for p in policies)
        return False, f"达标保单{found}的投保年度不适用{edition}（该版本仅适用于{edition.qualifying_years_text}）", None
    policy = in_year[0]
    line = f"达标保单 {policy.policy_no}「{policy.product_name}」年交保费{policy.annual_premium}元，满足要求"
    return True, line, policy


def _health_line(person: Person, edition: Edition, on: date, same_year_as: Policy | None) -> tuple[bool, str]:
    names = [p.product_name for p in _health_products(edition)]
    policies = person.policies.filter(category=PolicyCategory.HEALTH)
    if names:
        policies = policies.filter(product_name__in=names)
    for policy in policies.order_by("-effective_date"):
        if same_year_as is not None and policy.effective_date.year != same_year_as.effective_date.year:
            continue
        if _in_force(policy, on):
            return True, f"有效健康险保单 {policy.policy_no}「{policy.product_name}」"
    when = f"{same_year_as.effective_date.year}年投保的" if same_year_as else ""
    return False, f"未找到作为被保险人的{when}有效健康险保单" + (f"（指定产品：{'、'.join(names)}）" if names else "")


def eligibility_explain(*, person: Person, edition: Edition, on: date) -> Eligibility:
    """Whether ``person`` meets ``edition``'s 达标条件 on ``on``, with one readable line per condition."""
    rule = edition.eligibility_rule
    if rule == EligibilityRule.JOINED:
        return _joined(person, edition, on)
    ok, line, policy = _long_term_line(person, edition, on)
    result = Eligibility(ok, [line])
    if rule == EligibilityRule.POLICY_AND_HEALTH:
        _add(result, *_health_line(person, edition, on, None))
    elif rule == EligibilityRule.POLICY_AND_SAME_YEAR_HEALTH:
        _add(result, *_health_line(person, edition, on, policy))
    return result


def _joined(person: Person, edition: Edition, on: date) -> Eligibility:
    joined = Enrollment.objects.filter(insured=person, edition=edition, qualified_on__lte=on).first()
    if joined is None:
        return Eligibility(False, [f"{edition.plan}须符合年龄及健康告知要求并成功加入，尚无加入记录"])
    if not edition.serves_qualifying_year(joined.qualified_on.year):
        return Eligibility(
            False, [f"{joined.qualified_on.year}年加入不适用{edition}（仅适用于{edition.qualifying_years_text}）"]
        )
    return Eligibility(True, [f"已于{joined.qualified_on.isoformat()}成功加入{edition.plan}"])


def _add(result: Eligibility, ok: bool, line: str) -> None:
    result.eligible = result.eligible and ok
    result.reasons.append(line)
