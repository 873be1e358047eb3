"""``migrate`` as the tables' owner: with ``DATABASE_MIGRATE_URL`` set, the default connection uses
that URL's credentials (same database) for the migration, then grants the application's role — the
user of ``DATABASE_URL`` — its privileges, the audit table INSERT and SELECT only."""

import os

import dj_database_url
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections

from audit.chain import app_role_grant

CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT")


class Command(DjangoMigrate):
    def handle(self, *args, **options):
        url = os.environ.get("DATABASE_MIGRATE_URL", "")
        if not url or options.get("database", "default") != "default":
            return super().handle(*args, **options)
        connection = connections["default"]
        app_role = connection.settings_dict["USER"]
        owner = dj_database_url.parse(url)
        connection.close()
        saved = {key: connection.settings_dict.get(key) for key in CREDENTIALS}
        connection.settings_dict.update({key: owner[key] for key in CREDENTIALS})
        try:
            super().handle(*args, **options)
            if app_role and app_role != owner["USER"]:
                app_role_grant(role=app_role)
        finally:
            connection.close()
            connection.settings_dict.update(saved)
