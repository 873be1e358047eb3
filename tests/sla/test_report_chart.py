"""The trend chart: titled axes with round ticks, each bar's value printed on it, a legend, and each
bar opening the cases it counts."""

import html
import itertools
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from audit.roles import roles_sync
from sla.charts import nice_step, trend_chart
from sla.services import workday_ranks_sync
from tests.sla.report_fixture import EXPECTED_WEEKS, build_report_fixture, make_manager

SEPTEMBER = {"date_from": "2026-09-01", "date_to": "2026-09-30"}
BAR_LINK = re.compile(r'<a href="([^"]+)"><rect class="(received|breaches)"[^>]*>.*?</rect><text[^>]*>(\d+)</text></a>')


@pytest.mark.parametrize(("peak", "step"), [(0, 1), (4, 1), (8, 2), (11, 5), (37, 10), (180, 50), (1234, 500)])
def test_ticks_are_round_and_few(peak, step):
    assert nice_step(peak) == step


def test_chart_has_ticks_up_to_a_round_top_and_a_value_per_bar():
    chart = trend_chart(
        [
            {"period": date(2026, 9, 7), "received": 8, "breaches": 3},
            {"period": date(2026, 9, 14), "received": 11, "breaches": 0},
        ]
    )

    assert [tick["value"] for tick in chart["ticks"]] == [0, 5, 10, 15]
    assert [bar["value"] for bar in chart["bars"]] == [8, 3, 11, 0]
    assert chart["x_title"] == "受理周（周一），2026年" and chart["y_title"] == "案件数（件）"
    # a bar's value sits just above it
    assert all(bar["value_y"] < bar["y"] for bar in chart["bars"])


def test_a_year_of_weeks_widens_the_chart_instead_of_crowding_it():
    weeks = [
        {
            "period": date(2025, 12, 29) + (date(2026, 1, 5) - date(2025, 12, 29)) * i,
            "received": 1000 + i,
            "breaches": 99,
        }
        for i in range(53)
    ]

    chart = trend_chart(weeks)

    slots = [label["x"] for label in chart["labels"]]
    assert min(b - a for a, b in itertools.pairwise(slots)) >= 60
    assert chart["x_title"] == "受理周（周一），2025–2026年"


def test_monthly_chart_labels_months():
    chart = trend_chart(
        [
            {"period": date(2026, 1, 1), "received": 3, "breaches": 1},
            {"period": date(2026, 3, 1), "received": 2, "breaches": 0},
        ],
        "month",
    )

    assert [label["text"] for label in chart["labels"]] == ["2026-01", "2026-02", "2026-03"]
    assert chart["x_title"].startswith("受理月")


@pytest.mark.django_db
def test_the_page_draws_axes_values_legend_and_bars_that_open_their_cases(client):
    workday_ranks_sync()
    build_report_fixture()
    roles_sync()
    client.force_login(make_manager())
    with time_machine.travel(datetime(2026, 9, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        page = client.get("/reports/", SEPTEMBER).content.decode()
        start = page.index('<svg id="trend-chart"')
        svg = page[start : page.index("</svg>", start)]

        assert 'id="chart-x-title"' in svg and "受理周（周一），2026年" in svg
        assert 'id="chart-y-title"' in svg and "案件数（件）" in svg
        assert 'id="chart-legend"' in svg and ">受理量<" in svg and ">超时<" in svg
        values = re.findall(r'data-series="received">(\d+)<', svg)
        assert [int(v) for v in values] == [count for _, count in EXPECTED_WEEKS]
        links = [(html.unescape(url), series, int(value)) for url, series, value in BAR_LINK.findall(svg)]
        assert len(links) == 5 + 2  # five weeks received, two weeks with a breach
        for url, _series, value in links:
            assert client.get(url).context["cl"].result_count == value
