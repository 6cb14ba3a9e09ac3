from practice import services
from practice.management.operator import OperatorCommand


class Command(OperatorCommand):
    help = (
        "Remove a staff member's authenticator and recovery codes (a lost phone) and end their sessions; "
        "they enroll again at their next sign-in. Audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def run(self, operator, *, username, **options):
        user = self.account(username)
        services.staff_reset_two_factor(actor=operator, user=user)
        self.stdout.write(f"Two-factor for {user.username} was reset; they set it up again at their next sign-in.")
