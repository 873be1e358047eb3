from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from workdays.calendar import CalendarNotCovered, add_workdays, rests_on_provisional, sub_workdays, workdays_between

PROVISIONAL_MARK = "（暂定）"


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日期格式应为 YYYY-MM-DD，收到 {value!r}") from exc


def _count(value: str) -> int:
    try:
        n = int(value)
    except ValueError as exc:
        raise CommandError(f"N 应为整数，收到 {value!r}") from exc
    return n


def _mark(a: date, b: date) -> str:
    return PROVISIONAL_MARK if rests_on_provisional(a, b) else ""


class Command(BaseCommand):
    help = (
        "Working-day calendar. `add DATE N` prints the N-th working day after DATE (N < 0 counts back); "
        "`between A B` prints how many working days lie after A up to and including B (both marked "
        "（暂定） when they count over a provisional year); `set DATE holiday|workday|normal [--name NAME]` "
        "changes one day; `import FILE` enters a year from a CSV file (date,kind,name) or the State "
        "Council's notice; `sync` loads or refreshes the years the chinesecalendar package covers and "
        "computes next year provisionally. `set`, `import` and `sync` recompute the due dates of the "
        "open cases they affect and print how many changed."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="N-th working day after DATE")
        add.add_argument("date")
        add.add_argument("n")
        between = sub.add_parser("between", help="working days in (A, B]")
        between.add_argument("a")
        between.add_argument("b")
        day = sub.add_parser("set", help="make DATE a holiday, a make-up working day, or an ordinary day")
        day.add_argument("date")
        day.add_argument("kind", choices=["holiday", "workday", "normal"])
        day.add_argument("--name", default="", help="e.g. 春节, 国庆节调休")
        year = sub.add_parser("import", help="enter a year from a CSV file or the State Council's notice")
        year.add_argument("file")
        year.add_argument("--year", type=int, help="the year (read from the notice's title or the CSV dates)")
        year.add_argument("--notes", default="", help="e.g. 国办发明电〔2026〕7号")
        year.add_argument("--dry-run", action="store_true", help="show what would be saved, save nothing")
        sub.add_parser("sync", help="refresh from the chinesecalendar package")

    def handle(self, *args, **options):
        from workdays.services import CalendarRefused

        try:
            getattr(self, f"_{options['action']}")(options)
        except CalendarNotCovered as exc:
            raise CommandError(str(exc)) from exc
        except CalendarRefused as exc:
            raise CommandError("\n".join(exc.messages)) from exc

    def _add(self, options) -> None:
        start, n = _iso_date(options["date"]), _count(options["n"])
        result = add_workdays(start, n) if n >= 0 else sub_workdays(start, -n)
        self.stdout.write(result.isoformat() + _mark(start, result))

    def _between(self, options) -> None:
        a, b = _iso_date(options["a"]), _iso_date(options["b"])
        self.stdout.write(str(workdays_between(a, b)) + _mark(a, b))

    def _set(self, options) -> None:
        from workdays.services import calendar_day_set

        day = _iso_date(options["date"])
        moved = calendar_day_set(day=day, kind=options["kind"], name=options["name"])
        self.stdout.write(f"{day.isoformat()} 已设为 {options['kind']}；{moved} 个案件的时限已重新计算")

    def _import(self, options) -> None:
        from workdays.imports import parse_schedule
        from workdays.services import calendar_year_import, schedule_diff

        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取 {path}：{exc}") from exc
        schedule = parse_schedule(text, year=options["year"])
        for line in schedule.dropped:
            self.stdout.write(f"略过：{line}")
        if options["dry_run"]:
            self._preview(schedule, schedule_diff(schedule) if not schedule.errors else None)
            return
        result = calendar_year_import(schedule=schedule, notes=options["notes"])
        self.stdout.write(
            f"{result.year} 年已导入：放假 {schedule.holiday_count()} 天，调休上班 {schedule.workday_count()} 天"
            f"（新增 {len(result.added)}、删除 {len(result.removed)}、修改 {len(result.changed)}）；"
            f"{result.cases_changed} 个案件的时限已重新计算"
        )

    def _preview(self, schedule, diff) -> None:
        for day, _, label, name in schedule.rows():
            self.stdout.write(f"{day.isoformat()}\t{label}\t{name}")
        for message in schedule.errors:
            self.stdout.write(f"错误：{message}")
        if schedule.missing:
            self.stdout.write(f"缺少法定节假日：{'；'.join(schedule.missing)}")
        if diff is not None:
            self.stdout.write(
                f"新增 {len(diff['added'])}、删除 {len(diff['removed'])}、修改 {len(diff['changed'])}（未保存）"
            )

    def _sync(self, options) -> None:
        from workdays.services import calendar_sync

        result = calendar_sync()
        self.stdout.write(
            f"added {result.added or '-'}; refreshed {result.refreshed or '-'}; "
            f"unchanged {len(result.unchanged)}; kept manual {result.kept_manual or '-'}; "
            f"provisional {result.provisional or '-'}; {result.cases_changed} 个案件的时限已重新计算"
        )
