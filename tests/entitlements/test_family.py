"""Family designations: immediate family only, capped per tier, at most 3 years, and quota per member."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from entitlements.errors import EntitlementError
from entitlements.selectors import entitlement_check
from entitlements.services import family_designate, family_designation_end, quota_hold, quota_use
from tests.factories.entitlements import PersonFactory

D = dt.date
pytestmark = pytest.mark.django_db
ON = D(2024, 6, 1)
START = D(2024, 3, 16)


@pytest.fixture
def tier2(enroll):
    return enroll("2023-premium-2", effective_date=D(2024, 3, 1), payment_term_years=20)


def designate(enrollment, member=None, relation="spouse", on=START):
    member = member or PersonFactory(gender="F")
    return family_designate(enrollment=enrollment, member=member, relation=relation, designated_on=on)


def code_of(enrollment, member, service, on=ON) -> str:
    with pytest.raises(EntitlementError) as info:
        quota_hold(enrollment=enrollment, beneficiary=member, service=service, on=on)
    return info.value.code


def test_family_member_may_use_once_per_year_on_tier_two(tier2, service_of):
    member = designate(tier2).member
    service = service_of("重疾三甲专家预约")
    quota_hold(enrollment=tier2, beneficiary=member, service=service, on=ON)
    assert code_of(tier2, member, service) == "exhausted"
    # the insured's own five are untouched
    check = entitlement_check(enrollment=tier2, beneficiary=tier2.insured, service=service, on=ON)
    assert check.remaining == 5


def test_family_member_cannot_book_ward_or_surgery(tier2, service_of):
    member = designate(tier2).member
    assert code_of(tier2, member, service_of("重疾三甲专家病房")) == "family_barred"
    assert code_of(tier2, member, service_of("重疾三甲专家手术")) == "family_barred"


def test_tier_three_members_have_five_per_year(enroll, service_of):
    tier3 = enroll("2023-premium-3", effective_date=D(2024, 3, 1), payment_term_years=20)
    member = designate(tier3).member
    check = entitlement_check(enrollment=tier3, beneficiary=member, service=service_of("重疾陪诊服务"), on=ON)
    assert (check.limit, check.remaining) == (5, 5)


def test_2020_tier_four_members_are_unlimited(enroll, service_of):
    tier4 = enroll("2020-tier-4", qualified_on=D(2021, 5, 1), effective_date=D(2021, 4, 1))
    member = designate(tier4, on=D(2021, 5, 20)).member
    check = entitlement_check(enrollment=tier4, beneficiary=member, service=service_of("专家病房"), on=D(2021, 8, 1))
    assert (check.available, check.limit) == (True, None)


def test_tier_two_allows_three_members_at_a_time(tier2):
    for _ in range(3):
        designate(tier2)
    with pytest.raises(ValidationError) as info:
        designate(tier2)
    assert "最多指定3名" in str(info.value)


def test_tier_one_allows_no_family(enroll):
    tier1 = enroll("2023-premium-1", effective_date=D(2024, 3, 1), payment_term_years=20)
    with pytest.raises(ValidationError):
        designate(tier1)


def test_only_immediate_family_may_be_designated(tier2):
    with pytest.raises(ValidationError) as info:
        designate(tier2, relation="sibling")
    assert "relation" in info.value.message_dict


def test_designation_lasts_at_most_three_years(tier2, service_of):
    designation = designate(tier2, on=D(2024, 3, 16))
    assert designation.valid_until == D(2027, 3, 15)
    service = service_of("健康咨询")
    assert code_of(tier2, designation.member, service, on=D(2027, 3, 16)) == "designation_expired"


def test_designation_never_outlasts_the_insured(enroll):
    short = enroll("2023-premium-2", effective_date=D(2024, 3, 1), payment_term_years=2)
    assert designate(short, on=D(2024, 3, 16)).valid_until == D(2026, 2, 28)


def test_replacing_a_member_frees_the_seat(tier2):
    designations = [designate(tier2) for _ in range(3)]
    family_designation_end(designation=designations[0], ended_on=D(2024, 9, 1))
    assert designate(tier2, on=D(2024, 9, 1)).designated_on == D(2024, 9, 1)


def test_redesignated_member_keeps_the_quota_he_used_that_year(tier2, service_of):
    designation = designate(tier2)
    service = service_of("重疾二次诊疗")
    quota_use(hold=quota_hold(enrollment=tier2, beneficiary=designation.member, service=service, on=ON))
    family_designation_end(designation=designation, ended_on=D(2024, 7, 1))
    assert code_of(tier2, designation.member, service, on=D(2024, 7, 2)) == "designation_expired"
    designate(tier2, member=designation.member, on=D(2024, 8, 1))
    assert code_of(tier2, designation.member, service, on=D(2024, 8, 2)) == "exhausted"


def test_ended_member_keeps_his_seat_until_the_end_day(tier2):
    designations = [designate(tier2) for _ in range(3)]
    family_designation_end(designation=designations[0], ended_on=D(2024, 9, 1))
    with pytest.raises(ValidationError):
        designate(tier2, on=D(2024, 8, 31))
