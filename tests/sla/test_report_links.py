"""Every count of the manager report opens the list of the cases behind it, and that list holds as
many cases as the figure says."""

import html
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from audit.roles import roles_sync
from sla.services import workday_ranks_sync
from tests.sla.report_fixture import build_report_fixture, make_manager

pytestmark = pytest.mark.django_db
SEPTEMBER = {"date_from": "2026-09-01", "date_to": "2026-09-30"}
FIGURE_LINK = re.compile(r'<a class="figure" href="([^"]+)"[^>]*data-(?:figure|cell)="(\w+)">(\d+)</a>')


@pytest.fixture(autouse=True)
def on_report_day():
    with time_machine.travel(datetime(2026, 9, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


@pytest.fixture
def fixture_cases():
    workday_ranks_sync()
    return build_report_fixture()


@pytest.fixture
def manager_client(client):
    roles_sync()  # the 运营管理 group with the role's permissions: it reads the case list
    client.force_login(make_manager())
    return client


def figure_links(page: str) -> list[tuple[str, str, int]]:
    return [(html.unescape(url), figure, int(value)) for url, figure, value in FIGURE_LINK.findall(page)]


def listed(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    assert "e=1" not in response.get("Location", "")
    return response.context["cl"].result_count


def assert_every_figure_opens_its_cases(client, query: dict) -> list[tuple[str, str, int]]:
    page = client.get("/reports/", query).content.decode()
    links = figure_links(page)
    assert links, "the report prints no linked figure"
    for url, figure, value in links:
        assert url.startswith("/admin/cases/case/?")
        assert listed(client, url) == value, (figure, url)
    return links


def test_every_figure_of_the_september_report_lists_as_many_cases(manager_client, fixture_cases):
    links = assert_every_figure_opens_its_cases(manager_client, SEPTEMBER)

    figures = {figure for _, figure, _ in links}
    assert {"received", "arranged", "on_time", "arranged_late", "open_late", "breaches", "at_risk"} <= figures
    assert {"reviewed", "review_on_time"} <= figures
    # summary, three providers, two services, one city, five weeks: nine figures each at least
    assert len(links) >= 9 + 5 * (3 + 2 + 1 + 5)
    summary = {figure: value for _, figure, value in links[:9]}
    assert summary["received"] == 10 and summary["breaches"] == 2 and summary["at_risk"] == 1


def test_figures_of_a_filtered_monthly_report_list_as_many_cases(manager_client, fixture_cases):
    query = {**SEPTEMBER, "provider": fixture_cases["p1"].pk, "grain": "month"}

    links = assert_every_figure_opens_its_cases(manager_client, query)

    assert links[0][1] == "received" and links[0][2] == 5


def test_the_list_names_the_figure_and_clears_it(manager_client, fixture_cases):
    page = manager_client.get("/reports/", SEPTEMBER).content.decode()
    url = next(url for url, figure, _ in figure_links(page) if figure == "breaches")

    response = manager_client.get(url)

    text = response.content.decode()
    assert "时效报表指标" in text and "超时 · 受理 2026-09-01 至 2026-09-30" in text
    assert "清除报表指标" in text
    numbers = {case.number for case in response.context["cl"].result_list}
    assert numbers == {fixture_cases["cases"][2].number, fixture_cases["cases"][5].number}


def test_a_reader_without_the_case_list_gets_no_cases(client, fixture_cases):
    from tests.factories.cases import UserFactory

    client.force_login(UserFactory(username="nobody"))
    response = client.get("/admin/cases/case/?queue=all&report_figure=received&report_from=2026-09-01")

    assert response.status_code in (302, 403)
