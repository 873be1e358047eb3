"""Service years tile the service period: every day in exactly one year, no gaps, leap days included."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from entitlements.periods import PeriodFigures, PolicyTerms, service_period, year_base, year_containing, year_number

EFFECTIVE = st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2030, 12, 31))
FIGURES = PeriodFigures(start_offset_days=19, fixed_cooling_off_days=15, years=3, upgraded_years=5)
RULES = st.sampled_from(["payment_term", "one_year", "nineteenth_day", "wuyou"])


@settings(max_examples=300, deadline=None)
@given(effective=EFFECTIVE, rule=RULES, years=st.integers(1, 30), offset=st.integers(0, 11000))
def test_service_years_contain_the_day_and_follow_each_other(effective, rule, years, offset):
    terms = PolicyTerms(effective, 15, years, False, effective, False)
    period = service_period(rule, terms, FIGURES)
    day = period.start + dt.timedelta(days=offset % ((period.end - period.start).days + 1))
    base = year_base(rule, terms, period)
    year = year_containing(rule, base, period, day)
    assert year.start <= day <= year.end
    assert period.start <= year.start and year.end <= period.end
    if year.end < period.end:
        following = year_containing(rule, base, period, year.end + dt.timedelta(days=1))
        assert following.start == year.end + dt.timedelta(days=1)
        assert year_number(base, following.start) == year_number(base, day) + 1
