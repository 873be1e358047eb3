from entitlements.importers import enrollments_import
from entitlements.management.commands._import import ImportCommand


class Command(ImportCommand):
    help = "Import enrollments from the core policy system's CSV feed (idempotent; bad rows reported, not written)."
    importer = staticmethod(enrollments_import)
