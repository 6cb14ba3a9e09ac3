import os
import shlex
from base64 import b32encode

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from audit.context import operator_context
from practice.demo import DEMO_PASSWORD, DEMO_STAFF, require_debug
from practice.models import AuthenticatorDevice, RecoveryCodeDevice, User


class Command(BaseCommand):
    help = "Create (or refresh) a fictional demo practice. Development only (DJANGO_DEBUG=1). Idempotent."

    def handle(self, *args, **options):
        require_debug("seed_demo")
        from audit import demo as audit_demo
        from clinical import demo as clinical_demo
        from consent import demo as consent_demo
        from emergency import demo as emergency_demo
        from records import demo as records_demo
        from retention import demo as retention_demo

        with operator_context("seed_demo"), transaction.atomic():
            staff = [self._staff(*row) for row in DEMO_STAFF]
            admin = User.objects.get(username="avery.admin")
            created = records_demo.seed(admin=admin)
            consent_demo.seed()
            history = audit_demo.seed()
            emergency_demo.seed()
            retention_demo.seed(admin=admin)
            clinical_record = clinical_demo.seed()
        if created:
            self.stdout.write(f"Created {created} demo clients with notes.")
        if clinical_record:
            self.stdout.write(f"Gave {clinical_record} demo clients diagnoses, treatment plans and questionnaires.")
        if history:
            self.stdout.write(f"Wrote a demo access history of {history} audit events.")
        self._print_sign_in(staff)

    def _staff(self, username, first, last, role):
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "role": role, "email": f"{username}@demo.invalid"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        device = AuthenticatorDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = AuthenticatorDevice.objects.create(user=user, name="Demo authenticator", confirmed=True)
        # Recovery codes, as enrollment gives them: a demo staff member's home page does
        # not warn that none are left. Stored as keyed digests, like every recovery code.
        if not RecoveryCodeDevice.objects.filter(user=user, confirmed=True).exists():
            static = RecoveryCodeDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
            static.issue_codes(settings.RECOVERY_CODE_COUNT)
        return user, b32encode(device.bin_key).decode()

    def _print_sign_in(self, staff):
        out = self.stdout
        out.write("")
        out.write(self.style.SUCCESS("Demo practice ready (fictional people only)."))
        port = os.environ.get("PORT", "8000")
        out.write(f"Sign in at http://127.0.0.1:{port}/accounts/login/")
        out.write(f"Every demo account's password: {DEMO_PASSWORD}")
        # The command has to run in the demo's environment: without DJANGO_DEBUG=1 the
        # settings refuse to start (no production secrets), and it reads the same database.
        env = "DJANGO_DEBUG=1"
        if os.environ.get("DJANGO_DATA_DIR"):
            env += f" DJANGO_DATA_DIR={shlex.quote(os.environ['DJANGO_DATA_DIR'])}"
        out.write(f"Staff use two-factor. Current code:  {env} .venv/bin/python manage.py totp_code USERNAME")
        if os.environ.get("DATABASE_URL"):
            out.write("(with the same DATABASE_URL)")
        out.write("(or add the secret below to an authenticator app)")
        for user, secret in staff:
            out.write(f"  {user.username:<20} {user.get_role_display():<20} TOTP secret {secret}")
        from consent.demo import DEMO_CLIENT_USERNAME

        out.write(f"Demo client (portal, no two-factor): {DEMO_CLIENT_USERNAME} — one form is waiting for signature.")
        out.write("")
