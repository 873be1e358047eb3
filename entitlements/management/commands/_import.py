"""Shared body of the CSV feed commands."""

import io
from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError

from entitlements.importers import ImportReport


class ImportCommand(BaseCommand):
    importer: Callable[..., ImportReport]

    @staticmethod
    def _text(path: str) -> str:
        """The whole file, decoded before any row is imported: a file in the wrong encoding is
        refused as a whole (naming the line), never imported up to the first undecodable byte."""
        try:
            with open(path, "rb") as stream:
                data = stream.read()
        except OSError as exc:
            raise CommandError(f"无法读取 {path}：{exc.strerror or exc}") from exc
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            reason = f"第{line}行不是 UTF-8 编码（第{exc.start + 1}字节），未导入任何行；请以 UTF-8 导出（常见为 GBK）"
            raise CommandError(f"{path} {reason}") from exc

    def add_arguments(self, parser):
        parser.add_argument("file", help="UTF-8 CSV file with a header row")

    def handle(self, *args, **options):
        report = type(self).importer(stream=io.StringIO(self._text(options["file"]), newline=""))
        for error in report.errors:
            self.stderr.write(str(error))
        self.stdout.write(report.summary())
        if not report.ok:
            # The good rows are already in; a non-zero exit tells the feed's scheduler to look.
            raise CommandError(f"{len(report.errors)} 行未导入")
