"""The statutory holidays of 《全国年节及纪念日放假办法》 and the provisional schedule computed from them.

The law fixes which days are holidays (``data/statutory_holidays.yaml``, one entry per revision);
the lunisolar dates (除夕, 春节, 端午, 中秋) and the 清明 solar term come from ``lunar_python``.
What the law cannot tell is what the State Council adds each year: the make-up working days on
weekends (调休) and the longer breaks they buy. A computed year therefore has only the statutory
days and, for each of them falling on a weekend, one day off on the next working day (补假); it is
provisional until the official schedule is entered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import yaml
from lunar_python import Lunar, Solar

RULES_FILE = Path(__file__).parent / "data" / "statutory_holidays.yaml"
MAKEUP_SUFFIX = "（补假）"


@dataclass(frozen=True)
class StatutoryHoliday:
    name: str
    days: tuple[date, ...]


@cache
def _revisions() -> list[dict]:
    with RULES_FILE.open(encoding="utf-8") as handle:
        revisions = yaml.safe_load(handle)["revisions"]
    return sorted(revisions, key=lambda r: r["from_year"])


def revision_for(year: int) -> dict | None:
    """The revision of the law in force in ``year`` (None before the first one recorded)."""
    current = None
    for revision in _revisions():
        if revision["from_year"] <= year:
            current = revision
    return current


def _month_day(value: str) -> tuple[int, int]:
    month, day = value.split("-")
    return int(month), int(day)


def _first_day(rule: dict, year: int) -> date:
    if "fixed" in rule:
        return date(year, *_month_day(rule["fixed"]))
    if "solar_term" in rule:
        # A lunar year's table of solar terms runs from the previous winter; mid-April lies in
        # lunar year ``year`` whatever the date of the Spring Festival.
        term = Solar.fromYmd(year, 4, 15).getLunar().getJieQiTable()[rule["solar_term"]]
        return date(term.getYear(), term.getMonth(), term.getDay())
    if rule["lunar"] == "chuxi":
        solar = Lunar.fromYmd(year, 1, 1).getSolar()
        return date(solar.getYear(), solar.getMonth(), solar.getDay()) - timedelta(days=1)
    solar = Lunar.fromYmd(year, *_month_day(rule["lunar"])).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


@cache
def statutory_holidays(year: int) -> tuple[StatutoryHoliday, ...]:
    """The holidays the law grants in ``year``, by the revision in force; () before any revision.
    Every one lies within ``year`` (除夕 falls between 20 January and 19 February)."""
    revision = revision_for(year)
    if revision is None:
        return ()
    holidays = []
    for rule in revision["holidays"]:
        first = _first_day(rule, year)
        holidays.append(StatutoryHoliday(rule["name"], tuple(first + timedelta(days=i) for i in range(rule["days"]))))
    return tuple(holidays)


def coverage_missing(year: int, holidays: set[date]) -> list[str]:
    """The statutory holidays of ``year`` that are not among ``holidays``, as “春节 2027-02-05” lines;
    empty when the schedule grants every day the law does."""
    missing = []
    for holiday in statutory_holidays(year):
        days = [d for d in holiday.days if d not in holidays]
        if days:
            missing.append(f"{holiday.name} {'、'.join(d.isoformat() for d in days)}")
    return missing


def provisional_schedule(year: int) -> dict[date, str]:
    """The holidays of a year without an official schedule: date → name.

    Each statutory day is off; one falling on a Saturday or Sunday (or on another statutory day, as
    中秋 on 1 October) is made up on the next weekday not already off, the law's 补假 rule. No make-up
    working days: only the State Council's notice can add those."""
    days: dict[date, str] = {}
    owed: list[tuple[date, str]] = []
    for holiday in statutory_holidays(year):
        for day in holiday.days:
            if day in days or day.weekday() >= 5:
                owed.append((day, holiday.name))
            days.setdefault(day, holiday.name)
    for day, name in sorted(owed):
        makeup = day + timedelta(days=1)
        while makeup.weekday() >= 5 or makeup in days:
            makeup += timedelta(days=1)
        days[makeup] = f"{name}{MAKEUP_SUFFIX}"
    return {d: days[d] for d in sorted(days) if d.year == year}
