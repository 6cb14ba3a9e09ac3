"""What the operator commands share: run under audit.context.operator_context, find
the account, and turn a refusal or bad input into a clear message (exit 1)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from audit.context import operator_context
from practice.exceptions import NotFound, PermissionDenied
from practice.models import User
from practice.services import Operator


class OperatorCommand(BaseCommand):
    """A command that manages accounts through practice.services, audited under
    operator_context with the console user's name as the actor."""

    def handle(self, *args, **options):
        with operator_context(self.command_name()):
            try:
                return self.run(Operator.from_console(), **options)
            except (PermissionDenied, NotFound, ValueError) as exc:
                raise CommandError(str(exc) or exc.__class__.__name__) from None
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from None

    def command_name(self) -> str:
        return self.__module__.rsplit(".", 1)[-1]

    def run(self, operator: Operator, **options):
        raise NotImplementedError

    @staticmethod
    def account(username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account named {username!r}.")
        return user


def default_base_url() -> str:
    """Where set-password links point: the first ALLOWED_HOSTS name over HTTPS, or the
    development server."""
    hosts = [h for h in settings.ALLOWED_HOSTS if h and not h.startswith(".") and h != "*"]
    if settings.DEBUG or not hosts:
        return "http://127.0.0.1:8000"
    return f"https://{hosts[0]}"
