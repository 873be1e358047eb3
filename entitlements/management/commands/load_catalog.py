from django.core.management.base import BaseCommand

from entitlements.catalog import CATALOG_PATH, catalog_load


class Command(BaseCommand):
    help = "Load the handbook's service catalogue (services, editions, rules, critical illnesses). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(CATALOG_PATH), help="catalogue data file (YAML)")

    def handle(self, *args, **options):
        from pathlib import Path

        counts = catalog_load(path=Path(options["file"]))
        self.stdout.write(", ".join(f"{key} {value}" for key, value in counts.items()))
