"""Shared body of the CSV feed commands."""

from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError

from entitlements.importers import ImportReport


class ImportCommand(BaseCommand):
    importer: Callable[..., ImportReport]

    def add_arguments(self, parser):
        parser.add_argument("file", help="UTF-8 CSV file with a header row")

    def handle(self, *args, **options):
        try:
            with open(options["file"], encoding="utf-8-sig", newline="") as stream:
                report = type(self).importer(stream=stream)
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取 {options['file']}：{exc}") from exc
        for error in report.errors:
            self.stderr.write(str(error))
        self.stdout.write(report.summary())
        if not report.ok:
            # The good rows are already in; a non-zero exit tells the feed's scheduler to look.
            raise CommandError(f"{len(report.errors)} 行未导入")
