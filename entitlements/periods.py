"""Service periods and service years, as the handbook's 服务期限 clauses define them.

Pure date arithmetic, no database: every rule is tested at its boundaries. All dates are calendar
dates in Asia/Shanghai and every range is inclusive at both ends.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from entitlements.models.catalog import PeriodRule


@dataclass(frozen=True)
class PeriodFigures:
    """The figures of an edition's 服务期限 clause, kept in the catalogue (``Edition`` fields):
    2019/2020 "第 19 天起 … 为期 3 年 … 升级为 5 年"; 关爱版 "保单生效后一年（不含 15 天犹豫期）"."""

    start_offset_days: int | None = None
    fixed_cooling_off_days: int | None = None
    years: int | None = None
    upgraded_years: int | None = None


def figures_of(edition) -> PeriodFigures:
    """The period figures of a catalogue ``Edition`` row."""
    return PeriodFigures(
        start_offset_days=edition.start_offset_days,
        fixed_cooling_off_days=edition.fixed_cooling_off_days,
        years=edition.period_years,
        upgraded_years=edition.upgraded_period_years,
    )


def _figure(value: int | None, name: str) -> int:
    if value is None:
        raise ValueError(f"the edition's period rule needs {name} (catalogue data)")
    return value


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class PolicyTerms:
    """What a service period depends on, whatever model it comes from."""

    effective_date: date | None
    cooling_off_days: int
    payment_term_years: int
    single_premium: bool
    qualified_on: date
    upgraded: bool = False
    # The first day the qualifying policy is no longer in force (lapsed, surrendered, terminated).
    policy_ended_on: date | None = None


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later; 29 February falls back to the 28th in common years,
    the usual reading of a policy anniversary (保单周年日)."""
    year = day.year + years
    if day.month == 2 and day.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return day.replace(year=year)


def years_span(start: date, years: int) -> date:
    """The last day of ``years`` whole years counted from ``start``."""
    return add_years(start, years) - timedelta(days=1)


def _payment_term(terms: PolicyTerms, figures: PeriodFigures) -> DateRange:
    effective = _require_effective(terms)
    # 趸交 has no payment term to follow: the handbook gives 无忧管家 one year; the other
    # payment-term editions are read the same way (one premium, one year).
    years = 1 if terms.single_premium else terms.payment_term_years
    return DateRange(effective + timedelta(days=terms.cooling_off_days), years_span(effective, years))


def _one_year(terms: PolicyTerms, figures: PeriodFigures) -> DateRange:
    effective = _require_effective(terms)
    # 关爱版 "不含 15 天犹豫期": the clause fixes the days, whatever the policy's own field says.
    cooling_off = figures.fixed_cooling_off_days
    cooling_off = terms.cooling_off_days if cooling_off is None else cooling_off
    years = figures.years or 1
    return DateRange(effective + timedelta(days=cooling_off), years_span(effective, years))


def _nineteenth_day(terms: PolicyTerms, figures: PeriodFigures) -> DateRange:
    # "从客户满足指定条件后的第 19 天起为服务起始日": the offset is data (start_offset_days).
    start = terms.qualified_on + timedelta(days=_figure(figures.start_offset_days, "start_offset_days"))
    if terms.upgraded:
        years = _figure(figures.upgraded_years, "upgraded_period_years")
    else:
        years = _figure(figures.years, "period_years")
    return DateRange(start, years_span(start, years))


def _year_end(terms: PolicyTerms, figures: PeriodFigures) -> DateRange:
    return DateRange(terms.qualified_on + timedelta(days=1), date(terms.qualified_on.year, 12, 31))


def _require_effective(terms: PolicyTerms) -> date:
    if terms.effective_date is None:
        raise ValueError("effective_date is required for a policy-based service period")
    return terms.effective_date


_RULES = {
    PeriodRule.PAYMENT_TERM: _payment_term,
    PeriodRule.WUYOU: _payment_term,
    PeriodRule.ONE_YEAR: _one_year,
    PeriodRule.NINETEENTH_DAY: _nineteenth_day,
    PeriodRule.YEAR_END: _year_end,
}


def service_period(rule: str, terms: PolicyTerms, figures: PeriodFigures | None = None) -> DateRange:
    """The inclusive service period of an enrollment under the edition's ``period_rule`` and the
    figures its catalogue row carries; a policy that ends ends the period the day before."""
    period = _RULES[PeriodRule(rule)](terms, figures or PeriodFigures())
    if terms.policy_ended_on is not None and terms.policy_ended_on <= period.end:
        return DateRange(period.start, terms.policy_ended_on - timedelta(days=1))
    return period


def year_base(rule: str, terms: PolicyTerms, period: DateRange) -> date:
    """The day service years are counted from: the policy's effective date (保单年度), except for
    2019/2020, whose years run from the service start."""
    if PeriodRule(rule) == PeriodRule.NINETEENTH_DAY:
        return period.start
    return _require_effective(terms)


def year_number(base: date, day: date) -> int:
    """1-based number of the year (counted from ``base``) that contains ``day``."""
    number = day.year - base.year
    if add_years(base, number) > day:
        number -= 1
    return number + 1


def year_containing(rule: str, base: date, period: DateRange, day: date) -> DateRange:
    """The service year containing ``day``, cut to the service period (year 1 begins after the
    cooling-off; 普惠版's whole period is one quota period)."""
    if PeriodRule(rule) == PeriodRule.YEAR_END:
        return period
    number = year_number(base, day)
    start = add_years(base, number - 1)
    end = years_span(base, number)
    return DateRange(max(start, period.start), min(end, period.end))
