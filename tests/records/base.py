from datetime import date

from records import services
from records.models import Assignment, SessionNote
from tests.base import PracticeTestCase


class RecordsTestCase(PracticeTestCase):
    """alice is assigned to `rec`, supervised by sam; bob has no relation to `rec`."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        services.set_supervision(actor=cls.avery, counselor=cls.alice, supervisor=cls.sam, pre_licensed=False)
        cls.rec = services.client_create(
            actor=cls.avery,
            first_name="Morgan",
            last_name="Ellery",
            date_of_birth=date(1990, 4, 2),
            email="morgan@example.invalid",
            phone="555-0100",
            address="12 Elm Street",
            emergency_contact="Pat Ellery 555-0101",
            counselor=cls.alice,
        )
        cls.other = services.client_create(
            actor=cls.avery, first_name="Jamie", last_name="Stone", date_of_birth=date(1985, 1, 1), counselor=cls.bob
        )

    def write_note(self, author=None, client=None, **overrides) -> SessionNote:
        kwargs = {
            "date_of_service": date(2026, 11, 2),
            "duration_minutes": 50,
            "service_type": "individual",
            "template": "soap",
            "sections": {"subjective": "Reports better sleep.", "plan": "Continue weekly."},
        }
        kwargs.update(overrides)
        return services.note_create(
            actor=author or self.alice, record_number=(client or self.rec).record_number, **kwargs
        )

    def signed_note(self, author=None) -> SessionNote:
        note = self.write_note(author)
        return services.note_sign(actor=author or self.alice, note_id=note.pk)

    def active_kinds(self, client):
        return dict(Assignment.objects.filter(client=client, ended_at__isnull=True).values_list("counselor", "kind"))
