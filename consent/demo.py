"""Demo consents (development only, via seed_demo): authorizations in every state, a few
disclosures, and a demo client account with one form waiting for signature."""

from __future__ import annotations

import os
from datetime import date, timedelta

from django.test.utils import override_settings
from django.utils import timezone

from consent import services
from consent.models import Authorization
from consent.text import render_text, text_sha256
from practice.demo import DEMO_PASSWORD
from practice.models import User
from records.models import Client

BASE_URL = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"  # where make run serves
DEMO_CLIENT_USERNAME = "alex@example.invalid"


def _prepare(counselor, client, recipient, **overrides) -> Authorization:
    today = timezone.localdate()
    fields = {
        "kind": "general",
        "recipient_name": recipient[0],
        "recipient_organization": recipient[1],
        "recipient_email": recipient[2],
        "recipient_address": "",
        "categories": ["attendance", "progress_notes"],
        "information_from": today - timedelta(days=120),
        "information_to": today,
        "purpose": "continuity",
        "purpose_detail": "",
        "expires_on": today + timedelta(days=180),
        "expiration_event": "",
        "representative_name": "",
        "representative_authority": "",
    }
    fields.update(overrides)
    return services.authorization_prepare(actor=counselor, record_number=client.record_number, **fields)


def _send_and_sign(counselor, client_user, auth, *, sign=True):
    services.authorization_send(actor=counselor, auth_id=auth.pk, request_base_url=BASE_URL)
    if not sign:
        return auth
    auth.refresh_from_db()
    return services.authorization_sign(
        actor=client_user,
        auth_id=auth.pk,
        typed_name=f"{auth.client.first_name} {auth.client.last_name}",
        agree=True,
        shown_sha256=text_sha256(render_text(auth)),
        signature_image="",
        ip="127.0.0.1",
        user_agent="Demo browser",
    )


def seed() -> str | None:
    """Returns the demo client's username when created now."""
    if Authorization.objects.exists():
        return None
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        client = Client.objects.order_by("id").first()  # Alex Whitfield, casey's client
        counselor = client.assignments.get(ended_at__isnull=True, kind="primary").counselor
        user = User.objects.create_client_user(DEMO_CLIENT_USERNAME, email=DEMO_CLIENT_USERNAME, password=DEMO_PASSWORD)
        client.user = user
        client.save(update_fields=["user"])
        pcp = ("Dr. Priya Raman", "Maple Family Medicine", "praman@example.invalid")
        school = ("Ms. Ortiz", "Lincoln High School", "ortiz@example.invalid")
        lawyer = ("J. Abernathy", "Abernathy Law", "abernathy@example.invalid")

        signed = _send_and_sign(counselor, user, _prepare(counselor, client, pcp))
        services.share(
            actor=counselor,
            record_number=client.record_number,
            base_url=BASE_URL,
            recipient_name=pcp[0],
            recipient_organization=pcp[1],
            recipient_email=pcp[2],
            categories=frozenset({"attendance", "progress_notes"}),
            information_from=signed.information_from,
            information_to=signed.information_to,
            purpose="continuity",
            psychotherapy_notes=False,
        )
        revoked = _send_and_sign(
            counselor, user, _prepare(counselor, client, lawyer, purpose="legal", categories=["attendance"])
        )
        services.share(
            actor=counselor,
            record_number=client.record_number,
            base_url=BASE_URL,
            recipient_name=lawyer[0],
            recipient_organization=lawyer[1],
            recipient_email=lawyer[2],
            categories=frozenset({"attendance"}),
            information_from=revoked.information_from,
            information_to=revoked.information_to,
            purpose="legal",
            psychotherapy_notes=False,
        )
        services.authorization_revoke(actor=user, auth_id=revoked.pk)
        today = timezone.localdate()
        _send_and_sign(
            counselor,
            user,
            _prepare(
                counselor,
                client,
                ("Dr. Old", "Former Clinic", "old@example.invalid"),
                information_from=date(today.year - 1, 1, 1),
                information_to=date(today.year - 1, 12, 31),
                expires_on=today - timedelta(days=10),
            ),
        )
        # Waiting for the demo client to sign in the browser.
        _send_and_sign(
            counselor,
            user,
            _prepare(counselor, client, school, purpose="school", categories=["attendance"]),
            sign=False,
        )
    return DEMO_CLIENT_USERNAME
