"""A client with a record worth looking at.

claire is the portal account of `rec` (alice's client): one signed note with an
addendum, one draft, one psychotherapy note, a signed authorization and a disclosure
under it. `other` (bob's client) has the portal account `olive`, a signed note, an
authorization and a disclosure of its own: nothing of it may reach claire.
"""

from __future__ import annotations

from datetime import date

from audit.context import RequestContext, reset, set_current
from consent import services as consent_services
from practice.models import User
from records import services as records_services
from tests.consent.base import BASE_URL, ConsentTestCase

SIGNED_TEXT = "Sleeping through the night most days."
ADDENDUM_TEXT = "Correction: sessions moved to Thursdays."
DRAFT_TEXT = "Unfinished thoughts about the family visit."
PNOTE_TEXT = "Countertransference: reminded of my own sister."
OTHER_TEXT = "Jamie talked about moving to Denver."
STAFF_IP = "203.0.113.77"
REQUEST_ID = "feedfacefeedfacefeedfacefeedface"
OTHER_RECIPIENT = "Dr. Quentin Marsh"


class PortalTestCase(ConsentTestCase):
    def setUp(self):
        # Staff work arrives from a known address and request id, so tests can show that
        # neither ever reaches the client.
        token = set_current(RequestContext(request_id=REQUEST_ID, ip=STAFF_IP, user_agent="StaffBrowser/1"))
        self.addCleanup(reset, token)
        self.note = self.write_note(sections={"subjective": SIGNED_TEXT, "plan": "Continue weekly."})
        records_services.note_sign(actor=self.alice, note_id=self.note.pk)
        self.addendum = records_services.addendum_create(actor=self.alice, note_id=self.note.pk, text=ADDENDUM_TEXT)
        self.draft = self.write_note(date_of_service=date(2026, 11, 9), sections={"subjective": DRAFT_TEXT})
        self.pnote = records_services.psychotherapy_note_create(
            actor=self.alice, record_number=self.rec.record_number, date_of_service=date(2026, 11, 2), text=PNOTE_TEXT
        )
        records_services.psychotherapy_note_view(actor=self.alice, note_id=self.pnote.pk)
        records_services.note_view(actor=self.alice, note_id=self.note.pk)
        self.auth = self.signed()
        self.disclosure = self.share()

        self.olive = User.objects.create_client_user("olive", password="x-long-password-1")
        self.other.user = self.olive
        self.other.save()
        self.other_note = self.write_note(author=self.bob, client=self.other, sections={"subjective": OTHER_TEXT})
        records_services.note_sign(actor=self.bob, note_id=self.other_note.pk)
        self.other_auth = consent_services.authorization_prepare(
            actor=self.bob,
            record_number=self.other.record_number,
            kind="general",
            recipient_name=OTHER_RECIPIENT,
            recipient_organization="",
            recipient_email="qmarsh@example.invalid",
            recipient_address="",
            categories=["attendance"],
            information_from=date(2026, 1, 1),
            information_to=date(2026, 12, 31),
            purpose="continuity",
            purpose_detail="",
            expires_on=date(2027, 12, 31),
            expiration_event="",
            representative_name="",
            representative_authority="",
        )
        consent_services.authorization_send(actor=self.bob, auth_id=self.other_auth.pk, request_base_url=BASE_URL)
        records_services.note_view(actor=self.bob, note_id=self.other_note.pk)
        from clinical import services as clinical_services
        from tests.clinical.base import signed_plan

        self.other_measure = clinical_services.measure_assign(
            actor=self.bob, record_number=self.other.record_number, instrument="phq9"
        )
        self.other_plan = signed_plan(self.bob, self.other)
