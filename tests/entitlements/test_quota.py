"""The quota ledger: holds, uses and releases against every kind of handbook cell."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from entitlements.errors import EntitlementError, QuotaStateError
from entitlements.models import QuotaBucket
from entitlements.selectors import entitlement_check
from entitlements.services import quota_hold, quota_record_usage, quota_release, quota_use

D = dt.date
pytestmark = pytest.mark.django_db
ON = D(2024, 6, 1)


@pytest.fixture
def pro(enroll):
    """2023 专业版, effective 1 Mar 2024, 20-year term: 重疾三甲专家预约 1次/年."""
    return enroll("2023-pro", effective_date=D(2024, 3, 1), payment_term_years=20)


def hold(enrollment, service, on=ON, beneficiary=None, **kwargs):
    return quota_hold(
        enrollment=enrollment, beneficiary=beneficiary or enrollment.insured, service=service, on=on, **kwargs
    )


def refusal(enrollment, service, on=ON, beneficiary=None) -> EntitlementError:
    with pytest.raises(EntitlementError) as info:
        hold(enrollment, service, on, beneficiary)
    return info.value


def test_second_request_in_a_year_with_one_per_year_is_exhausted(pro, service_of):
    service = service_of("重疾三甲专家预约")
    hold(pro, service, reference="C-1")
    error = refusal(pro, service)
    assert error.code == "exhausted"
    assert error.field == "service"
    # C-1 is held, not yet used: the refusal says so rather than "已用完".
    assert "正在办理（办理中）" in str(error) and "已用完" not in str(error)


def test_released_hold_gives_the_unit_back(pro, service_of):
    service = service_of("重疾三甲专家预约")
    quota_release(hold=hold(pro, service), reason="客户撤回")
    assert hold(pro, service).status == "held"


def test_used_unit_is_not_given_back_and_cannot_be_released(pro, service_of):
    service = service_of("重疾三甲专家预约")
    used = quota_use(hold=hold(pro, service))
    assert used.status == "used"
    with pytest.raises(QuotaStateError):
        quota_release(hold=used)
    assert refusal(pro, service).code == "exhausted"


def test_released_hold_cannot_be_used(pro, service_of):
    released = quota_release(hold=hold(pro, service_of("重疾三甲专家预约")))
    with pytest.raises(QuotaStateError):
        quota_use(hold=released)


def test_using_twice_counts_once(pro, service_of):
    first = hold(pro, service_of("重疾陪诊服务"))
    quota_use(hold=first)
    quota_use(hold=first)
    bucket = QuotaBucket.objects.get()
    assert (bucket.held, bucket.used) == (0, 1)


def test_quota_renews_in_the_next_service_year(pro, service_of):
    service = service_of("重疾三甲专家预约")
    quota_use(hold=hold(pro, service, on=D(2025, 2, 28)))
    assert refusal(pro, service, on=D(2025, 2, 28)).code == "exhausted"
    assert hold(pro, service, on=D(2025, 3, 1)).period_start == D(2025, 3, 1)


def test_remaining_counts_held_and_used(enroll, service_of):
    enrollment = enroll("2023-premium-1", effective_date=D(2024, 3, 1), payment_term_years=20)
    service = service_of("重疾二次诊疗")
    quota_use(hold=hold(enrollment, service))
    hold(enrollment, service)
    check = entitlement_check(enrollment=enrollment, beneficiary=enrollment.insured, service=service, on=ON)
    assert (check.limit, check.used, check.held, check.remaining, check.available) == (5, 1, 1, 3, True)


def test_unlimited_service_never_runs_out(pro, service_of):
    service = service_of("健康咨询")
    for _ in range(30):
        quota_record_usage(enrollment=pro, beneficiary=pro.insured, service=service, on=ON)
    check = entitlement_check(enrollment=pro, beneficiary=pro.insured, service=service, on=ON)
    assert (check.available, check.limit, check.remaining, check.used) == (True, None, None, 30)


def test_first_year_only_service_is_refused_from_the_second_policy_year(pro, service_of):
    service = service_of("视频医生专业版")
    quota_record_usage(enrollment=pro, beneficiary=pro.insured, service=service, on=D(2025, 2, 28))
    assert refusal(pro, service, on=D(2025, 3, 1)).code == "first_year_only"


def test_service_period_quota_is_once_for_the_whole_period(enroll, service_of):
    puhui = enroll("puhui-2023", qualified_on=D(2023, 3, 10), effective_date=D(2023, 3, 10))
    service = service_of("重疾专家预约")
    assert hold(puhui, service, on=D(2023, 3, 11)).period_end == D(2023, 12, 31)
    assert refusal(puhui, service, on=D(2023, 12, 31)).code == "exhausted"


def test_care_edition_quota_is_once_in_its_year(enroll, service_of):
    care = enroll("2022-care", effective_date=D(2021, 6, 10))
    service = service_of("重疾三甲专家预约")
    hold(care, service, on=D(2021, 6, 25))
    assert refusal(care, service, on=D(2022, 6, 9)).code == "exhausted"
    assert refusal(care, service, on=D(2022, 6, 10)).code == "outside_period"


def test_request_before_the_cooling_off_ends_is_outside_the_period(pro, service_of):
    error = refusal(pro, service_of("重疾三甲专家预约"), on=D(2024, 3, 15))
    assert error.code == "outside_period"
    assert "2024-03-16" in error.message


def test_service_not_in_the_edition_is_refused(pro, service_of):
    assert refusal(pro, service_of("专家预约")).code == "not_in_edition"


def test_wuyou_first_table_services_end_after_year_five(enroll, service_of):
    wuyou = enroll("wuyou-2023-premium", effective_date=D(2023, 7, 1), payment_term_years=20)
    video = service_of("三甲医生视频问诊")
    assert hold(wuyou, video, on=D(2028, 6, 30)).status == "held"
    assert refusal(wuyou, video, on=D(2028, 7, 1)).code == "phase_not_covered"


def test_wuyou_later_years_follow_the_second_table(enroll, service_of):
    wuyou = enroll("wuyou-2023-premium", effective_date=D(2023, 7, 1), payment_term_years=20)
    appointment = service_of("重疾三甲专家预约")
    assert refusal(wuyou, appointment, on=D(2028, 6, 30)).code == "phase_not_covered"
    check = entitlement_check(enrollment=wuyou, beneficiary=wuyou.insured, service=appointment, on=D(2028, 7, 1))
    assert (check.available, check.limit) == (True, 5)


def test_wuyou_video_consultation_six_per_policy_year(enroll, service_of):
    wuyou = enroll("wuyou-2023-pro", effective_date=D(2023, 7, 1), payment_term_years=20)
    video = service_of("三甲医生视频问诊")
    for _ in range(6):
        quota_record_usage(enrollment=wuyou, beneficiary=wuyou.insured, service=video, on=D(2024, 1, 5))
    assert refusal(wuyou, video, on=D(2024, 6, 30)).code == "exhausted"
    assert hold(wuyou, video, on=D(2024, 7, 1)).status == "held"


def test_2020_pharmacy_coupons_only_for_customers_qualified_in_2020(enroll, service_of):
    pharmacy = service_of("线上购药")
    late = enroll("2020-tier-2", qualified_on=D(2021, 1, 10), effective_date=D(2021, 1, 1))
    on_time = enroll("2020-tier-2", qualified_on=D(2020, 12, 1), effective_date=D(2020, 11, 1))
    assert refusal(late, pharmacy, on=D(2021, 6, 1)).code == "not_qualified_year"
    assert hold(on_time, pharmacy, on=D(2021, 6, 1)).status == "held"


def test_stranger_is_not_a_beneficiary(pro, service_of):
    from tests.factories.entitlements import PersonFactory

    error = refusal(pro, service_of("健康咨询"), beneficiary=PersonFactory())
    assert (error.code, error.field) == ("not_beneficiary", "beneficiary")


def test_database_refuses_a_bucket_over_its_limit(pro, service_of):
    hold(pro, service_of("重疾三甲专家预约"))
    with pytest.raises(IntegrityError), transaction.atomic():
        QuotaBucket.objects.update(held=2)


@pytest.mark.parametrize(
    ("start", "move", "outcome"),
    [
        ("held", "use", "used"),
        ("held", "release", "released"),
        ("used", "use", "used"),
        ("used", "release", QuotaStateError),
        ("released", "release", "released"),
        ("released", "use", QuotaStateError),
    ],
)
def test_every_ledger_move(pro, service_of, start, move, outcome):
    entry = hold(pro, service_of("重疾陪诊服务"))
    if start == "used":
        quota_use(hold=entry)
    elif start == "released":
        quota_release(hold=entry)
    action = quota_use if move == "use" else quota_release
    if outcome is QuotaStateError:
        with pytest.raises(QuotaStateError):
            action(hold=entry)
        return
    assert action(hold=entry).status == outcome
    bucket = QuotaBucket.objects.get()
    assert (bucket.held, bucket.used) == ({"held": 1, "used": 0, "released": 0}[outcome], int(outcome == "used"))


def test_a_refused_hold_leaves_the_bucket_as_it_was(pro, service_of):
    service = service_of("重疾三甲专家预约")
    hold(pro, service, reference="C-1")

    refusal(pro, service)  # the single upsert found the limit reached and changed nothing

    bucket = QuotaBucket.objects.get(enrollment=pro, service=service)
    assert (bucket.limit, bucket.held, bucket.used) == (1, 1, 0)


@pytest.mark.django_db(transaction=True)
def test_the_savepoint_free_hold_refuses_to_run_outside_a_transaction(pro, service_of):
    from entitlements.services import quota_hold_within

    with pytest.raises(RuntimeError, match="inside the caller's transaction"):
        quota_hold_within(enrollment=pro, beneficiary=pro.insured, service=service_of("重疾三甲专家预约"), on=ON)
    assert not QuotaBucket.objects.exists()
