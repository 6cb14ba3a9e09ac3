import time

from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from practice.demo import require_debug
from practice.models import AuthenticatorDevice


class Command(BaseCommand):
    help = "Print the current two-factor code of a demo account. Development only (DJANGO_DEBUG=1)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        require_debug("totp_code")
        device = AuthenticatorDevice.objects.filter(user__username=username, confirmed=True).first()
        if device is None:
            raise CommandError(f"{username} has no confirmed authenticator")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        left = device.step - int(totp.time - device.t0) % device.step
        self.stdout.write(f"{totp.token():0{device.digits}d}")
        self.stderr.write(f"(valid for about {left} more seconds)")
