from practice import services
from practice.forms import STAFF_ROLE_CHOICES
from practice.management.operator import OperatorCommand


class Command(OperatorCommand):
    help = (
        "Change a staff member's role (counselor, supervisor, practice_admin). Their permissions are "
        "recomputed and their sessions end at once. Audited and flagged for review."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=[value for value, _ in STAFF_ROLE_CHOICES])

    def run(self, operator, *, username, role, **options):
        user = self.account(username)
        old = user.role
        if old == role:
            self.stdout.write(f"{username} already has the role {role}; nothing changed.")
            return
        services.staff_change_role(actor=operator, user=user, role=role)
        self.stdout.write(f"{username}: {old} -> {role}. Their permissions were recomputed and their sessions ended.")
