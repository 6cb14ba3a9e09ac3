"""Key rotation reads a batch, then re-encrypts it under the chain lock: a draft saved in
between keeps its new text (before, the rotation wrote the older text back, re-encrypted)."""

from cryptography.fernet import Fernet
from django.conf import settings
from django.test import override_settings

from records import rotation, services
from records.models import SessionNote
from tests.records.base import RecordsTestCase


class RotationDoesNotLoseASaveTest(RecordsTestCase):
    def test_a_draft_saved_between_the_read_and_the_rewrite_keeps_its_text(self):
        note = self.write_note()
        new_key = Fernet.generate_key().decode()
        original_batches = rotation._batches

        def batches_with_a_save_in_between(model, batch_size):
            for rows in original_batches(model, batch_size):
                if model is SessionNote:
                    # The counselor saves while the rotation holds the rows it read.
                    services.note_update(
                        actor=self.alice,
                        note_id=note.pk,
                        version=1,
                        date_of_service=note.date_of_service,
                        duration_minutes=50,
                        service_type="individual",
                        template="soap",
                        sections={"plan": "Saved during the rotation."},
                    )
                yield rows

        with override_settings(FIELD_ENCRYPTION_KEY=[new_key, *settings.FIELD_ENCRYPTION_KEY]):
            rotation._batches = batches_with_a_save_in_between
            try:
                result = rotation.rotate_all(batch_size=50)
            finally:
                rotation._batches = original_batches
            note.refresh_from_db()
            self.assertEqual(note.sections["plan"], "Saved during the rotation.")
            self.assertEqual(note.version, 2)
            self.assertEqual(result.changed_meanwhile, 1)
            self.assertTrue(rotation.check_all().ok)  # the saved text was written under the new key
