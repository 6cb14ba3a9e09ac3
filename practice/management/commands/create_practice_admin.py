from practice import services
from practice.management.operator import OperatorCommand, default_base_url
from practice.roles import Role


class Command(OperatorCommand):
    help = (
        "Create a practice admin account (the first one, or any other) and print a one-time link to "
        "choose its password. Two-factor enrollment follows at first sign-in. Audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", required=True)
        parser.add_argument("--first-name", required=True)
        parser.add_argument("--last-name", required=True)
        parser.add_argument("--base-url", default=None, help="e.g. https://records.example.org")

    def run(self, operator, *, username, email, first_name, last_name, base_url, **options):
        user = services.staff_create(
            actor=operator,
            username=username,
            first_name=first_name,
            last_name=last_name,
            email=email,
            role=Role.PRACTICE_ADMIN,
        )
        link = services.operator_password_link(operator=operator, user=user, base_url=base_url or default_base_url())
        self.stdout.write(f"Practice admin {user.username} created. Give them this one-time link to choose a password:")
        self.stdout.write(link)
        self.stdout.write("They set up two-factor sign-in at their first sign-in.")
