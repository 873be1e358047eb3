from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_record
from cases.models import Case
from sla.charts import trend_chart
from sla.exports import breaches_csv, breaches_xlsx, report_csv, report_xlsx
from sla.filters import ReportFilter
from sla.links import report_links
from sla.permissions import can_view_reports
from sla.selectors import manager_report
from sla.services import workday_ranks_sync

DEFAULT_DAYS = 90
EXPORTS = {
    "csv": "时效报表（CSV）",
    "xlsx": "时效报表（XLSX）",
    "breaches_csv": "超时明细（CSV）",
    "breaches_xlsx": "超时明细（XLSX）",
}


def _with_defaults(query) -> dict:
    data = query.copy()
    today = timezone.localdate()
    if not data.get("date_from") and not data.get("date_to"):
        data["date_from"] = (today - timedelta(days=DEFAULT_DAYS)).isoformat()
        data["date_to"] = today.isoformat()
    data.setdefault("grain", "week")
    return data


def _describe(filterset: ReportFilter) -> str:
    """The filters in words, printed at the top of the downloads."""
    parts = []
    for name, value in filterset.form.cleaned_data.items():
        if value in (None, "") or name == "grain":
            continue
        field = filterset.form.fields[name]
        if isinstance(value, str) and hasattr(field, "choices"):
            value = dict(field.choices).get(value, value)
        parts.append(f"{field.label}：{value}")
    return "；".join(parts) or "全部"


@login_required
def manager_report_page(request: HttpRequest) -> HttpResponse:
    if not can_view_reports(request.user):
        raise PermissionDenied("需要“查看时效报表”权限")
    filterset = ReportFilter(_with_defaults(request.GET), queryset=Case.objects.all())
    if not filterset.is_valid():
        return render(request, "sla/report.html", {"filter": filterset}, status=400)
    workday_ranks_sync()
    grain = filterset.form.cleaned_data.get("grain") or "week"
    report = manager_report(filterset.qs, today=timezone.localdate(), grain=grain, filters=filterset.form.cleaned_data)
    filename = f"sla-report-{report.day.today:%Y%m%d}"
    export = request.GET.get("format")
    if export in EXPORTS:
        audit_record(
            action=AuditAction.EXPORT,
            request=request,
            summary=f"导出{EXPORTS[export]}：{_describe(filterset)}",
            extra={"format": export, "query": request.GET.urlencode()},
        )
    if export == "csv":
        return report_csv(report, filters=_describe(filterset), filename=filename)
    if export == "xlsx":
        return report_xlsx(report, filters=_describe(filterset), filename=filename)
    cleaned = filterset.form.cleaned_data
    if export == "breaches_csv":
        return breaches_csv(
            report, cleaned, filters=_describe(filterset), filename=f"sla-breaches-{report.day.today:%Y%m%d}"
        )
    if export == "breaches_xlsx":
        return breaches_xlsx(
            report, cleaned, filters=_describe(filterset), filename=f"sla-breaches-{report.day.today:%Y%m%d}"
        )
    report_links(report, filterset.form.cleaned_data)
    query = request.GET.copy()
    query.pop("format", None)
    context = {
        "filter": filterset,
        "report": report,
        "chart": trend_chart(report.trend, report.grain),
        "query": query.urlencode(),
    }
    return render(request, "sla/report.html", context)
