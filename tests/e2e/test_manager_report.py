"""A manager opens the SLA report, narrows it to one provider, reads the chart, opens a figure into
the cases behind it, and takes the XLSX and the breaches export."""

import csv

import pytest
from openpyxl import load_workbook

from audit.roles import roles_sync
from tests.e2e.conftest import PASSWORD, login
from tests.sla.report_fixture import build_report_fixture, make_manager


def _manager(username: str = "ops-manager"):
    roles_sync()  # the 运营管理 role's permissions: it reads the case list behind a figure
    manager = make_manager(username)
    manager.set_password(PASSWORD)
    manager.save()
    return manager


def _september(page, live_server, provider: str | None = None) -> None:
    page.goto(f"{live_server.url}/reports/")
    page.fill("#id_date_from", "2026-09-01")
    page.fill("#id_date_to", "2026-09-30")
    if provider:
        page.select_option("#id_provider", label=provider)
    with page.expect_navigation():
        page.click("#report-filters button[type=submit]")


@pytest.mark.django_db(transaction=True)
def test_manager_filters_report_to_one_provider_and_downloads_xlsx(page, live_server, screenshot, tmp_path):
    build_report_fixture()
    _manager()
    login(page, live_server, "ops-manager")

    _september(page, live_server, "乙服务商")

    assert page.locator('[data-figure="received"]').inner_text() == "3"
    assert page.locator("#trend-chart").is_visible()
    assert page.locator("#trend-chart rect.received").count() >= 1
    assert page.locator("#by-provider tbody tr").all_inner_texts()[0].startswith("乙服务商")
    assert page.locator("#by-provider tbody tr").count() == 1

    with page.expect_download() as download_info:
        page.click("#download-xlsx")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    workbook = load_workbook(saved)
    summary = {row[0]: row[1] for row in workbook["汇总"].iter_rows(values_only=True)}
    assert summary["受理量"] == 3
    assert "乙服务商" in summary["筛选条件"]
    assert [row[0] for row in workbook["按服务商"].iter_rows(min_row=2, values_only=True)] == ["乙服务商"]


@pytest.mark.django_db(transaction=True)
def test_manager_opens_a_figure_into_its_cases_reads_the_chart_and_exports_the_breaches(
    page, live_server, screenshot, tmp_path
):
    fixture = build_report_fixture()
    _manager()
    login(page, live_server, "ops-manager")
    _september(page, live_server)
    screenshot("manager-report")

    # The chart: titled axes, round ticks, each bar's value, a legend.
    chart = page.locator("#trend-chart")
    assert chart.locator("#chart-y-title").text_content() == "案件数（件）"
    assert chart.locator("#chart-x-title").text_content() == "受理周（周一），2026年"
    assert chart.locator("#chart-legend text").all_text_contents() == ["受理量", "超时"]
    received = chart.locator('text[data-series="received"]').all_text_contents()
    assert [int(v) for v in received] == [2, 2, 1, 4, 1]
    chart.screenshot(path=str(screenshot("manager-report").parent / "manager-report-chart.png"))

    # 超时 in the summary opens exactly the cases it counts.
    breaches = int(page.locator('#summary [data-figure="breaches"]').inner_text())
    assert breaches >= 2
    with page.expect_navigation():
        page.click('#summary [data-figure="breaches"]')
    assert "/admin/cases/case/" in page.url
    assert page.locator("#result_list tbody tr").count() == breaches
    listed = page.locator("#result_list tbody tr th a").all_inner_texts()
    assert fixture["cases"][2].number in listed and fixture["cases"][5].number in listed
    assert "超时 · 受理 2026-09-01 至 2026-09-30" in page.locator("#changelist-filter").inner_text()
    screenshot("manager-report-figure-cases")

    # A provider row's 受理量 opens that provider's cases.
    page.go_back()
    page.wait_for_load_state()
    row = page.locator("#by-provider tbody tr", has_text="甲服务商")
    count = int(row.locator('[data-cell="received"]').inner_text())
    with page.expect_navigation():
        row.locator('[data-cell="received"]').click()
    assert page.locator("#result_list tbody tr").count() == count == 5

    # The breaches, case by case, with their working days.
    page.go_back()
    page.wait_for_load_state()
    with page.expect_download() as download_info:
        page.click("#download-breaches-csv")
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    with saved.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows[1][:3] == ["案件编号", "服务项目", "服务商"]
    assert len(rows) - 2 == breaches
    late = next(row for row in rows[2:] if row[0] == fixture["cases"][2].number)
    assert late[7] == "10" and late[10] == "超时安排"
