"""Service periods and service years for every edition rule, at their boundaries (DOMAIN.md)."""

import datetime as dt

import pytest

from entitlements.periods import PeriodFigures, PolicyTerms, add_years, service_period, year_number

D = dt.date
# The catalogue's figures (entitlements/data/catalog.yaml): 2019/2020 "第 19 天起 … 为期 3 年 … 升级为
# 5 年"; 2022 关爱版 "保单生效后一年（不含 15 天犹豫期）".
PRIVILEGE = PeriodFigures(start_offset_days=19, years=3, upgraded_years=5)
CARE = PeriodFigures(fixed_cooling_off_days=15, years=1)


def terms(effective=None, *, cooling=15, years=10, single=False, qualified=None, upgraded=False):
    return PolicyTerms(effective, cooling, years, single, qualified or effective, upgraded)


def test_payment_term_period_starts_after_cooling_off_and_ends_with_the_term():
    period = service_period("payment_term", terms(D(2021, 3, 1), years=10))
    assert (period.start, period.end) == (D(2021, 3, 16), D(2031, 2, 28))


def test_cooling_off_is_taken_from_the_policy():
    period = service_period("payment_term", terms(D(2021, 3, 1), cooling=20, years=10))
    assert period.start == D(2021, 3, 21)


def test_care_edition_runs_one_year_from_effective_without_cooling_off():
    period = service_period("one_year", terms(D(2021, 6, 10)), CARE)
    assert (period.start, period.end) == (D(2021, 6, 25), D(2022, 6, 9))


@pytest.mark.parametrize(
    ("upgraded", "end"), [(False, D(2024, 5, 19)), (True, D(2026, 5, 19))], ids=["three-years", "upgraded-five"]
)
def test_privilege_editions_start_on_the_19th_day_after_qualifying(upgraded, end):
    period = service_period("nineteenth_day", terms(None, qualified=D(2021, 5, 1), upgraded=upgraded), PRIVILEGE)
    assert (period.start, period.end) == (D(2021, 5, 20), end)


def test_puhui_runs_from_the_day_after_joining_to_31_december():
    period = service_period("year_end", terms(None, qualified=D(2021, 3, 10)))
    assert (period.start, period.end) == (D(2021, 3, 11), D(2021, 12, 31))


def test_puhui_joined_on_30_december_has_one_day():
    period = service_period("year_end", terms(None, qualified=D(2021, 12, 30)))
    assert period.start == period.end == D(2021, 12, 31)


def test_wuyou_follows_the_payment_term():
    period = service_period("wuyou", terms(D(2023, 7, 1), years=20))
    assert (period.start, period.end) == (D(2023, 7, 16), D(2043, 6, 30))


def test_wuyou_single_premium_lasts_one_year():
    period = service_period("wuyou", terms(D(2023, 7, 1), years=1, single=True))
    assert (period.start, period.end) == (D(2023, 7, 16), D(2024, 6, 30))


def test_payment_term_ending_on_a_leap_day():
    period = service_period("payment_term", terms(D(2024, 3, 1), years=20))
    assert period.end == D(2044, 2, 29)


def test_2022_care_edition_starts_15_days_after_effective_whatever_the_policys_cooling_off():
    """太保蓝本（2022 版）关爱版服务有效期为保单生效后一年（不含 15 天犹豫期）."""
    period = service_period("one_year", terms(D(2022, 6, 10), cooling=20), CARE)
    assert (period.start, period.end) == (D(2022, 6, 25), D(2023, 6, 9))


def test_a_period_rule_without_its_catalogue_figures_is_refused():
    with pytest.raises(ValueError, match="start_offset_days"):
        service_period("nineteenth_day", terms(None, qualified=D(2021, 5, 1)))


def test_anniversary_of_a_leap_day_is_28_february_in_common_years():
    assert add_years(D(2024, 2, 29), 1) == D(2025, 2, 28)
    assert add_years(D(2024, 2, 29), 4) == D(2028, 2, 29)


@pytest.mark.parametrize(
    ("day", "number"),
    [(D(2024, 2, 29), 1), (D(2025, 2, 27), 1), (D(2025, 2, 28), 2), (D(2028, 2, 28), 4), (D(2028, 2, 29), 5)],
)
def test_policy_year_number_of_a_leap_day_policy(day, number):
    assert year_number(D(2024, 2, 29), day) == number
