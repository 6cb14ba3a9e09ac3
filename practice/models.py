from base64 import b32encode
from binascii import unhexlify
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from practice.identity import INDEX_PREFIX, audit_actor_name, blind_index, client_username, recovery_code_digest
from practice.roles import CLINICAL_ROLES, STAFF_ROLES, Role
from records.fields import EncryptedCharField, EncryptedEmailField


class UserManager(DjangoUserManager):
    """Staff are found by their username; clients by the blind index of the name they
    sign in with (their email), never by the text itself (practice.identity)."""

    def get_queryset(self):
        # The email is read (and decrypted) only where a use case needs it: the signed-in
        # user is loaded on every request, and a page must still fail closed, with its
        # audit event, when a key is wrong, rather than fail while loading the account.
        return super().get_queryset().defer("email")

    def get_by_natural_key(self, username):
        user = self.find_by_sign_in_name(username)
        if user is None:
            raise self.model.DoesNotExist
        return user

    def find_by_sign_in_name(self, typed: str):
        """The account a typed sign-in name belongs to, or None. Security note: a typed
        `idx:...` never matches a client directly: only the name itself does."""
        if not typed or "\x00" in typed:
            return None
        staff = self.exclude(role=Role.CLIENT).filter(username=typed).first()
        if staff is not None:
            return staff
        return self.filter(role=Role.CLIENT, username=client_username(typed)).first()

    def create_client_user(self, sign_in_name: str, *, email: str | None = None, password: str | None = None):
        """A client's portal account: the username is the blind index of the name they
        sign in with, the email is encrypted, and no name is kept (names live on the
        encrypted Client record)."""
        user = self.model(username=client_username(sign_in_name), email=email or None, role=Role.CLIENT)
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        user.save(using=self._db)
        return user


class User(AbstractUser):
    """An account for one person. No shared logins: each person has their own.

    Accounts are deactivated, never deleted: audit events and signed documents point at
    them with on_delete=PROTECT.

    Security note: no client identity in plaintext. A client's `username` is `idx:` and
    the keyed HMAC of their sign-in email, their first and last name are empty (the
    Client record holds them, encrypted), and every account's email is encrypted, found
    through `email_index` (the same keyed HMAC). Staff usernames and names stay readable:
    they are the workforce's identity in the audit log and on signed documents (README,
    "Data at rest").
    """

    role = models.CharField(max_length=20, choices=Role.choices)
    # Encrypted and bound to its row (records.fields); looked up by email_index only.
    email = EncryptedEmailField("email address", blank=True, null=True)
    email_index = models.CharField(max_length=64, blank=True, db_index=True)
    # Set by a deactivation so the admin pages can say when and why access ended.
    deactivated_at = models.DateTimeField(null=True, blank=True)
    # Clinical supervision: a counselor's supervisor reads their clients' charts, and
    # co-signs their notes while they are pre-licensed.
    supervisor = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="supervisees")
    is_pre_licensed = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="user_role_valid"),
        ]

    objects = UserManager()

    def __str__(self) -> str:
        if self.role == Role.CLIENT:
            return audit_actor_name(self)
        return self.get_full_name() or self.username

    def save(self, *args, **kwargs):
        # The index follows the email (a derived column, not a rule of any use case).
        self.email_index = blind_index(self.email) if self.email else ""
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "email" in update_fields:
            kwargs["update_fields"] = {*update_fields, "email_index"}
        if self.role == Role.CLIENT and (self.first_name or self.last_name):
            raise ValueError("a client account keeps no name: names live on the encrypted Client record")
        if self.role == Role.CLIENT and "@" in self.username and not self.username.startswith(INDEX_PREFIX):
            raise ValueError("a client account's username is the blind index of their email, never the email")
        super().save(*args, **kwargs)

    @property
    def has_authenticator(self) -> bool:
        """A confirmed authenticator app (clients may turn one on; staff must)."""
        return self.authenticatordevice_set.filter(confirmed=True).exists()

    @property
    def display_name(self) -> str:
        """How pages name the signed-in account: a staff member's name (or username); for
        a client nothing from the account (it holds no name: pages that need the client's
        name read the Client record through their services)."""
        if self.role == Role.CLIENT:
            return ""
        return self.get_full_name() or self.username

    @property
    def is_practice_staff(self) -> bool:
        """Counselors, supervisors and practice admins: these must use two-factor."""
        return self.role in STAFF_ROLES

    @property
    def is_clinician(self) -> bool:
        return self.role in CLINICAL_ROLES

    @property
    def is_practice_admin(self) -> bool:
        return self.role == Role.PRACTICE_ADMIN


# --- Second factors, encrypted at rest ------------------------------------------------------
def _new_totp_key() -> str:
    from django_otp.util import random_hex

    return random_hex(20)


class AuthenticatorDevice(TimestampMixin, ThrottlingMixin, Device):
    """A TOTP authenticator (django-otp's TOTPDevice, field for field) whose secret key is
    an encrypted field, bound to its row like every other (records.fields): django-otp
    keeps it in plaintext. The key is shown once, while enrolling (a new key each time
    the enrollment page is opened), and never again."""

    key = EncryptedCharField(max_length=80, default=_new_totp_key)
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = "authenticator app"

    # django-otp's own verification, unchanged: it reads bin_key, step, t0, digits,
    # tolerance, drift and last_t, and saves last_t, drift and the throttle.
    verify_token = TOTPDevice.verify_token

    @property
    def bin_key(self) -> bytes:
        return unhexlify(self.key.encode())

    def get_throttle_factor(self):
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    @property
    def config_url(self) -> str:
        """The otpauth:// URI an authenticator app reads (Key-Uri-Format). Labelled with
        the practice and the staff username, or "client portal": a client's account has
        no readable name to put on their phone."""
        who = self.user.get_username() if self.user.role != Role.CLIENT else "client portal"
        issuer = str(settings.OTP_TOTP_ISSUER).replace(":", "")
        params = urlencode(
            {"secret": b32encode(self.bin_key), "algorithm": "SHA1", "digits": self.digits, "period": self.step}
        )
        return f"otpauth://totp/{quote(f'{issuer}:{who}')}?{params}&issuer={quote(issuer)}"

    @property
    def secret_text(self) -> str:
        """The key as people type it into an authenticator app (base32)."""
        return b32encode(self.bin_key).decode()


class RecoveryCodeDevice(StaticDevice):
    """django-otp's static device, with each recovery code stored as a keyed digest
    (practice.identity.recovery_code_digest) instead of the code: the codes are shown
    once, when made, and cannot be read back from the database."""

    class Meta:
        proxy = True
        verbose_name = "recovery codes"

    def verify_token(self, token):
        return super().verify_token(recovery_code_digest(token))

    def issue_codes(self, count: int) -> list[str]:
        """Fresh codes for this device: returned once, stored as digests."""
        codes = [StaticToken.random_token() for _ in range(count)]
        StaticToken.objects.bulk_create([StaticToken(device=self, token=recovery_code_digest(c)) for c in codes])
        return codes
