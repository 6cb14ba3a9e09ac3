"""`migrate`, run as the database owner when MIGRATE_DATABASE_URL is set, after which the
application's role (DATABASE_URL's user) is granted the new tables (practice.db_roles)."""

import dj_database_url
from django.conf import settings
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections

from practice import db_roles

_SWAPPED = ("NAME", "USER", "PASSWORD", "HOST", "PORT")


class Command(DjangoMigrate):
    help = DjangoMigrate.help + (
        " With MIGRATE_DATABASE_URL set, as that (owner) role, then grants DATABASE_URL's role its rows."
    )

    def handle(self, *args, **options):
        owner_url = settings.MIGRATE_DATABASE_URL
        if not owner_url or options["database"] != "default":
            return super().handle(*args, **options)
        conn = connections["default"]
        app = {key: conn.settings_dict[key] for key in _SWAPPED}
        owner = dj_database_url.parse(owner_url)
        conn.close()
        conn.settings_dict.update({key: owner[key] for key in _SWAPPED})
        try:
            super().handle(*args, **options)
            if conn.vendor == "postgresql" and app["USER"] and app["USER"] != owner["USER"]:
                db_roles.apply(conn, app["USER"])
                if options["verbosity"]:
                    self.stdout.write(f"Granted {app['USER']} its rows (it owns nothing).")
        finally:
            conn.close()
            conn.settings_dict.update(app)
