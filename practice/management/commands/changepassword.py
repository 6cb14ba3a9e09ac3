from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Refused: passwords are chosen by their owner. Use password_link."

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?")

    def handle(self, *args, **options):
        raise CommandError(
            "Nobody sets another person's password here. Print a one-time link for them to choose one with: "
            "manage.py password_link USERNAME"
        )
