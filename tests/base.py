"""The people every test talks about, and how they sign in.

- alice: a counselor (the assigned counselor once records exist)
- bob: a counselor with no relation to alice's clients ("Bob should have no access")
- sam: a clinical supervisor
- avery: a practice admin: manages staff, never reads clinical content
- root: a Django superuser (practice-admin role): gets nothing a role would not give
- claire: a client
"""

from __future__ import annotations

import time

from django.test import TestCase
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP

from audit.models import AuditEvent
from practice.middleware import SESSION_LAST_SEEN, SESSION_LOGIN_AT
from practice.models import AuthenticatorDevice, User
from practice.roles import Role

PASSWORD = "correct-horse-battery-9"


def strip_csrf(html: bytes | str) -> str:
    """Page text without the per-response CSRF token, for comparing two responses."""
    import re

    text = html.decode() if isinstance(html, bytes) else html
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)


def make_user(username: str, role: str, *, totp: bool = True, **extra) -> User:
    if role == Role.CLIENT:
        # As the invitation makes one: signs in with `username`, keeps no name.
        return User.objects.create_client_user(username, email=f"{username}@example.invalid", password=PASSWORD)
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        email=f"{username}@example.invalid",
        first_name=username.capitalize(),
        last_name="Test",
        role=role,
        **extra,
    )
    if totp and role != Role.CLIENT:
        AuthenticatorDevice.objects.create(user=user, name="test", confirmed=True)
    return user


def current_code(user: User) -> str:
    device = AuthenticatorDevice.objects.get(user=user, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def sign_in(client, user: User, *, verified: bool = True) -> None:
    """A signed-in session as the login view leaves it, with the second factor
    verified (staff) unless verified=False."""
    client.force_login(user)
    session = client.session
    now = time.time()
    session[SESSION_LOGIN_AT] = now
    session[SESSION_LAST_SEEN] = now
    if verified and user.role != Role.CLIENT:
        session[DEVICE_ID_SESSION_KEY] = AuthenticatorDevice.objects.get(user=user, confirmed=True).persistent_id
    session.save()


class PracticeTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.alice = make_user("alice", Role.COUNSELOR)
        cls.bob = make_user("bob", Role.COUNSELOR)
        cls.sam = make_user("sam", Role.SUPERVISOR)
        cls.avery = make_user("avery", Role.PRACTICE_ADMIN)
        cls.root = make_user("root", Role.PRACTICE_ADMIN, is_superuser=True, is_staff=True)
        cls.claire = make_user("claire", Role.CLIENT)

    def sign_in(self, user: User, *, verified: bool = True) -> None:
        sign_in(self.client, user, verified=verified)

    def events(self, action: str, **filters):
        return list(AuditEvent.objects.filter(action=action, **filters).order_by("seq"))

    def assertOneEvent(self, action: str, **filters) -> AuditEvent:
        events = self.events(action, **filters)
        self.assertEqual(len(events), 1, f"expected one {action} event with {filters}, got {events}")
        return events[0]
