"""CSV and XLSX downloads of the manager report: the same figures, read from the same report."""

import io
from collections.abc import Iterator

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from cases.admin_report import PREFIX, figure_queryset
from cases.clock import clock_figures
from cases.models import Case
from config.exports import SafeCsvWriter, xlsx_append
from sla.links import base_params
from sla.selectors import UNASSIGNED, ManagerReport

SUMMARY = [
    ("received", "受理量"),
    ("arranged", "已安排"),
    ("on_time", "按时安排"),
    ("on_time_pct", "按时率（%）"),
    ("exempt_late", "其中：院方原因豁免"),
    ("on_time_exempt_pct", "按时率（含豁免）（%）"),
    ("arrange_median", "安排用时中位数（工作日）"),
    ("arrange_p90", "安排用时90分位（工作日）"),
    ("breaches", "超时"),
    ("arranged_late", "其中：超时安排"),
    ("open_late", "其中：未安排已超时"),
    ("at_risk", "临期未安排（1个工作日内到期）"),
    ("reviewed", "已审核"),
    ("review_median", "审核用时中位数（工作日）"),
    ("review_on_time_pct", "审核按时率（%）"),
]
TABLE = [
    ("received", "受理量"),
    ("arranged", "已安排"),
    ("on_time", "按时安排"),
    ("on_time_pct", "按时率（%）"),
    ("on_time_exempt_pct", "按时率（含豁免）（%）"),
    ("arrange_median", "用时中位数"),
    ("arrange_p90", "用时90分位"),
    ("breaches", "超时"),
    ("at_risk", "临期"),
]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sections(report: ManagerReport, filters: str) -> list[tuple[str, list[list]]]:
    """(title, rows) of every block, shared by both formats."""
    summary = [["报表日期", report.day.today.isoformat()], ["筛选条件", _text(filters)]]
    summary += [[label, report.summary[key]] for key, label in SUMMARY]
    period = "周（周一）" if report.grain == "week" else "月"
    return [
        ("汇总", [["指标", "数值"], *summary]),
        ("按服务商", _table("服务商", report.providers)),
        ("按服务项目", _table("服务项目", report.services)),
        ("趋势", _table(period, report.trend, label="period")),
    ]


def _text(value) -> str:
    """A label as text (the shared writers keep one starting with = + - @ from running as a formula)."""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _table(heading: str, rows: list[dict], label: str = "label") -> list[list]:
    out = [[heading, *(title for _, title in TABLE)]]
    for row in rows:
        out.append([_text(row[label]), *(row[key] for key, _ in TABLE)])
    return out


def report_csv(report: ManagerReport, *, filters: str, filename: str) -> HttpResponse:
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    for title, rows in _sections(report, filters):
        writer.writerow([f"【{title}】"])
        writer.writerows(rows)
        writer.writerow([])
    # The BOM lets Excel on Chinese Windows open UTF-8 without garbling.
    response = HttpResponse(("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def report_workbook(report: ManagerReport, *, filters: str) -> Workbook:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in _sections(report, filters):
        sheet = workbook.create_sheet(title)
        for row in rows:
            xlsx_append(sheet, row)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.column_dimensions["A"].width = 34
    return workbook


def report_xlsx(report: ManagerReport, *, filters: str, filename: str) -> HttpResponse:
    buffer = io.BytesIO()
    report_workbook(report, filters=filters).save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


# --- the breaches behind the report's 超时 figure, one row per case --------------------------------

BREACH_COLUMNS = [
    "案件编号",
    "服务项目",
    "服务商",
    "城市",
    "受理日期",
    "时效起算日",
    "时效停止日",
    "已用工作日",
    "最迟时限（工作日）",
    "最迟完成日",
    "超时类型",
    "时效豁免原因",
    "豁免时间",
]


def breach_rows(report: ManagerReport, cleaned: dict) -> Iterator[list]:
    """The cases counted in the report's 超时 figure (the same cohort and filters), with the clock's
    figures as ``cases.clock.clock_figures`` gives them on the report's day."""
    params = {
        key.removeprefix(PREFIX): value
        for key, value in base_params(cleaned, today=report.day.today, grain=report.grain).items()
        if key.startswith(PREFIX)
    }
    params["figure"] = "breaches"
    today = report.day.today
    cases = (
        figure_queryset(Case.objects.all(), params, today=today)
        .select_related("service", "provider")
        .order_by("submitted_at", "id")
    )
    for case in cases.iterator(chunk_size=2000):
        clock = clock_figures(case, today=today)
        yield [
            case.number,
            case.service.name,
            case.provider.name if case.provider else UNASSIGNED,
            case.city,
            timezone.localtime(case.submitted_at).date(),
            clock.started_on,
            clock.stopped_on,
            clock.used_working_days,
            clock.deadline_days,
            clock.deadline_due,
            "超时安排" if clock.stopped_on is not None else "未安排已超时",
            case.sla_exempt_reason or "",
            timezone.localtime(case.sla_exempt_at).strftime("%Y-%m-%d %H:%M") if case.sla_exempt_at else "",
        ]


def breaches_csv(report: ManagerReport, cleaned: dict, *, filters: str, filename: str) -> HttpResponse:
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow(["报表日期", report.day.today.isoformat(), "筛选条件", _text(filters)])
    writer.writerow(BREACH_COLUMNS)
    writer.writerows(breach_rows(report, cleaned))
    response = HttpResponse(("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def breaches_xlsx(report: ManagerReport, cleaned: dict, *, filters: str, filename: str) -> HttpResponse:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "超时明细"
    xlsx_append(sheet, ["报表日期", report.day.today.isoformat(), "筛选条件", _text(filters)])
    xlsx_append(sheet, BREACH_COLUMNS)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in breach_rows(report, cleaned):
        xlsx_append(sheet, row)
    for column in "ABCD":
        sheet.column_dimensions[column].width = 22
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
