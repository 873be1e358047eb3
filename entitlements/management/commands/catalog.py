import json

from django.core.management.base import BaseCommand

from entitlements.catalog import catalog_export


class Command(BaseCommand):
    help = "Catalogue tools. `catalog export` prints the rules as JSON for checking against the handbook."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["export"])
        parser.add_argument("--indent", type=int, default=2)

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(catalog_export(), ensure_ascii=False, indent=options["indent"]))
