from datetime import date, timedelta

from django.utils import timezone

from consent import services
from consent.models import Authorization
from consent.text import render_text, text_sha256
from tests.records.base import RecordsTestCase

BASE_URL = "http://testserver"
RECIPIENT = {
    "recipient_name": "Dr. Dana Whitlock",
    "recipient_organization": "Eastside Clinic",
    "recipient_email": "dwhitlock@example.invalid",
}


class ConsentTestCase(RecordsTestCase):
    """claire is the portal account of `rec` (alice's client)."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.rec.user = cls.claire
        cls.rec.email = "claire@example.invalid"
        cls.rec.save()

    def prepare(self, **overrides) -> Authorization:
        fields = {
            "kind": "general",
            **RECIPIENT,
            "recipient_address": "1 Main St",
            "categories": ["attendance", "progress_notes"],
            "information_from": date(2026, 1, 1),
            "information_to": date(2026, 12, 31),
            "purpose": "continuity",
            "purpose_detail": "",
            "expires_on": timezone.localdate() + timedelta(days=90),
            "expiration_event": "",
            "representative_name": "",
            "representative_authority": "",
        }
        fields.update(overrides)
        return services.authorization_prepare(actor=self.alice, record_number=self.rec.record_number, **fields)

    def signed(self, **overrides) -> Authorization:
        auth = self.prepare(**overrides)
        services.authorization_send(actor=self.alice, auth_id=auth.pk, request_base_url=BASE_URL)
        auth.refresh_from_db()
        return services.authorization_sign(
            actor=self.claire,
            auth_id=auth.pk,
            typed_name="Morgan Ellery",
            agree=True,
            shown_sha256=text_sha256(render_text(auth)),
            signature_image="",
            ip="192.0.2.5",
            user_agent="Test",
        )

    def request(self, **overrides) -> dict:
        fields = {
            **RECIPIENT,
            "categories": frozenset({"progress_notes"}),
            "information_from": date(2026, 3, 1),
            "information_to": date(2026, 11, 30),
            "purpose": "continuity",
            "psychotherapy_notes": False,
        }
        fields.update(overrides)
        return fields

    def share(self, actor=None, **overrides):
        return services.share(
            actor=actor or self.alice,
            record_number=self.rec.record_number,
            base_url=BASE_URL,
            **self.request(**overrides),
        )
