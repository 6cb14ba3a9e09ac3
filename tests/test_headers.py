import os
import subprocess
import sys
from pathlib import Path

from django.urls import reverse

from tests.base import PracticeTestCase

ROOT = Path(__file__).resolve().parent.parent


class HeadersTest(PracticeTestCase):
    def test_authenticated_responses_carry_the_security_headers(self):
        self.sign_in(self.alice)
        response = self.client.get(reverse("home"))
        self.assertEqual(response.status_code, 200)
        csp = response["Content-Security-Policy"]
        self.assertIn("script-src 'self'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertIn("no-store", response["Cache-Control"])
        self.assertEqual(response["X-Frame-Options"], "DENY")
        self.assertEqual(response["Referrer-Policy"], "same-origin")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertTrue(response["X-Request-ID"])

    def test_pages_load_no_third_party_code(self):
        self.sign_in(self.alice)
        html = self.client.get(reverse("home")).content.decode()
        self.assertNotIn("http://", html.replace("http://testserver", ""))
        self.assertNotIn("https://", html)
        self.assertNotIn("<script>", html)  # no inline scripts: only src='self'


def run_manage(args, env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECRET_KEY", "FIELD_ENC", "IDENTITY_"))}
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "practice.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "SECRET_KEY": "p" * 30 + "-production-like-secret-key-for-tests-only",
    "FIELD_ENCRYPTION_KEY": "Y2hhbmdlLW1lLXRoaXMtaXMtYS10ZXN0LWtleS0zMmI=",
    "IDENTITY_INDEX_KEY": "i" * 32 + "-identity-index-key-for-tests-only",
    "ALLOWED_HOSTS": "records.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
}


class ProductionSettingsTest(PracticeTestCase):
    def test_production_refuses_to_start_without_secrets(self):
        for missing in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "IDENTITY_INDEX_KEY"):
            env = {k: v for k, v in PRODUCTION.items() if k != missing}
            result = run_manage(["check"], env)
            self.assertNotEqual(result.returncode, 0)
            self.assertIn(f"Refusing to start: {missing}", result.stderr)

    def test_production_refuses_a_malformed_encryption_key(self):
        result = run_manage(["check"], {**PRODUCTION, "FIELD_ENCRYPTION_KEY": "not-a-key"})
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("not a Fernet key", result.stderr)
        self.assertNotIn("not-a-key", result.stderr)

    def test_bad_typed_values_fail_loudly(self):
        result = run_manage(["check"], {**PRODUCTION, "SESSION_IDLE_MINUTES": "fifteen"})
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("SESSION_IDLE_MINUTES must be a whole number", result.stderr)

    def test_deploy_checks_pass_with_a_production_like_environment(self):
        result = run_manage(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_production_sets_hsts_and_secure_cookies(self):
        code = (
            "from django.conf import settings as s;"
            "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT)"
        )
        result = run_manage(["shell", "-c", code], PRODUCTION)
        self.assertEqual(result.stdout.split()[-4:], ["31536000", "True", "True", "True"], result.stderr)

    def test_demo_commands_refuse_in_production(self):
        for command in (["seed_demo"], ["totp_code", "avery.admin"]):
            result = run_manage(command, PRODUCTION)
            self.assertNotEqual(result.returncode, 0)
            self.assertIn("runs only with DJANGO_DEBUG=1", result.stderr)
