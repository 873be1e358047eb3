"""Reads about the calendar's coverage, for the admin banner and the system check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext

from workdays.models import CalendarYear

# The State Council publishes next year's schedule in November (4 Nov 2025 for 2026, 12 Nov 2024
# for 2025): from 1 November a next year still missing or provisional is worth a notice.
WARN_FROM_MONTH = 11


@dataclass(frozen=True)
class NextYearNotice:
    year: int
    provisional: bool  # False: the year is missing altogether
    message: str


def covered_year_numbers() -> list[int]:
    return list(CalendarYear.objects.filter(covered=True).order_by("year").values_list("year", flat=True))


def coverage_summary() -> str:
    """“2004–2026” style ranges of the covered years, the provisional ones named after them."""
    years = covered_year_numbers()
    if not years:
        return gettext("无")
    spans: list[list[int]] = []
    for year in years:
        if spans and spans[-1][1] == year - 1:
            spans[-1][1] = year
        else:
            spans.append([year, year])
    summary = "、".join(str(a) if a == b else f"{a}–{b}" for a, b in spans)
    provisional = list(
        CalendarYear.objects.filter(covered=True, provisional=True).order_by("year").values_list("year", flat=True)
    )
    if provisional:
        summary += gettext("（其中 %(years)s 年为暂定推算）") % {"years": "、".join(map(str, provisional))}
    return summary


def next_year_notice(*, today: date | None = None) -> NextYearNotice | None:
    """From 1 November, while next year's official schedule is not entered: what to tell the people
    who keep or count on the calendar; None otherwise."""
    today = today or timezone.localdate()
    if today.month < WARN_FROM_MONTH:
        return None
    year = today.year + 1
    row = CalendarYear.objects.filter(year=year, covered=True).values_list("provisional", flat=True).first()
    if row is False:
        return None
    if row is None:
        return NextYearNotice(
            year,
            False,
            f"工作日历尚未覆盖 {year} 年：国务院办公厅公布 {year} 年节假日安排后，请导入 {year} 年的全部放假日与"
            f"调休上班日；在此之前，落在 {year} 年的工作日时限将无法计算。",
        )
    return NextYearNotice(
        year,
        True,
        f"{year} 年工作日历为按《全国年节及纪念日放假办法》推算的暂定安排（不含调休）：国务院办公厅公布 {year} "
        f"年节假日安排后，请导入正式安排；在此之前，落在 {year} 年的时限均标注“暂定”。",
    )


def next_year_missing_warning(*, today: date | None = None) -> str | None:
    """The notice's text (the calendar list's message and the system check)."""
    notice = next_year_notice(today=today)
    return notice.message if notice else None
