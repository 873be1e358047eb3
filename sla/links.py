"""Links from every count of the manager report to the list of cases behind it.

Each link opens the case changelist (the admin's "绿通案件" list, all states) narrowed by
``cases.admin_report.ReportFigureFilter`` to the report's period and filters, the row's provider,
service, city or period, and the figure, counted as of the report's day — so the list shows as many
cases as the figure says.
"""

from datetime import date
from urllib.parse import urlencode

from django.urls import reverse

from cases.admin_report import PREFIX, UNASSIGNED

SUMMARY_FIGURES = (
    "received",
    "arranged",
    "on_time",
    "arranged_late",
    "open_late",
    "breaches",
    "at_risk",
    "reviewed",
    "review_on_time",
)
ROW_FIGURES = ("received", "arranged", "on_time", "breaches", "at_risk")


def base_params(cleaned: dict, *, today: date, grain: str) -> dict[str, str]:
    """The report's own filters as the changelist's ``report_*`` parameters."""
    params = {"queue": "all", f"{PREFIX}day": today.isoformat()}
    for name, key in (("date_from", "from"), ("date_to", "to")):
        if cleaned.get(name):
            params[PREFIX + key] = cleaned[name].isoformat()
    for name in ("provider", "service"):
        if cleaned.get(name) is not None:
            params[PREFIX + name] = str(cleaned[name].pk)
    for name in ("series", "city"):
        if cleaned.get(name):
            params[PREFIX + name] = cleaned[name]
    params[f"{PREFIX}grain"] = grain
    return params


def figure_url(base: dict[str, str], figure: str, **row: str) -> str:
    params = {**base, **{PREFIX + key: value for key, value in row.items()}, f"{PREFIX}figure": figure}
    return f"{reverse('admin:cases_case_changelist')}?{urlencode(params)}"


def _row_key(table: str, row: dict) -> dict[str, str]:
    if table == "provider":
        return {"provider": UNASSIGNED if row["key"] is None else str(row["key"])}
    if table == "service":
        return {"service": str(row["key"])}
    if table == "city":
        return {"city": row["key"]}
    if table == "period":
        return {"period": row["period"].isoformat()}
    return {}


def report_links(report, cleaned: dict) -> None:
    """Put ``links`` (figure → URL) on the summary (every figure it prints) and on every row of the
    report's tables (the figures a row prints, ``ROW_FIGURES``). A row's query string is encoded once
    and each figure appended to it: a year by week is some 150 rows."""
    base = base_params(cleaned, today=report.day.today, grain=report.grain)
    report.summary["links"] = {figure: figure_url(base, figure) for figure in SUMMARY_FIGURES}
    path = reverse("admin:cases_case_changelist")
    for table, rows in (
        ("provider", report.providers),
        ("service", report.services),
        ("city", getattr(report, "cities", [])),
        ("period", report.trend),
    ):
        for row in rows:
            params = {**base, **{PREFIX + key: value for key, value in _row_key(table, row).items()}}
            # The figures are plain words: appended as they are, they read as urlencode would write them.
            prefix = f"{path}?{urlencode(params)}&{PREFIX}figure="
            row["links"] = {figure: prefix + figure for figure in ROW_FIGURES}
