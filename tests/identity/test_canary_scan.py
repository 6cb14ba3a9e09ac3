"""The canary scan: a unique string planted in every encrypted field and every
identifying input (a client's email and names through the portal invitation flow,
recipient names, reasons and comments typed by staff, a typed sign-in name, a search),
then looked for in every table with raw SQL, in every stored session, and on PostgreSQL
in a whole `pg_dump` (users, audit, axes, otp and session tables included). No canary
may appear anywhere."""

from __future__ import annotations

import base64
import io
import os
import re
import secrets
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from django.test import TransactionTestCase
from django.urls import reverse
from django.utils import timezone

from audit import services as audit_services
from audit.models import AuditEvent, FlagKind, Outcome
from consent import services as consent_services
from consent.text import render_text, text_sha256
from emergency import services as emergency_services
from records import rotation
from records import services as records_services
from records.fields import encrypted_fields
from retention import services as retention_services
from tests.base import make_user, sign_in
from tests.consent.base import BASE_URL

# Lower case (emails are compared case-folded), unique to this run.
CANARY = "cnry" + secrets.token_hex(4)
CANARY_DATE = date(1911, 11, 11)
CANARY_EMAIL = f"{CANARY}.mail@example.invalid"


def _png_data_url() -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (60, 20), "white").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


class Planter:
    """Plants canaries through the product's own services and pages, as its users would."""

    def __init__(self, test):
        self.t = test
        self.admin = make_user(f"adm{CANARY[-4:]}", "practice_admin")
        self.counselor = make_user(f"cou{CANARY[-4:]}", "counselor")
        self.outsider = make_user(f"out{CANARY[-4:]}", "counselor")
        self.supervisor = make_user(f"sup{CANARY[-4:]}", "supervisor")

    def plant(self):
        from audit.context import operator_context

        with operator_context("canary"):
            records_services.set_supervision(
                actor=self.admin, counselor=self.counselor, supervisor=self.supervisor, pre_licensed=True
            )
        self.client = records_services.client_create(
            actor=self.admin,
            first_name=f"{CANARY}first",
            last_name=f"{CANARY}last",
            preferred_name=f"{CANARY}pref",
            date_of_birth=CANARY_DATE,
            email=CANARY_EMAIL,
            phone=f"{CANARY}phone",
            address=f"{CANARY}address",
            emergency_contact=f"{CANARY}emergency",
            counselor=self.counselor,
        )
        number = self.client.record_number
        note = records_services.note_create(
            actor=self.counselor,
            record_number=number,
            date_of_service=date(2026, 11, 2),
            duration_minutes=50,
            service_type="individual",
            template="soap",
            sections={"subjective": f"{CANARY}note", "plan": f"{CANARY}plan"},
        )
        records_services.note_sign(actor=self.counselor, note_id=note.pk)
        self._note_return(note)
        records_services.addendum_create(actor=self.counselor, note_id=note.pk, text=f"{CANARY}addendum")
        records_services.psychotherapy_note_create(
            actor=self.counselor, record_number=number, date_of_service=date(2026, 11, 2), text=f"{CANARY}pn"
        )
        # The portal invitation flow: the client's email and names reach their account.
        auth = consent_services.authorization_prepare(
            actor=self.counselor,
            record_number=number,
            kind="general",
            recipient_name=f"{CANARY}recipient",
            recipient_organization=f"{CANARY}org",
            recipient_email=f"{CANARY}.recipient@example.invalid",
            recipient_address=f"{CANARY}raddress",
            categories=["attendance", "progress_notes"],
            information_from=date(2026, 1, 1),
            information_to=date(2026, 12, 31),
            purpose="other",
            purpose_detail=f"{CANARY}purpose",
            expires_on=timezone.localdate() + timedelta(days=90),
            expiration_event=f"{CANARY}event",
            representative_name=f"{CANARY}rep",
            representative_authority=f"{CANARY}authority",
        )
        consent_services.authorization_send(actor=self.counselor, auth_id=auth.pk, request_base_url=BASE_URL)
        token = re.search(r"/invite/([\w-]+)/", mail.outbox[-1].body).group(1)
        browser = self.t.client_class()
        response = browser.post(
            reverse("invitation_accept", args=[token]),
            {"password1": "a-long-client-passphrase-9", "password2": "a-long-client-passphrase-9"},
        )
        self.t.assertRedirects(response, reverse("portal_home"))
        self.client.refresh_from_db()
        self.user = self.client.user
        auth.refresh_from_db()
        consent_services.authorization_sign(
            actor=self.user,
            auth_id=auth.pk,
            typed_name=f"{CANARY}first {CANARY}last",
            agree=True,
            shown_sha256=text_sha256(render_text(auth)),
            signature_image=_png_data_url(),
            ip="192.0.2.9",
            user_agent="Canary",
        )
        # The client turns on an authenticator (its key must not be readable either).
        browser.get(reverse("two_factor_setup"))
        from practice.models import AuthenticatorDevice

        device = AuthenticatorDevice.objects.get(user=self.user)
        self.secrets = [device.key, device.secret_text]
        from django_otp.oath import TOTP

        totp = TOTP(device.bin_key, 30, 0, 6, 0)
        response = browser.post(reverse("two_factor_setup"), {"token": f"{totp.token():06d}"})
        self.secrets += re.findall(r"<li><code>(\w+)</code></li>", response.content.decode())
        self.t.assertEqual(len(self.secrets), 12)
        self.sessions = [browser]

        consent_services.share(
            actor=self.counselor,
            record_number=number,
            base_url=BASE_URL,
            recipient_name=f"{CANARY}recipient",
            recipient_organization=f"{CANARY}org",
            recipient_email=f"{CANARY}.recipient@example.invalid",
            categories=frozenset({"progress_notes"}),
            information_from=date(2026, 3, 1),
            information_to=date(2026, 11, 30),
            purpose="other",
            psychotherapy_notes=False,
        )
        # A refusal that names another recipient (the gate).
        with self.t.assertRaises(consent_services.ConsentDenied):
            consent_services.share(
                actor=self.counselor,
                record_number=number,
                base_url=BASE_URL,
                recipient_name=f"{CANARY}otherrecipient",
                recipient_organization="",
                recipient_email=f"{CANARY}.other@example.invalid",
                categories=frozenset({"progress_notes"}),
                information_from=date(2026, 3, 1),
                information_to=date(2026, 11, 30),
                purpose="other",
                psychotherapy_notes=False,
            )
        self._legal_disclosure(number)
        self._clinical(number)
        # Reasons and comments typed by staff.
        access = emergency_services.emergency_open(
            actor=self.outsider, record_number=number, reason="covering", justification=f"{CANARY}justification"
        )
        emergency_services.emergency_review(
            actor=self.admin, access_id=access.pk, decision="acknowledged", comment=f"{CANARY}emergencycomment"
        )
        denied = AuditEvent.objects.filter(outcome=Outcome.DENIED).order_by("-seq").first()
        audit_services.review_flag(
            actor=self.admin, seq=denied.seq, kind=FlagKind.DENIED, comment=f"{CANARY}flagcomment"
        )
        hold = retention_services.hold_place(actor=self.admin, record_number=number, reason=f"{CANARY}hold")
        retention_services.hold_release(actor=self.admin, hold_id=hold.pk, reason=f"{CANARY}release")
        # Typed into boxes: a search, an audit filter, a sign-in name, a reset address.
        records_services.caseload_search(actor=self.counselor, query=f"{CANARY}first")
        from audit.selectors import EventFilter

        audit_services.review_log(actor=self.admin, flt=EventFilter(action=f"{CANARY}filter"))
        anonymous = self.t.client_class()
        anonymous.post(reverse("login"), {"username": f"{CANARY}typedname", "password": f"{CANARY}typedpw"})
        anonymous.post(reverse("login"), {"username": CANARY_EMAIL, "password": f"{CANARY}wrongpw"})
        anonymous.post(reverse("password_reset"), {"email": f"{CANARY}.unknown@example.invalid"})
        anonymous.post(reverse("password_reset"), {"email": CANARY_EMAIL.upper()})
        staff = self.t.client_class()
        sign_in(staff, self.counselor)
        staff.get(reverse("chart", args=[number]))
        self.sessions.append(staff)

    def _note_return(self, note):
        """A supervisor's return for revision, with its comment (records.NoteReturn)."""
        from records.models import NoteReturn

        return_note = getattr(records_services, "note_return", None)
        if return_note is not None:
            return_note(actor=self.supervisor, note_id=note.pk, comment=f"{CANARY}return")
        else:  # the service follows its table: plant through the model meanwhile
            NoteReturn.objects.create(
                note=note, returned_by=self.supervisor, returned_at=timezone.now(), comment=f"{CANARY}return"
            )

    def _clinical(self, number):
        """Diagnoses, a treatment plan and a questionnaire, when the clinical app is there."""
        from django.apps import apps as django_apps

        if not django_apps.is_installed("clinical"):
            return
        from clinical import plans
        from clinical import services as clinical

        clinical.diagnosis_add(actor=self.counselor, record_number=number, code="F41.1", kind="primary")
        problem = plans.Problem(
            problem=f"{CANARY}problem",
            goal=f"{CANARY}goal",
            interventions=f"{CANARY}interventions",
            objectives=[plans.Objective(objective=f"{CANARY}objective", target_date=date(2027, 1, 1))],
        )
        clinical.plan_create(
            actor=self.counselor, record_number=number, problems=[problem], review_date=date(2027, 2, 1)
        )
        clinical.measure_enter(
            actor=self.counselor, record_number=number, instrument="phq9", answers=[1] * 9, base_url=BASE_URL
        )

    def _legal_disclosure(self, number):
        import inspect

        if "court_name" in inspect.signature(consent_services.disclose_without_authorization).parameters:
            self._court_order(number)
        consent_services.disclose_without_authorization(
            actor=self.counselor,
            record_number=number,
            base_url=BASE_URL,
            legal_basis="duty_to_warn",
            justification=f"{CANARY}legaljustification: a credible threat against a named person today.",
            purpose_detail=f"{CANARY}legalpurpose",
            recipient_name=f"{CANARY}sheriff",
            recipient_organization=f"{CANARY}county",
            recipient_email=f"{CANARY}.sheriff@example.invalid",
            categories=frozenset({"attendance"}),
            information_from=date(2026, 1, 1),
            information_to=date(2026, 12, 31),
            purpose="other",
            psychotherapy_notes=False,
        )

    def _court_order(self, number):
        """A court order for psychotherapy notes waits for a second practice admin, who
        rejects it with a comment (consent.LegalRequest)."""
        request = consent_services.disclose_without_authorization(
            actor=self.counselor,
            record_number=number,
            base_url=BASE_URL,
            legal_basis="court_order",
            justification=f"{CANARY}courtjustification: an order signed by the judge, reviewed today.",
            court_name=f"{CANARY}court",
            court_date=date(2026, 10, 1),
            court_reference=f"{CANARY}ref",
            recipient_name=f"{CANARY}clerk",
            recipient_organization=f"{CANARY}clerkorg",
            recipient_email=f"{CANARY}.clerk@example.invalid",
            categories=frozenset(),
            information_from=date(2026, 1, 1),
            information_to=date(2026, 12, 31),
            purpose="legal",
            psychotherapy_notes=True,
        )
        consent_services.legal_request_reject(actor=self.admin, request_id=request.pk, comment=f"{CANARY}decision")


def table_names() -> list[str]:
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


def table_text(table: str) -> str:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {qn(table)}")  # noqa: S608 - names from introspection
        return repr(cursor.fetchall())


class CanaryScanMixin:
    def plant(self) -> Planter:
        planter = Planter(self)
        planter.plant()
        return planter

    def assertEveryEncryptedFieldHoldsAValue(self):
        """The plant reached every encrypted field of every model: a new encrypted field
        without a canary fails here, naming it."""
        empty = []
        for model in rotation.encrypted_models():
            for field in encrypted_fields(model):
                values = [getattr(obj, field.attname) for obj in model.objects.only("pk", field.name)]
                if not any(v not in (None, "", {}, []) for v in values):
                    empty.append(f"{model._meta.label}.{field.name}")
        self.assertEqual(empty, [], "plant a canary in these encrypted fields (tests/identity/test_canary_scan.py)")

    def assertNoCanary(self, text: str, where: str):
        folded = text.casefold()
        self.assertNotIn(CANARY, folded, where)
        self.assertNotIn(CANARY_DATE.isoformat(), folded, where)

    def scan_tables(self, planter: Planter):
        for table in table_names():
            text = table_text(table)
            self.assertNoCanary(text, table)
            for secret in planter.secrets:
                self.assertNotIn(secret, text, f"{table}: a second-factor secret in clear")

    def scan_sessions(self):
        sessions = list(Session.objects.all())
        self.assertTrue(sessions)
        for session in sessions:
            self.assertNoCanary(repr(session.get_decoded()), "django_session (decoded)")


class CanaryScanTest(CanaryScanMixin, TransactionTestCase):
    """Every table with raw SQL, and every session decoded (SQLite and PostgreSQL)."""

    def test_no_canary_in_any_table_or_session(self):
        planter = self.plant()
        self.assertEveryEncryptedFieldHoldsAValue()
        self.scan_tables(planter)
        self.scan_sessions()
        # The plant really went in: the ORM reads the canaries back, and the audit log
        # holds the events of the flows above.
        planter.client.refresh_from_db()
        self.assertEqual(planter.client.first_name, f"{CANARY}first")
        self.assertEqual(planter.user.email, CANARY_EMAIL)
        for action in ("invitation.accept", "authorization.sign", "emergency.open", "audit.flag_review"):
            self.assertTrue(AuditEvent.objects.filter(action=action).exists(), action)
        self.assertTrue(AuditEvent.objects.filter(action="disclosure.share", outcome=Outcome.DENIED).exists())
        self.assertTrue(AuditEvent.objects.filter(action="auth.login_failed").count() >= 2)


@pytest.mark.postgres_only
class PgDumpCanaryScanTest(CanaryScanMixin, TransactionTestCase):
    """A whole pg_dump: schema and data of every table, users, audit, axes, otp and
    sessions included."""

    def test_no_canary_in_a_whole_pg_dump(self):
        if connection.vendor != "postgresql":
            self.skipTest("pg_dump: PostgreSQL only")
        planter = self.plant()
        dump = pg_dump()
        for table in ("practice_user", "audit_auditevent", "axes_accessattempt", "otp_static_statictoken"):
            self.assertIn(f"COPY public.{table} ", dump)
        for table in ("practice_authenticatordevice", "django_session", "audit_reviewcomment"):
            self.assertIn(f"COPY public.{table} ", dump)
        self.assertNoCanary(dump, "pg_dump")
        for secret in planter.secrets:
            self.assertNotIn(secret, dump)


def pg_dump() -> str:
    binary = "/usr/bin/pg_dump" if os.path.exists("/usr/bin/pg_dump") else shutil.which("pg_dump")
    if not binary:
        raise AssertionError("pg_dump is not installed")
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    return subprocess.run(
        [binary, "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"], db["NAME"]],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=True,
    ).stdout
