"""Walking every URL of the application with real objects behind its arguments."""

from __future__ import annotations

from clinical.services import diagnosis_add
from consent.services import disclose_without_authorization
from emergency.services import emergency_open
from records.services import psychotherapy_note_create
from retention.models import Disposal, RetentionPolicy
from retention.services import hold_place
from tests.clinical.base import completed, signed_plan
from tests.consent.base import ConsentTestCase
from tests.urls_util import application_routes, fill_route


class WalkTestCase(ConsentTestCase):
    """alice's client `rec` with a signed note, a psychotherapy note, a signed
    authorization and a disclosure, and a request to release the psychotherapy note
    under a court order, waiting for approval; an emergency access of alice's to bob's client; a
    legal hold on `rec` and a disposal proposal for it."""

    def setUp(self):
        self.note = self.signed_note()
        self.pnote = psychotherapy_note_create(
            actor=self.alice,
            record_number=self.rec.record_number,
            date_of_service=self.note.date_of_service,
            text="Private process notes.",
        )
        self.auth = self.signed()
        self.disclosure = self.share()
        self.emergency = emergency_open(
            actor=self.alice,
            record_number=self.other.record_number,
            reason="covering",
            justification="Covering for bob during a crisis call today.",
        )
        # alice's psychotherapy notes asked for under a court order, waiting for an admin.
        self.legal_request = disclose_without_authorization(
            actor=self.alice,
            record_number=self.rec.record_number,
            base_url="http://testserver",
            legal_basis="court_order",
            justification="The court ordered the treating counselor's notes produced.",
            court_name="Superior Court of Example County",
            court_date=self.note.date_of_service,
            court_reference="26-CV-4411",
            **self.request(categories=frozenset(), psychotherapy_notes=True, purpose="legal"),
        )
        self.hold = hold_place(actor=self.avery, record_number=self.rec.record_number, reason="Subpoena pending.")
        self.diagnosis = diagnosis_add(
            actor=self.alice, record_number=self.rec.record_number, code="F41.1", kind="primary"
        )
        self.plan = signed_plan(self.alice, self.rec)
        self.measure = completed(self.alice, self.rec, "phq9", [1] * 9)
        # A proposal as the retention page lists it (rec is within its retention period, so
        # the service would refuse to propose it: the row is written directly here).
        policy = RetentionPolicy.objects.create()
        self.disposal = Disposal.objects.create(
            client=self.rec,
            record_number=self.rec.record_number,
            proposed_by=self.avery,
            proposed_at=self.rec.created_at,
            policy=policy,
            years_after_service=7,
            age_of_majority=18,
            years_after_majority=7,
            was_minor=False,
            retain_until=self.rec.created_at.date(),
            registered_on=self.rec.created_at.date(),
        )

    def value(self, name: str, route: str):
        if name == "record_number":
            return self.rec.record_number
        if name == "note_id":
            return self.pnote.pk if route.startswith("psychotherapy-notes") else self.note.pk
        if name == "auth_id":
            return self.auth.pk
        if name == "disclosure_id":
            return self.disclosure.pk
        if name == "user_id":
            return self.alice.pk
        if name == "access_id":
            return self.emergency.pk
        if name == "hold_id":
            return self.hold.pk
        if name == "disposal_id":
            return self.disposal.pk
        if name == "diagnosis_id":
            return self.diagnosis.pk
        if name == "plan_id":
            return self.plan.pk
        if name == "measure_id":
            return self.measure.pk
        if name == "request_id":
            return self.legal_request.pk
        if name in ("token", "uidb64"):
            return "x"
        raise AssertionError(f"no sample value for <{name}> in {route}: add one to tests/walk.py")

    def routes(self, *, skip=frozenset()):
        """(name, route, path) of every URL pattern but those named in skip."""
        for name, route in application_routes():
            if name not in skip:
                yield name, route, fill_route(route, self.value)
