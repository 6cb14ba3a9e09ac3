from practice import services
from practice.management.operator import OperatorCommand


class Command(OperatorCommand):
    help = (
        "Deactivate an account (or --reactivate it). Deactivation ends every session and removes the "
        "person's access at once; nothing they did is deleted. Audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--reactivate", action="store_true")

    def run(self, operator, *, username, reactivate, **options):
        user = services.staff_set_active(actor=operator, user=self.account(username), active=reactivate)
        self.stdout.write(f"{user.username} is now {'active' if reactivate else 'deactivated; their sessions ended'}.")
