"""The export of the breaches behind the report's 超时 figure: one row per late case with its clock's
figures (the same as the case pages show), CSV and XLSX, text never run as a formula."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from cases.clock import clock_figures
from cases.models import Case
from sla.exports import BREACH_COLUMNS
from sla.services import workday_ranks_sync
from tests.sla.report_fixture import REPORT_DAY, at, build_report_fixture, make_manager

pytestmark = pytest.mark.django_db
SEPTEMBER = {"date_from": "2026-09-01", "date_to": "2026-09-30"}
EXCUSE = '=HYPERLINK("http://evil.example","医院停诊")'


@pytest.fixture(autouse=True)
def on_report_day():
    with time_machine.travel(datetime(2026, 9, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


@pytest.fixture
def fixture_cases():
    workday_ranks_sync()
    built = build_report_fixture()
    # #2 was arranged late; a coordinator excused it for a hospital-side reason.
    Case.objects.filter(pk=built["cases"][2].pk).update(sla_exempt_reason=EXCUSE, sla_exempt_at=at("09-19", "09:30"))
    return built


@pytest.fixture
def manager_client(client):
    client.force_login(make_manager())
    return client


def csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def expected_row(case: Case) -> dict:
    case = Case.objects.select_related("service").get(pk=case.pk)
    clock = clock_figures(case, today=REPORT_DAY)
    return {
        "案件编号": case.number,
        "时效起算日": clock.started_on.isoformat(),
        "时效停止日": clock.stopped_on.isoformat() if clock.stopped_on else "",
        "已用工作日": str(clock.used_working_days),
        "最迟时限（工作日）": str(clock.deadline_days),
        "最迟完成日": clock.deadline_due.isoformat(),
    }


def test_breaches_csv_lists_each_late_case_with_its_working_days(manager_client, fixture_cases):
    response = manager_client.get("/reports/", {**SEPTEMBER, "format": "breaches_csv"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="sla-breaches-20260930.csv"'
    rows = csv_rows(response)
    assert rows[0][:2] == ["报表日期", "2026-09-30"]
    assert rows[1] == BREACH_COLUMNS
    body = [dict(zip(BREACH_COLUMNS, row, strict=True)) for row in rows[2:]]
    # as many rows as the report's 超时 figure: #2 arranged late, #5 still open past its deadline
    assert [row["案件编号"] for row in body] == [fixture_cases["cases"][n].number for n in (2, 5)]
    late, still_open = body
    assert {key: late[key] for key in expected_row(fixture_cases["cases"][2])} == expected_row(
        fixture_cases["cases"][2]
    )
    assert late["已用工作日"] == "10"  # (4 Sep, 18 Sep]
    assert late["超时类型"] == "超时安排" and late["服务商"] == "甲服务商"
    assert late["时效豁免原因"] == "'" + EXCUSE  # kept as text: the spreadsheet does not run it
    assert late["豁免时间"] == "2026-09-19 09:30"
    assert {key: still_open[key] for key in expected_row(fixture_cases["cases"][5])} == expected_row(
        fixture_cases["cases"][5]
    )
    assert still_open["已用工作日"] == "16"  # (8 Sep, 30 Sep], with the make-up Sunday, without the Mid-Autumn Friday
    assert still_open["时效停止日"] == "" and still_open["超时类型"] == "未安排已超时"
    assert still_open["时效豁免原因"] == ""


def test_breaches_xlsx_holds_the_same_rows_as_text_never_formulas(manager_client, fixture_cases):
    csv_body = csv_rows(manager_client.get("/reports/", {**SEPTEMBER, "format": "breaches_csv"}))[2:]

    response = manager_client.get("/reports/", {**SEPTEMBER, "format": "breaches_xlsx"})

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["超时明细"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[1]) == BREACH_COLUMNS
    assert [["" if v is None else str(v) for v in row] for row in rows[2:]] == csv_body
    excuse = sheet.cell(row=3, column=BREACH_COLUMNS.index("时效豁免原因") + 1)
    assert excuse.data_type == "s" and excuse.value.startswith("'=")


def test_breaches_follow_the_report_filters_and_are_audited(manager_client, fixture_cases):
    from audit.models import AuditEvent

    response = manager_client.get(
        "/reports/", {**SEPTEMBER, "provider": fixture_cases["p2"].pk, "format": "breaches_csv"}
    )

    assert [row[0] for row in csv_rows(response)[2:]] == [fixture_cases["cases"][5].number]
    event = AuditEvent.objects.latest("at")
    assert event.summary.startswith("导出超时明细（CSV）") and "乙服务商" in event.summary


def test_the_page_offers_the_breach_downloads(manager_client, fixture_cases):
    page = manager_client.get("/reports/", SEPTEMBER).content.decode()

    assert "超时明细 CSV" in page and "format=breaches_xlsx" in page
