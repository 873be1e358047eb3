from entitlements.importers import family_import
from entitlements.management.commands._import import ImportCommand


class Command(ImportCommand):
    help = "Import family designations from the core policy system's CSV feed (idempotent)."
    importer = staticmethod(family_import)
