from datetime import datetime

import pytest

from cases.models import Case, CaseState
from sla.filters import ReportFilter
from sla.selectors import manager_report
from sla.services import workday_ranks_sync
from tests.sla.report_fixture import (
    EXPECTED_PROVIDERS,
    EXPECTED_SERVICES,
    EXPECTED_SUMMARY,
    EXPECTED_WEEKS,
    REPORT_DAY,
    SH,
    build_report_fixture,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def fixture_cases():
    workday_ranks_sync()
    return build_report_fixture()


def september(**filters) -> Case:
    data = {"date_from": "2026-09-01", "date_to": "2026-09-30", "grain": "week", **filters}
    filterset = ReportFilter(data, queryset=Case.objects.all())
    assert filterset.is_valid(), filterset.form.errors
    return filterset.qs


def pick(row: dict, keys) -> dict:
    return {key: row[key] for key in keys}


def test_summary_equals_the_hand_computed_figures(fixture_cases):
    report = manager_report(september(), today=REPORT_DAY)

    assert pick(report.summary, EXPECTED_SUMMARY) == EXPECTED_SUMMARY


def test_per_provider_table_equals_the_hand_computed_figures(fixture_cases):
    report = manager_report(september(), today=REPORT_DAY)

    rows = {row["label"]: pick(row, EXPECTED_PROVIDERS["甲服务商"]) for row in report.providers}
    assert rows == EXPECTED_PROVIDERS


def test_per_service_table_equals_the_hand_computed_figures(fixture_cases):
    report = manager_report(september(), today=REPORT_DAY)

    names = {fixture_cases[key].name: key for key in ("a", "b")}
    rows = {names[row["label"]]: pick(row, EXPECTED_SERVICES["a"]) for row in report.services}
    assert rows == EXPECTED_SERVICES


def test_weekly_trend_counts_cases_by_their_shanghai_week(fixture_cases):
    report = manager_report(september(), today=REPORT_DAY)

    assert [(row["period"], row["received"]) for row in report.trend] == EXPECTED_WEEKS


def test_monthly_trend_puts_a_just_after_midnight_case_in_its_shanghai_month(fixture_cases):
    report = manager_report(september(), today=REPORT_DAY, grain="month")

    assert [(row["period"].isoformat(), row["received"]) for row in report.trend] == [("2026-09-01", 10)]


def test_filter_to_one_provider_keeps_only_its_cases(fixture_cases):
    report = manager_report(september(provider=str(fixture_cases["p2"].pk)), today=REPORT_DAY)

    assert pick(report.summary, ["received", "arranged", "breaches", "at_risk"]) == {
        "received": 3,
        "arranged": 1,
        "breaches": 1,
        "at_risk": 1,
    }


def test_filter_by_service_series_and_city(fixture_cases):
    assert manager_report(september(service=str(fixture_cases["b"].pk)), today=REPORT_DAY).summary["received"] == 4
    assert manager_report(september(series="2023"), today=REPORT_DAY).summary["received"] == 10
    assert manager_report(september(series="2019"), today=REPORT_DAY).summary["received"] == 0
    Case.objects.filter(pk=fixture_cases["cases"][1].pk).update(city="北京")
    assert manager_report(september(city="北京"), today=REPORT_DAY).summary["received"] == 1


def test_period_ending_before_it_starts_is_refused_naming_the_field():
    filterset = ReportFilter({"date_from": "2026-09-30", "date_to": "2026-09-01"}, queryset=Case.objects.all())

    assert not filterset.is_valid()
    assert "结束日期不能早于开始日期" in filterset.form.errors["date_to"][0]


def test_report_runs_a_fixed_number_of_queries(fixture_cases, django_assert_max_num_queries):
    queryset = september()
    # The statement and its settings, in a savepoint here (the test runs inside a transaction).
    with django_assert_max_num_queries(4):
        manager_report(queryset, today=REPORT_DAY)


def test_trend_chart_keeps_an_empty_week_on_its_axis():
    from datetime import date

    from sla.charts import trend_chart

    chart = trend_chart(
        [
            {"period": date(2026, 9, 7), "received": 2, "breaches": 1},
            {"period": date(2026, 9, 21), "received": 4, "breaches": 0},
        ]
    )

    assert [label["text"] for label in chart["labels"]] == ["09-07", "09-14", "09-21"]
    assert chart["peak"] == 4


def _received_on(submitted) -> Case:
    from tests.factories.cases import CaseFactory

    case = CaseFactory(state=CaseState.SUBMITTED, quota_hold=None)
    Case.objects.filter(pk=case.pk).update(submitted_at=submitted)
    return case


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        # 1 September 00:00 in Shanghai is still 31 August in UTC: in.
        ("2026-08-31T23:59:59.999999", False),
        ("2026-09-01T00:00:00", True),
        # 30 September 23:59 in Shanghai (15:59 UTC) is in; 1 October 00:00 (16:00 UTC, still the
        # 30th in UTC) is out.
        ("2026-09-30T23:59:59.999999", True),
        ("2026-10-01T00:00:00", False),
    ],
)
def test_period_runs_from_midnight_to_midnight_in_shanghai(moment, inside):
    case = _received_on(datetime.fromisoformat(moment).replace(tzinfo=SH))

    assert september().filter(pk=case.pk).exists() is inside
    assert manager_report(september(), today=REPORT_DAY).summary["received"] == int(inside)


def test_report_without_a_working_day_horizon_counts_nothing_at_risk(fixture_cases):
    from sla import selectors

    day = selectors.ReportDay(REPORT_DAY, None)
    report = selectors._report_pg(september(), day=day, grain="week")

    assert report["summary"]["at_risk"] == 0
    assert report["summary"]["open_late"] == EXPECTED_SUMMARY["open_late"]


def test_report_of_no_cases_has_empty_figures():
    report = manager_report(september(), today=REPORT_DAY)

    assert report.summary["received"] == 0
    assert report.summary["arrange_median"] is None
    assert report.summary["on_time_pct"] is None
    assert (report.providers, report.services, report.trend) == ([], [], [])


@pytest.mark.parametrize(
    "values", [[4, 7, 9, 10], [5], [1, 1, 2, 3, 5, 8, 13], [0, 0, 0, 2, 2, 11], [3, -1, 3, 3], [2.5, 0.0, 11.0]]
)
@pytest.mark.parametrize("fraction", [0.0, 0.5, 0.9, 1.0])
def test_percentile_from_counts_equals_postgresql_percentile_cont(values, fraction):
    from collections import Counter

    from django.db import connection

    from sla.aggregates import percentile_cont_counts

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT percentile_cont(%s) WITHIN GROUP (ORDER BY x) FROM unnest(%s::float8[]) AS x", [fraction, values]
        )
        expected = cursor.fetchone()[0]

    assert percentile_cont_counts(Counter(values), fraction) == pytest.approx(expected)
    assert percentile_cont_counts({}, fraction) is None
