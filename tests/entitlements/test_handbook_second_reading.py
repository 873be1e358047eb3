"""The handbook's rules around its table cells (issue: the handbook, second reading).

Each test quotes the clause it holds; docs/handbook-rules.md records the readings where the
handbook is silent.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from entitlements.catalog import catalog_export
from entitlements.eligibility import eligibility_explain
from entitlements.errors import EntitlementError
from entitlements.importers import enrollments_import, family_import
from entitlements.selectors import entitlement_check
from entitlements.services import (
    enrollment_upsert,
    family_designate,
    family_designation_end,
    quota_hold,
    quota_use,
)
from tests.entitlements.test_imports import FAMILY_HEADER, HEADER, INSURED_ID, SPOUSE_ID, csv_text, enrollment_line
from tests.factories.entitlements import PersonFactory, PolicyFactory, QualifyingProductFactory

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def tier2(enroll):
    """2023 尊享版 2档, effective 1 Mar 2024, 20-year term: in service 16 Mar 2024 – 29 Feb 2044."""
    return enroll("2023-premium-2", effective_date=D(2024, 3, 1), payment_term_years=20)


START = D(2024, 3, 16)


def designate(enrollment, member=None, on=START, relation="parent"):
    member = member or PersonFactory(gender="F")
    return family_designate(enrollment=enrollment, member=member, relation=relation, designated_on=on)


def refusal(enrollment, member, service, on) -> EntitlementError:
    with pytest.raises(EntitlementError) as info:
        quota_hold(enrollment=enrollment, beneficiary=member, service=service, on=on)
    return info.value


# ---------------------------------------------------------------- 1. 直系亲属：不超过3年


def test_family_members_three_years_run_from_the_first_designation_whatever_the_redesignations(tier2):
    """2023 尊享版 2档 服务期限 "直系亲属：不超过3年"."""
    first = designate(tier2, on=D(2024, 3, 16))
    family_designation_end(designation=first, ended_on=D(2025, 1, 1))
    again = designate(tier2, member=first.member, on=D(2026, 6, 1))
    assert again.valid_until == D(2027, 3, 15)
    first.refresh_from_db()
    assert first.valid_until == D(2027, 3, 15)


def test_a_designation_after_the_three_years_is_refused_and_names_the_member(tier2):
    """ "直系亲属：不超过3年": a parent re-designated the day after his window gets no three more years."""
    first = designate(tier2, on=D(2024, 3, 16))
    with pytest.raises(ValidationError) as info:
        designate(tier2, member=first.member, on=D(2027, 3, 16))
    message = info.value.message_dict["designated_on"][0]
    assert first.member.name in message and "2024-03-16" in message and "不能延长" in message


def test_a_feed_row_that_would_extend_a_family_members_three_years_is_refused_and_named():
    """ "直系亲属：不超过3年", through the core-system feed."""
    enrollments_import(stream=csv_text(enrollment_line()))
    row = ",".join([INSURED_ID, "P001", "2023", "尊享版", "2", "李四", SPOUSE_ID, "F", "1982-08-08", "spouse"])
    assert family_import(stream=csv_text(row + ",2024-03-16", header=FAMILY_HEADER)).ok
    report = family_import(stream=csv_text(row + ",2027-03-16", header=FAMILY_HEADER))
    (error,) = report.errors
    assert (error.line, error.field) == (2, "designated_on")
    assert "李四" in error.reason and "不超过3年" in error.reason


def test_clearing_an_end_in_the_admin_never_extends_the_three_years(tier2, admin_client):
    """ "直系亲属：不超过3年", through the admin's designation page."""
    first = designate(tier2, on=D(2024, 3, 16))
    family_designation_end(designation=first, ended_on=D(2025, 1, 1))
    again = designate(tier2, member=first.member, on=D(2026, 6, 1))
    family_designation_end(designation=again, ended_on=D(2026, 9, 1))
    url = reverse("admin:entitlements_familydesignation_change", args=[again.pk])
    response = admin_client.post(url, {"ended_on": ""})
    assert response.status_code == 302
    again.refresh_from_db()
    assert (again.ended_on, again.valid_until) == (None, D(2027, 3, 15))


# ---------------------------------------------------------------- 2. 2020 三档/四档 follow the insured


@pytest.mark.parametrize("code", ["2020-tier-3", "2020-tier-4"])
def test_2020_family_members_follow_the_insureds_upgraded_five_years(enroll, service_of, code):
    """2020 医疗特权 "家人可享 … 指定 3/5 名以内家人可享" sets no family limit; the period is
    "为期 3 年 … 如客户已完成服务升级，服务有效期升级为 5 年"."""
    enrollment = enroll(code, qualified_on=D(2020, 5, 1), upgraded=True, effective_date=D(2020, 4, 1))
    assert (enrollment.service_start, enrollment.service_end) == (D(2020, 5, 20), D(2025, 5, 19))
    member = designate(enrollment, on=D(2020, 6, 1))
    assert member.valid_until == D(2025, 5, 19)
    check = entitlement_check(
        enrollment=enrollment, beneficiary=member.member, service=service_of("健康咨询"), on=D(2024, 1, 10)
    )
    assert check.available


def test_2020_family_members_end_with_the_insureds_three_years_without_upgrade(enroll):
    """2020 医疗特权 "服务有效期为 3 年"."""
    enrollment = enroll("2020-tier-3", qualified_on=D(2020, 5, 1), effective_date=D(2020, 4, 1))
    assert designate(enrollment, on=D(2021, 6, 1)).valid_until == D(2023, 5, 19)


# ---------------------------------------------------------------- 3. a replacement continues the usage


def test_a_replacement_in_the_same_service_year_continues_the_usage_of_the_member_it_replaces(tier2, service_of):
    """DOMAIN "Replacing a designated family member never restores quota already used in that year";
    2档 "直系亲属可用服务1次/年"."""
    service = service_of("重疾三甲专家预约")
    members = [designate(tier2) for _ in range(3)]
    quota_use(hold=quota_hold(enrollment=tier2, beneficiary=members[0].member, service=service, on=D(2024, 5, 1)))
    family_designation_end(designation=members[0], ended_on=D(2024, 6, 1))
    replacement = designate(tier2, on=D(2024, 6, 1))
    assert replacement.replaces == members[0]
    error = refusal(tier2, replacement.member, service, D(2024, 6, 2))
    assert error.code == "exhausted" and members[0].member.name in error.message
    # The next policy year is a new year for the seat.
    hold = quota_hold(enrollment=tier2, beneficiary=replacement.member, service=service, on=D(2025, 3, 2))
    assert hold.period_start == D(2025, 3, 1)


def test_four_members_rotated_through_one_seat_in_one_year_share_its_one_use(tier2, service_of):
    """2档 "被保险人+指定3名直系亲属 … 直系亲属可用服务1次/年": a seat's 1次 per year, not a member's."""
    service = service_of("重疾二次诊疗")
    seat, *_ = [designate(tier2) for _ in range(3)]
    for day in (D(2024, 5, 1), D(2024, 7, 1), D(2024, 9, 1)):
        family_designation_end(designation=seat, ended_on=day)
        seat = designate(tier2, on=day)
    first_holder = seat.replaces.replaces.replaces
    quota_use(hold=quota_hold(enrollment=tier2, beneficiary=first_holder.member, service=service, on=D(2024, 4, 1)))
    assert refusal(tier2, seat.member, service, D(2024, 9, 2)).code == "exhausted"
    check = entitlement_check(enrollment=tier2, beneficiary=seat.member, service=service, on=D(2024, 9, 2))
    assert not check.available and check.reason_code == "exhausted"


def test_a_member_in_a_seat_never_filled_this_year_is_no_replacement(tier2, service_of):
    """Only a seat already used by someone this year carries usage over."""
    members = [designate(tier2) for _ in range(2)]
    family_designation_end(designation=members[0], ended_on=D(2024, 6, 1))
    newcomer = designate(tier2, on=D(2024, 6, 1))
    assert newcomer.replaces is None
    check = entitlement_check(
        enrollment=tier2, beneficiary=newcomer.member, service=service_of("重疾陪诊服务"), on=D(2024, 6, 2)
    )
    assert (check.available, check.remaining) == (True, 1)


# ---------------------------------------------------------------- 4. editions follow the qualifying year


@pytest.mark.parametrize(
    ("code", "year", "allowed"),
    [
        ("2019-tier-1", 2019, True),
        ("2019-tier-1", 2020, False),
        ("2020-tier-2", 2020, True),
        ("2020-tier-2", 2021, False),
        ("2021-pro", 2021, True),
        ("2021-pro", 2022, False),
        ("2022-pro", 2022, True),
        ("2022-pro", 2023, False),
        ("2022-care", 2021, False),
        ("2023-pro", 2022, False),
        ("2023-pro", 2023, True),
        ("2023-pro", 2026, True),
        ("wuyou-2023-pro", 2025, True),
        ("puhui-2023", 2024, True),
        ("puhui-2023", 2022, False),
    ],
)
def test_editions_follow_the_customers_qualifying_year(edition_of, code, year, allowed):
    """一、服务内容 "按客户达标年度提供对应版本的太保蓝本服务"; 二、服务对象 "指定年度分别符合当年度指定条件"."""
    policy = PolicyFactory(effective_date=D(year, 3, 1))
    upsert = {"insured": policy.insured, "policy": policy, "edition": edition_of(code), "qualified_on": D(year, 3, 1)}
    if allowed:
        assert enrollment_upsert(**upsert).pk
        return
    with pytest.raises(ValidationError) as info:
        enrollment_upsert(**upsert)
    assert f"{year}年达标的客户不适用" in info.value.message_dict["qualified_on"][0]


def test_a_feed_row_contradicting_the_qualifying_year_is_refused_with_the_reason():
    """ "按客户达标年度提供对应版本": a 2022 edition for a customer who qualified in 2024."""
    line = enrollment_line(edition_series="2022", edition_plan="专业版", edition_tier="")
    report = enrollments_import(stream=csv_text(line, header=HEADER))
    (error,) = report.errors
    assert error.field == "qualified_on"
    assert "2024年达标的客户不适用太保蓝本（2022版）专业版" in error.reason
    assert "2022年度达标客户" in error.reason


def test_the_eligibility_explanation_checks_the_qualifying_year(edition_of):
    """二、服务对象 "当年投保指定重疾险保单达到保费要求": a 2021 policy does not qualify for 2022 专业版."""
    person = PersonFactory()
    edition = edition_of("2022-pro")
    QualifyingProductFactory(product_name="金诺人生重疾", min_annual_premium=Decimal("10000"), editions=[edition])
    PolicyFactory(insured=person, product_name="金诺人生重疾", effective_date=D(2021, 5, 1), policy_no="P2021")
    result = eligibility_explain(person=person, edition=edition, on=D(2022, 6, 1))
    assert not result.eligible
    assert "P2021（2021年投保）" in result.reasons[0] and "2022年度达标客户" in result.reasons[0]
    PolicyFactory(insured=person, product_name="金诺人生重疾", effective_date=D(2022, 2, 1))
    assert eligibility_explain(person=person, edition=edition, on=D(2022, 6, 1)).eligible


# ---------------------------------------------------------------- 5. 关爱版 不含 15 天犹豫期


def test_2022_care_edition_starts_15_days_after_the_effective_date_whatever_the_policys_cooling_off(enroll):
    """太保蓝本（2022 版）关爱版服务有效期为保单生效后一年（不含 15 天犹豫期）."""
    enrollment = enroll("2022-care", effective_date=D(2022, 6, 10), cooling_off_days=30)
    assert (enrollment.service_start, enrollment.service_end) == (D(2022, 6, 25), D(2023, 6, 9))


def test_other_editions_still_take_the_cooling_off_from_the_policy(enroll):
    """ "首年剔除保单犹豫期": the policy's own 犹豫期."""
    enrollment = enroll("2022-pro", effective_date=D(2022, 6, 10), cooling_off_days=20)
    assert enrollment.service_start == D(2022, 6, 30)


# ---------------------------------------------------------------- the flags in the rules export


def _service(export, name):
    return next(s for s in export["services"] if s["name"] == name)


def _edition(export, code):
    return next(e for e in export["editions"] if e["code"] == code)


def test_catalog_export_shows_which_services_need_an_associate_chief_physician_or_above():
    """ "副主任医师及以上专家": a flag of the data, not the substring 专家 of a name."""
    export = catalog_export()
    assert _service(export, "重疾三甲专家预约")["requires_senior_doctor"] is True
    assert _service(export, "重疾三甲病房手术安排")["requires_senior_doctor"] is True
    # 专家远程康复指导 is given by "营养师、康复师、心理咨询师", not a physician.
    assert _service(export, "专家远程康复指导")["requires_senior_doctor"] is False
    assert _service(export, "重疾陪诊服务")["requires_senior_doctor"] is False


def test_catalog_export_shows_which_services_allow_a_top50_hospital():
    """ "支持指定全国排名前 50 三甲医院" — and not on "不指定医院及专家"."""
    export = catalog_export()
    allowed = {s["name"] for s in export["services"] if s["allows_top50_hospital"]}
    assert allowed == {"三甲专家预约", "重疾三甲专家预约", "重疾三甲专家病房", "三甲专家手术", "重疾三甲专家手术"}
    assert "top50_hospitals" in export


def test_catalog_export_shows_eligibility_shapes_qualifying_years_and_period_figures():
    """二、服务对象 and 三、服务期限, as data."""
    export = catalog_export()
    assert _edition(export, "2023-premium-2")["eligibility_rule"] == "policy_and_health"
    assert _edition(export, "2020-tier-1")["eligibility_rule"] == "policy_and_same_year_health"
    assert _edition(export, "wuyou-2023-pro")["eligibility_rule"] == "sum_insured"
    assert _edition(export, "puhui-2023")["eligibility_rule"] == "joined"
    assert _edition(export, "2021-premium-3")["qualifying_years"] == [2021, 2021]
    assert _edition(export, "wuyou-2023-premium")["qualifying_years"] == [2023, None]
    assert _edition(export, "2019-tier-2")["period_figures"] == {
        "start_offset_days": 19,
        "fixed_cooling_off_days": None,
        "period_years": 3,
        "upgraded_period_years": 5,
    }
    assert _edition(export, "2022-care")["period_figures"]["fixed_cooling_off_days"] == 15
    assert _edition(export, "2022-premium-3")["family_max_years"] == 3
    assert _edition(export, "2020-tier-4")["family_max_years"] is None


def test_catalog_export_shows_the_arrangement_each_service_records():
    """专家远程康复指导 "协调营养师、康复师、心理咨询师"; 二次诊疗 "提供专业书面医疗建议"; 异地就医协助安排
    "专车接送 … 提供就医当地住宿方案一份"."""
    export = catalog_export()
    rehab = _service(export, "专家远程康复指导")["arrangement"]
    assert rehab["specialists"] == ["营养师", "康复师", "心理咨询师"]
    assert "arranged_at" not in _service(export, "二次诊疗")["arrangement"]["fields"]
    remote = _service(export, "异地就医协助安排")["arrangement"]
    assert {"transfers", "accommodation"} <= set(remote["required"])
    assert _service(export, "120急救补贴")["claim_fee_kinds"][:3] == ["出车费", "出诊费", "急救费"]


def test_rules_export_command_prints_the_new_flags(capsys):
    from django.core.management import call_command

    call_command("catalog", "export")
    out = capsys.readouterr().out
    for flag in ("requires_senior_doctor", "allows_top50_hospital", "qualifying_years", "period_figures"):
        assert flag in out


def test_loading_the_catalogue_moves_existing_2020_family_members_to_the_insureds_period(enroll, edition_of):
    """Family members designated under the earlier 3-year reading of 2020 四档 get the insured's period."""
    from entitlements.catalog import catalog_load
    from entitlements.models import Edition

    Edition.objects.filter(code="2020-tier-4").update(family_max_years=3)
    enrollment = enroll("2020-tier-4", qualified_on=D(2020, 5, 1), upgraded=True, effective_date=D(2020, 4, 1))
    member = designate(enrollment, on=D(2020, 6, 1))
    assert member.valid_until == D(2023, 5, 31)
    catalog_load()
    member.refresh_from_db()
    assert member.valid_until == D(2025, 5, 19)


# ---------------------------------------------------------------- 14. the inquiry says what it means


def test_the_inquiry_never_shows_unlimited_for_a_service_that_cannot_be_used(tier2, service_of):
    """注1 "共享家人可享服务不包含重疾三甲专家病房和重疾三甲专家手术服务": for a member it is 不可用, not 不限."""
    from entitlements.selectors import entitlement_inquiry

    member = designate(tier2).member
    inquiry = entitlement_inquiry(person=member, on=D(2024, 6, 1))
    rows = {row["service"]: row for row in inquiry["enrollments"][0]["beneficiaries"][0]["services"]}
    assert rows["重疾三甲专家病房"]["remaining_text"] == "不可用"
    assert rows["健康咨询"]["remaining_text"] == "1"
    insured = entitlement_inquiry(person=tier2.insured, on=D(2024, 6, 1))
    own = {row["service"]: row for row in insured["enrollments"][0]["beneficiaries"][0]["services"]}
    assert own["健康咨询"]["remaining_text"] == "不限"


def test_a_unit_being_handled_is_told_apart_from_a_used_one(tier2, service_of):
    """A held unit (办理中) may come back if the request is rejected: not "已用完"."""
    service = service_of("重疾三甲专家预约")
    member = designate(tier2).member
    hold = quota_hold(enrollment=tier2, beneficiary=member, service=service, on=D(2024, 6, 1))
    check = entitlement_check(enrollment=tier2, beneficiary=member, service=service, on=D(2024, 6, 1))
    assert "1次正在办理（办理中）" in check.reason and "已用完" not in check.reason
    quota_use(hold=hold)
    check = entitlement_check(enrollment=tier2, beneficiary=member, service=service, on=D(2024, 6, 1))
    assert check.reason.endswith("已用完")


def test_a_refused_relation_is_named_in_chinese(tier2):
    """直系亲属 (配偶、父母、子女) — the refusal speaks the agent's language."""
    with pytest.raises(ValidationError) as info:
        designate(tier2, relation="sibling")
    assert "仅限直系亲属（配偶、父母、子女）" in info.value.message_dict["relation"][0]
