"""A manager opens the SLA report, narrows it to one provider, reads the chart and takes the XLSX."""

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import PASSWORD, login
from tests.sla.report_fixture import build_report_fixture, make_manager


@pytest.mark.django_db(transaction=True)
def test_manager_filters_report_to_one_provider_and_downloads_xlsx(page, live_server, screenshot, tmp_path):
    build_report_fixture()
    manager = make_manager("ops-manager")
    manager.set_password(PASSWORD)
    manager.save()
    login(page, live_server, "ops-manager")

    page.goto(f"{live_server.url}/reports/")
    page.fill("#id_date_from", "2026-09-01")
    page.fill("#id_date_to", "2026-09-30")
    page.select_option("#id_provider", label="乙服务商")
    page.click("#report-filters button[type=submit]")
    page.wait_for_load_state()

    assert page.locator('[data-figure="received"]').inner_text() == "3"
    assert page.locator("#trend-chart").is_visible()
    assert page.locator("#trend-chart rect.received").count() >= 1
    assert page.locator("#by-provider tbody tr").all_inner_texts()[0].startswith("乙服务商")
    assert page.locator("#by-provider tbody tr").count() == 1
    screenshot("manager-report")

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
