"""Operator path to disposal: the same services, the same rules (retention date, legal
hold, two different practice admins), the same audit events."""

from django.core.management.base import BaseCommand, CommandError

from audit.context import operator_context
from practice.exceptions import NotFound, PermissionDenied
from practice.models import User


class Command(BaseCommand):
    help = "Propose or approve the disposal of a client record past its retention date, as a practice admin."

    def add_arguments(self, parser):
        parser.add_argument("step", choices=["propose", "approve"])
        parser.add_argument("target", help="record number (propose) or disposal id (approve)")
        parser.add_argument("--as", dest="username", required=True, help="the practice admin acting")

    def handle(self, *args, step, target, username, **options):
        from retention import services

        actor = User.objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"no active account {username!r}")
        with operator_context("dispose_record"):
            try:
                if step == "propose":
                    disposal = services.disposal_propose(actor=actor, record_number=target)
                    self.stdout.write(f"Disposal #{disposal.pk} of {disposal.record_number} proposed.")
                else:
                    if not target.isdigit():
                        raise CommandError("approve takes a disposal id")
                    disposal = services.disposal_approve(actor=actor, disposal_id=int(target))
                    self.stdout.write(f"Record {disposal.record_number} disposed of (disposal #{disposal.pk}).")
            except NotFound:
                raise CommandError(f"no such record or proposal: {target}") from None
            except PermissionDenied as exc:
                raise CommandError(f"refused: {exc}") from None
