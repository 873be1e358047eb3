"""达标条件 from configurable qualifying products and thresholds, explained."""

import datetime as dt
from decimal import Decimal

import pytest

from entitlements.eligibility import eligibility_explain
from tests.factories.entitlements import PersonFactory, PolicyFactory, QualifyingProductFactory

D = dt.date
pytestmark = pytest.mark.django_db
ON = D(2024, 6, 1)


@pytest.fixture
def person():
    return PersonFactory()


def test_pro_edition_needs_a_qualifying_ci_policy_over_the_premium_threshold(person, edition_of):
    edition = edition_of("2023-pro")
    QualifyingProductFactory(product_name="金诺人生重疾", min_annual_premium=Decimal("10000"), editions=[edition])
    PolicyFactory(insured=person, product_name="金诺人生重疾", annual_premium=Decimal("9999.99"))
    result = eligibility_explain(person=person, edition=edition, on=ON)
    assert not result.eligible
    assert "年交保费≥10000" in result.reasons[0]
    PolicyFactory(insured=person, product_name="金诺人生重疾", annual_premium=Decimal("10000.00"))
    assert eligibility_explain(person=person, edition=edition, on=ON).eligible


def test_premium_edition_also_needs_a_valid_health_policy(person, edition_of):
    edition = edition_of("2023-premium-2")
    QualifyingProductFactory(product_name="长相伴年金", category="other", editions=[edition])
    PolicyFactory(insured=person, product_name="长相伴年金", category="other")
    result = eligibility_explain(person=person, edition=edition, on=ON)
    assert not result.eligible
    assert "健康险" in result.reasons[1]
    PolicyFactory(
        insured=person, product_name="蓝医保", category="health", payment_term_years=1, effective_date=D(2024, 1, 1)
    )
    assert eligibility_explain(person=person, edition=edition, on=ON).eligible


def test_wuyou_threshold_is_on_the_sum_insured(person, edition_of):
    edition = edition_of("wuyou-2023-pro")
    QualifyingProductFactory(
        product_name="无忧重疾", min_annual_premium=Decimal("0"), min_sum_insured=Decimal("500000"), editions=[edition]
    )
    PolicyFactory(insured=person, product_name="无忧重疾", sum_insured=Decimal("300000"))
    assert not eligibility_explain(person=person, edition=edition, on=ON).eligible


def test_edition_without_configured_products_says_so(person, edition_of):
    result = eligibility_explain(person=person, edition=edition_of("2022-pro"), on=ON)
    assert not result.eligible
    assert "未配置" in result.reasons[0]


def test_puhui_is_eligible_once_joined(person, edition_of, enroll):
    edition = edition_of("puhui-2023")
    assert not eligibility_explain(person=person, edition=edition, on=ON).eligible
    enrollment = enroll("puhui-2023", qualified_on=D(2024, 3, 10), effective_date=D(2024, 3, 10))
    assert eligibility_explain(person=enrollment.insured, edition=edition, on=ON).eligible
