"""Operator path to disposal: the same services, the same rules (retention date, legal
hold, two different practice admins), the same audit events.

Security note: the console is not a sign-in. `--as` names the practice admin acting, and
the command goes on only with that admin's current two-factor code (or one of their
recovery codes), used up as at sign-in: one operator who knows two usernames cannot be
both admins of the two-person rule. A missing or wrong code is a recorded refusal."""

from getpass import getpass

from django.core.management.base import BaseCommand, CommandError
from django_otp import match_token

import audit
from audit.context import operator_context
from audit.models import Outcome
from practice.exceptions import NotFound, PermissionDenied
from practice.models import User


class Command(BaseCommand):
    help = "Propose or approve the disposal of a client record past its retention date, as a practice admin."

    def add_arguments(self, parser):
        parser.add_argument("step", choices=["propose", "approve"])
        parser.add_argument("target", help="record number (propose) or disposal id (approve)")
        parser.add_argument("--as", dest="username", required=True, help="the practice admin acting")
        parser.add_argument(
            "--code",
            default="",
            help="the acting admin's current two-factor code or a recovery code (asked for when left out)",
        )

    def handle(self, *args, step, target, username, code, **options):
        from retention import services

        actor = User.objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"no active account {username!r}")
        action = "retention.dispose_propose" if step == "propose" else "retention.dispose"
        with operator_context("dispose_record"):
            code = (code or getpass(f"Two-factor code of {username}: ")).strip()
            if not code or match_token(actor, code) is None:
                audit.record(
                    action=action,
                    actor=None,
                    actor_username=f"operator as {username}"[:150],
                    outcome=Outcome.DENIED,
                    object_type="disposal" if step == "approve" else "client",
                    object_id=target[:64],
                    reason="no valid two-factor code of the acting practice admin",
                )
                raise CommandError(f"refused: {username}'s current two-factor code is needed")
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
