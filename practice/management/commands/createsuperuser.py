from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Refused: superusers open nothing in this product. Use create_practice_admin."

    def add_arguments(self, parser):
        # Django's own options, accepted so that scripts written for it get this message.
        parser.add_argument("--username")
        parser.add_argument("--email")
        parser.add_argument("--database")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")

    def handle(self, *args, **options):
        raise CommandError(
            "Superuser accounts are not used here: is_superuser opens nothing and nothing sets it. "
            "Create a practice admin with: manage.py create_practice_admin USERNAME --email ... "
            "--first-name ... --last-name ..."
        )
