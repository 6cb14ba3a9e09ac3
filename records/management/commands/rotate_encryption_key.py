from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

import audit
from audit.context import operator_context
from records.fields import DecryptionError
from records.rotation import count_rows, rotate_all


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value with the newest FIELD_ENCRYPTION_KEY (the first). "
        "Resumable: run it again after an interruption. Afterwards the old keys can be removed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, batch_size, no_progress, **options):
        with operator_context("rotate_encryption_key"):
            audit.record(action="key_rotation.start", object_type="encryption_key")
            bar = tqdm(total=count_rows(), unit="rows", disable=no_progress, file=self.stderr._out)
            try:
                result = rotate_all(batch_size=batch_size, progress=bar.update)
            except DecryptionError as exc:
                audit.record(
                    action="key_rotation.finish", outcome="error", object_type="encryption_key", reason=str(exc)[:200]
                )
                raise CommandError(str(exc)) from None
            finally:
                bar.close()
            audit.record(
                action="key_rotation.finish",
                object_type="encryption_key",
                reason=f"rotated={result.rotated} already_current={result.already_current}",
            )
        self.stdout.write(
            f"Re-encrypted {result.rotated} values; {result.already_current} were already under the newest key."
        )
