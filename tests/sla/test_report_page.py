import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from sla.services import workday_ranks_sync
from tests.factories.cases import UserFactory
from tests.sla.report_fixture import build_report_fixture, make_manager

pytestmark = pytest.mark.django_db
SEPTEMBER = {"date_from": "2026-09-01", "date_to": "2026-09-30"}


@pytest.fixture
def fixture_cases():
    return build_report_fixture()


@pytest.fixture(autouse=True)
def on_report_day():
    """The page counts "late" and "at risk" as of today: make today the fixture's report day."""
    with time_machine.travel(datetime(2026, 9, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


@pytest.fixture
def manager_client(client):
    client.force_login(make_manager())
    return client


def test_manager_sees_figures_tables_and_chart(manager_client, fixture_cases):
    response = manager_client.get("/reports/", SEPTEMBER)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-figure="received">10<' in page
    assert '<svg id="trend-chart"' in page
    assert "甲服务商" in page and "乙服务商" in page


def test_user_without_report_permission_is_refused(client):
    client.force_login(UserFactory(username="coordinator-only"))

    assert client.get("/reports/").status_code == 403


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/reports/")

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_reversed_period_is_refused_with_the_reason(manager_client):
    response = manager_client.get("/reports/", {"date_from": "2026-09-30", "date_to": "2026-09-01"})

    assert response.status_code == 400
    assert "结束日期不能早于开始日期" in response.content.decode()


def test_csv_download_has_bom_and_the_same_figures(manager_client, fixture_cases):
    response = manager_client.get("/reports/", {**SEPTEMBER, "format": "csv"})

    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert ["受理量", "10"] in rows
    assert ["按时率（%）", "75.0"] in rows
    assert ["安排用时90分位（工作日）", "9.7"] in rows


def test_xlsx_download_opens_and_holds_the_same_figures(manager_client, fixture_cases):
    response = manager_client.get("/reports/", {**SEPTEMBER, "format": "xlsx"})

    workbook = load_workbook(io.BytesIO(response.content))
    summary = {row[0]: row[1] for row in workbook["汇总"].iter_rows(values_only=True)}
    assert summary["受理量"] == 10
    assert summary["按时安排"] == 3
    assert summary["安排用时中位数（工作日）"] == 8.0
    assert summary["超时"] == 2
    assert summary["临期未安排（1个工作日内到期）"] == 1
    assert summary["审核按时率（%）"] == 80.0
    providers = {row[0]: row[1:] for row in workbook["按服务商"].iter_rows(min_row=2, values_only=True)}
    assert providers["甲服务商"][:3] == (5, 3, 2)
    weeks = [row[:2] for row in workbook["趋势"].iter_rows(min_row=2, values_only=True)]
    assert weeks[0] == ("2026-08-31", 2)


def test_rank_table_follows_a_calendar_edit():
    from workdays.models import CalendarRevision

    workday_ranks_sync()
    assert not workday_ranks_sync()  # unchanged calendar: nothing to rebuild
    CalendarRevision.objects.update_or_create(pk=1, defaults={"token": "00000000-0000-0000-0000-000000000001"})

    assert workday_ranks_sync()


def test_provider_name_starting_like_a_formula_is_exported_as_text(manager_client, fixture_cases):
    fixture_cases["p1"].name = "=HYPERLINK(1)"
    fixture_cases["p1"].save()

    response = manager_client.get("/reports/", {**SEPTEMBER, "format": "xlsx"})

    providers = [row[0] for row in load_workbook(io.BytesIO(response.content))["按服务商"].iter_rows(values_only=True)]
    assert "'=HYPERLINK(1)" in providers


def test_report_permission_alone_opens_the_page(client):
    from django.contrib.auth.models import Permission

    user = UserFactory(username="analyst")
    user.user_permissions.add(Permission.objects.get(content_type__app_label="sla", codename="view_reports"))
    client.force_login(user)

    assert client.get("/reports/", SEPTEMBER).status_code == 200


def test_report_page_reads_the_cases_twice_whatever_the_period(manager_client, fixture_cases):
    """The figures come from one statement and the city choices from an index walk: the page's queries
    do not grow with the cases, the period or the number of providers and services."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    manager_client.get("/reports/", SEPTEMBER)  # the first view builds the working-day ranks
    with CaptureQueriesContext(connection) as captured:
        response = manager_client.get("/reports/", {"date_from": "2026-01-01", "date_to": "2026-12-31"})

    assert response.status_code == 200
    reading_cases = [
        q["sql"] for q in captured.captured_queries if '"cases_case"' in q["sql"] or "cases_case" in q["sql"]
    ]
    assert len(reading_cases) == 2  # the report statement and the city choices
    # Session, user, permissions, calendar and rank versions; whether the aggregates serve; the report
    # (its settings and statement, in a savepoint here); the unread-notice badge; the provider,
    # service and city choices.
    assert len(captured.captured_queries) <= 14, [q["sql"][:80] for q in captured.captured_queries]


def test_xlsx_text_cells_are_strings_never_formulas(manager_client, fixture_cases):
    fixture_cases["p1"].name = "-2+3"
    fixture_cases["p1"].save()

    response = manager_client.get("/reports/", {**SEPTEMBER, "format": "xlsx"})

    for sheet in load_workbook(io.BytesIO(response.content)):
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert cell.data_type == "s" and not cell.value.startswith(("=", "+", "-", "@"))


@pytest.mark.parametrize("export", ["csv", "xlsx"])
def test_every_report_download_is_in_the_audit_trail(manager_client, fixture_cases, export):
    from audit.models import AuditEvent

    manager_client.get("/reports/", {**SEPTEMBER, "format": export})
    event = AuditEvent.objects.get(action="export")
    assert export.upper() in event.summary and event.extra["format"] == export
