from practice import services
from practice.management.operator import OperatorCommand, default_base_url


class Command(OperatorCommand):
    help = "Print a one-time link for an account to choose a new password. Audited."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--base-url", default=None, help="e.g. https://records.example.org")

    def run(self, operator, *, username, base_url, **options):
        user = self.account(username)
        link = services.operator_password_link(operator=operator, user=user, base_url=base_url or default_base_url())
        self.stdout.write(link)
