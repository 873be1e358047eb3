"""Reading a year's schedule: a CSV file (``date,kind,name``) or the pasted text of the State
Council's notice (国务院办公厅关于某年部分节假日安排的通知, its “一、元旦：……” lines).

Nothing here writes: the result is shown (admin preview, ``workdays import --dry-run``) and then
saved by ``workdays.services.calendar_year_import``, which refuses a schedule with errors or one
that leaves a statutory holiday a working day.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

from workdays.models import DayKind
from workdays.statutory import coverage_missing

KIND_WORDS = {
    DayKind.HOLIDAY: {"holiday", "休", "假", "放假", "节假日", "法定节假日（休）"},
    DayKind.WORKDAY: {"workday", "班", "上班", "调休", "调休上班", "调休上班日"},
}
ITEM = re.compile(r"^\s*[一二三四五六七八九十]+\s*[、.．]\s*([^：:]+?)\s*[：:](.*)$")
DATE = re.compile(r"(?:(\d{4})\s*年\s*)?(?:(\d{1,2})\s*月\s*)?(\d{1,2})\s*日")
ASIDE = re.compile(r"（[^）]*）|\([^)]*\)")
TITLE_YEAR = re.compile(r"(\d{4})\s*年\s*(?:部分)?节假日")


@dataclass
class ParsedSchedule:
    """One year's exceptions as read, with what is wrong with them."""

    year: int | None
    source_format: str  # "csv" or "notice"
    days: dict[date, tuple[str, str]] = field(default_factory=dict)  # date → (kind, name)
    errors: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # read but not kept, and why
    missing: list[str] = field(default_factory=list)  # statutory holidays left working days

    @property
    def refused(self) -> bool:
        return bool(self.errors or self.missing)

    def rows(self) -> list[tuple[date, str, str, str]]:
        """(date, kind, kind label, name) in date order, for the preview."""
        return [(d, kind, str(DayKind(kind).label), name) for d, (kind, name) in sorted(self.days.items())]

    def holiday_count(self) -> int:
        return sum(1 for kind, _ in self.days.values() if kind == DayKind.HOLIDAY)

    def workday_count(self) -> int:
        return sum(1 for kind, _ in self.days.values() if kind == DayKind.WORKDAY)


def _kind(word: str) -> str | None:
    word = word.strip().lower()
    return next((kind for kind, words in KIND_WORDS.items() if word in {w.lower() for w in words}), None)


def _add(parsed: ParsedSchedule, day: date, kind: str, name: str, where: str) -> None:
    current = parsed.days.get(day)
    if current and current[0] != kind:
        parsed.errors.append(f"{where}：{day.isoformat()} 既登记为放假日又登记为调休上班日")
        return
    parsed.days[day] = (kind, current[1] if current else name)


def parse_csv(text: str, *, year: int | None = None) -> ParsedSchedule:
    """Rows ``date,kind,name``: date YYYY-MM-DD, kind holiday|workday (or 休|班), name optional.
    A header row and blank lines are skipped."""
    parsed = ParsedSchedule(year=year, source_format="csv")
    for number, row in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        where = f"第 {number} 行"
        if number == 1 and cells[0].lower() in {"date", "日期"}:
            continue
        try:
            day = date.fromisoformat(cells[0])
        except ValueError:
            parsed.errors.append(f"{where}：日期“{cells[0]}”应为 YYYY-MM-DD")
            continue
        kind = _kind(cells[1]) if len(cells) > 1 else None
        if kind is None:
            got = cells[1] if len(cells) > 1 else ""
            parsed.errors.append(f"{where}：类型“{got}”应为 holiday（休）或 workday（班）")
            continue
        _add(parsed, day, kind, cells[2] if len(cells) > 2 else "", where)
    if parsed.year is None and parsed.days:
        parsed.year = min(parsed.days).year
    return parsed


def _dates(part: str, year: int) -> list[date]:
    found: list[date] = []
    month = None
    for match in DATE.finditer(part):
        y, m, d = match.groups()
        month = int(m) if m else month
        if month is None:
            raise ValueError(f"“{match.group(0)}”缺少月份")
        found.append(date(int(y) if y else (found[-1].year if found else year), month, int(d)))
    return found


def _days_in(part: str, year: int) -> list[date]:
    found = _dates(part, year)
    if "至" in part and len(found) == 2:
        first, last = found
        if last < first:  # “12月31日至1月2日” without the years
            last = last.replace(year=last.year + 1)
        return [date.fromordinal(o) for o in range(first.toordinal(), last.toordinal() + 1)]
    return found


def _notice_item(parsed: ParsedSchedule, name: str, body: str, year: int) -> None:
    for sentence in re.split(r"[。；;]", ASIDE.sub("", body)):
        for marker, kind, label in (("放假", DayKind.HOLIDAY, name), ("上班", DayKind.WORKDAY, f"{name}调休")):
            if marker not in sentence:
                continue
            try:
                days = _days_in(sentence.split(marker)[0], year)
            except ValueError as exc:
                parsed.errors.append(f"{name}：{exc}")
                continue
            for day in days:
                _add(parsed, day, kind, label, name)


def notice_year(text: str) -> int | None:
    """The year a notice's title names (“关于2027年部分节假日安排的通知”)."""
    match = TITLE_YEAR.search(text)
    return int(match.group(1)) if match else None


def parse_notice(text: str, *, year: int | None = None) -> ParsedSchedule:
    """The notice's numbered lines: “二、春节：2月5日至11日放假调休，共7天。2月13日（周六）上班。”"""
    parsed = ParsedSchedule(year=year or notice_year(text), source_format="notice")
    if parsed.year is None:
        parsed.errors.append("未能从通知标题中识别年份，请填写年份")
        return parsed
    items = [match for line in text.splitlines() if (match := ITEM.match(line))]
    if not items:
        parsed.errors.append("未识别到“一、元旦：……”格式的放假安排")
    for match in items:
        _notice_item(parsed, match.group(1).strip(), match.group(2), parsed.year)
    return parsed


def parse_schedule(text: str, *, year: int | None = None) -> ParsedSchedule:
    """Either format, told apart by the notice's numbered lines; then checked (``schedule_check``)."""
    is_notice = any(ITEM.match(line) for line in text.splitlines())
    parsed = parse_notice(text, year=year) if is_notice else parse_csv(text, year=year)
    return schedule_check(parsed)


def schedule_check(parsed: ParsedSchedule) -> ParsedSchedule:
    """Keep the days of the schedule's year and say what is wrong: a day of another year (dropped
    when it is a weekend rest day anyway, as the 31 December of a New Year break), a make-up
    working day that is not a weekend, a statutory holiday left a working day."""
    year = parsed.year
    if year is None:
        parsed.errors.append("没有读到任何日期")
        return parsed
    for day, (kind, name) in list(parsed.days.items()):
        if day.year != year:
            del parsed.days[day]
            if kind == DayKind.HOLIDAY and day.weekday() >= 5:
                parsed.dropped.append(f"{day.isoformat()}（{name}）不在 {year} 年内，且本为周末，未导入")
            else:
                parsed.errors.append(f"{day.isoformat()}（{name}）不在 {year} 年内：请在 {day.year} 年中录入")
        elif kind == DayKind.WORKDAY and day.weekday() < 5:
            parsed.errors.append(f"{day.isoformat()} 是工作日（周一至周五），不能登记为调休上班日")
    if not parsed.days and not parsed.errors:
        parsed.errors.append(f"没有读到 {year} 年的任何放假日或调休上班日")
    holidays = {d for d, (kind, _) in parsed.days.items() if kind == DayKind.HOLIDAY}
    parsed.missing = coverage_missing(year, holidays)
    return parsed
