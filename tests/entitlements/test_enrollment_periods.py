"""Enrollments store their computed service period and answer the service year of any day."""

import datetime as dt

import pytest

D = dt.date
pytestmark = pytest.mark.django_db


def test_enrollment_stores_the_computed_period(enroll):
    enrollment = enroll("2023-premium-2", effective_date=D(2024, 3, 1), payment_term_years=20)
    assert (enrollment.service_start, enrollment.service_end) == (D(2024, 3, 16), D(2044, 2, 29))


def test_service_year_is_the_policy_year(enroll):
    enrollment = enroll("2023-premium-2", effective_date=D(2024, 3, 1), payment_term_years=20)
    assert enrollment.service_year(D(2026, 11, 24)) == (D(2026, 3, 1), D(2027, 2, 28))
    assert enrollment.policy_year_number(D(2026, 11, 24)) == 3


def test_first_service_year_begins_after_the_cooling_off(enroll):
    enrollment = enroll("2023-pro", effective_date=D(2024, 3, 1), payment_term_years=20)
    assert enrollment.service_year(D(2024, 3, 16)) == (D(2024, 3, 16), D(2025, 2, 28))


def test_service_year_boundary_on_the_anniversary(enroll):
    enrollment = enroll("2023-pro", effective_date=D(2021, 3, 1), payment_term_years=10)
    assert enrollment.service_year(D(2022, 2, 28)) == (D(2021, 3, 16), D(2022, 2, 28))
    assert enrollment.service_year(D(2022, 3, 1)) == (D(2022, 3, 1), D(2023, 2, 28))


def test_privilege_years_count_from_the_service_start(enroll):
    enrollment = enroll("2020-tier-3", effective_date=D(2021, 1, 1), qualified_on=D(2021, 5, 1))
    assert (enrollment.service_start, enrollment.service_end) == (D(2021, 5, 20), D(2024, 5, 19))
    assert enrollment.service_year(D(2022, 5, 19)) == (D(2021, 5, 20), D(2022, 5, 19))
    assert enrollment.service_year(D(2022, 5, 20)) == (D(2022, 5, 20), D(2023, 5, 19))
    assert enrollment.policy_year_number(D(2024, 5, 19)) == 3


def test_upgraded_privilege_lasts_five_years(enroll):
    enrollment = enroll("2019-tier-2", qualified_on=D(2021, 5, 1), upgraded=True)
    assert enrollment.service_end == D(2026, 5, 19)


def test_puhui_period_is_one_quota_period(enroll):
    enrollment = enroll("puhui-2023", qualified_on=D(2023, 3, 10), effective_date=D(2023, 3, 10))
    assert (enrollment.service_start, enrollment.service_end) == (D(2023, 3, 11), D(2023, 12, 31))
    assert enrollment.service_year(D(2023, 12, 31)) == (D(2023, 3, 11), D(2023, 12, 31))


def test_care_edition_period(enroll):
    enrollment = enroll("2022-care", effective_date=D(2021, 6, 10), payment_term_years=20)
    assert (enrollment.service_start, enrollment.service_end) == (D(2021, 6, 25), D(2022, 6, 9))


def test_wuyou_single_premium_enrollment_lasts_one_year(enroll):
    enrollment = enroll("wuyou-2023-pro", effective_date=D(2023, 7, 1), payment_mode="single", payment_term_years=1)
    assert (enrollment.service_start, enrollment.service_end) == (D(2023, 7, 16), D(2024, 6, 30))


def test_enrollment_is_active_only_inside_its_period(enroll):
    enrollment = enroll("2023-pro", effective_date=D(2021, 3, 1), payment_term_years=10)
    assert not enrollment.is_active(D(2021, 3, 15))
    assert enrollment.is_active(D(2021, 3, 16))
    assert enrollment.is_active(D(2031, 2, 28))
    assert not enrollment.is_active(D(2031, 3, 1))
