import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from practice import db_roles


class Command(BaseCommand):
    help = (
        "PostgreSQL: grant the application's role what it needs and nothing more (it owns nothing, so it "
        "cannot disable the audit triggers or ALTER, DROP or TRUNCATE a table). Run as the database owner "
        "(DATABASE_URL=$MIGRATE_DATABASE_URL), after migrations. --create makes the role (needs CREATEROLE; "
        "the password is read from APP_DB_PASSWORD)."
    )

    def add_arguments(self, parser):
        parser.add_argument("role")
        parser.add_argument("--create", action="store_true")

    def handle(self, *args, role, create, **options):
        if connection.vendor != "postgresql":
            raise CommandError("database roles exist on PostgreSQL only")
        for text in db_roles.apply(connection, role, create=create, password=os.environ.get("APP_DB_PASSWORD")):
            self.stdout.write(text.replace(os.environ.get("APP_DB_PASSWORD") or "\0", "***") + ";")
        with connection.cursor() as cursor:
            problems = db_roles.check_role(cursor, role)
        if problems:
            raise CommandError("the role is not fit to run the application: " + "; ".join(problems))
        self.stdout.write(f"{role}: rows only; owns nothing.")
