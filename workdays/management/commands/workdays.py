from datetime import date

from django.core.management.base import BaseCommand, CommandError

from workdays.calendar import CalendarNotCovered, add_workdays, sub_workdays, workdays_between


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


class Command(BaseCommand):
    help = (
        "Working-day calendar. `add DATE N` prints the N-th working day after DATE (N < 0 counts back); "
        "`between A B` prints how many working days lie after A up to and including B; "
        "`sync` loads or refreshes the years the chinesecalendar package covers."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="N-th working day after DATE")
        add.add_argument("date")
        add.add_argument("n")
        between = sub.add_parser("between", help="working days in (A, B]")
        between.add_argument("a")
        between.add_argument("b")
        sub.add_parser("sync", help="refresh from the chinesecalendar package")

    def handle(self, *args, **options):
        try:
            getattr(self, f"_{options['action']}")(options)
        except CalendarNotCovered as exc:
            raise CommandError(str(exc)) from exc

    def _add(self, options) -> None:
        start, n = _iso_date(options["date"]), _count(options["n"])
        result = add_workdays(start, n) if n >= 0 else sub_workdays(start, -n)
        self.stdout.write(result.isoformat())

    def _between(self, options) -> None:
        self.stdout.write(str(workdays_between(_iso_date(options["a"]), _iso_date(options["b"]))))

    def _sync(self, options) -> None:
        from workdays.services import calendar_sync

        result = calendar_sync()
        self.stdout.write(
            f"added {result.added or '-'}; refreshed {result.refreshed or '-'}; "
            f"unchanged {len(result.unchanged)}; kept manual {result.kept_manual or '-'}"
        )
