"""Reads about the calendar's coverage, for the admin banner and the system check."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from workdays.models import CalendarYear

# The State Council publishes next year's schedule in the autumn; from this month on, a missing
# next year is worth a warning.
WARN_FROM_MONTH = 10


def covered_year_numbers() -> list[int]:
    return list(CalendarYear.objects.filter(covered=True).order_by("year").values_list("year", flat=True))


def coverage_summary() -> str:
    """“2004–2026” style ranges of the covered years."""
    years = covered_year_numbers()
    if not years:
        return "无"
    spans: list[list[int]] = []
    for year in years:
        if spans and spans[-1][1] == year - 1:
            spans[-1][1] = year
        else:
            spans.append([year, year])
    return "、".join(str(a) if a == b else f"{a}–{b}" for a, b in spans)


def next_year_missing_warning(*, today: date | None = None) -> str | None:
    """The warning to show from 1 October while next year's schedule is not entered, else None."""
    today = today or timezone.localdate()
    if today.month < WARN_FROM_MONTH:
        return None
    next_year = today.year + 1
    if CalendarYear.objects.filter(year=next_year, covered=True).exists():
        return None
    return (
        f"工作日历尚未覆盖 {next_year} 年：国务院办公厅公布 {next_year} 年节假日安排后，请在此新增 {next_year} "
        f"年度（来源“手工录入”，勾选“已覆盖”）并录入全部放假日与调休上班日；在此之前，落在 {next_year} 年的"
        "工作日时限将无法计算。"
    )
