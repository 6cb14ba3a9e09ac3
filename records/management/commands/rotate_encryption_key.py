from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

import audit
from audit.context import operator_context
from audit.models import Outcome
from records import keycheck
from records.fields import DecryptionError
from records.rotation import check_all, count_rows, rotate_all


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value with the newest FIELD_ENCRYPTION_KEY (the first), "
        "append-only tables included. Resumable: run it again after an interruption. "
        "--check proves nothing is left under an old key; remove the old key only after it passes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--no-progress", action="store_true")
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--check",
            action="store_true",
            help="Change nothing; exit 1 unless every value decrypts with the newest key alone.",
        )
        group.add_argument(
            "--prepare",
            action="store_true",
            help="Only re-encrypt the key check value, so processes configured with new,old can start.",
        )

    def handle(self, *args, batch_size, no_progress, check, prepare, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        # The newest key may be new to this database: that is what a rotation is for.
        with keycheck.allow_pending_rotation(), operator_context("rotate_encryption_key"):
            if check:
                return self._check(batch_size, no_progress)
            if prepare:
                return self._prepare()
            return self._rotate(batch_size, no_progress)

    def _prepare(self):
        from django.db import connection, transaction

        with transaction.atomic():
            changed = keycheck.rotate_check_value(connection)
            audit.record(
                action="key_rotation.prepare", object_type="encryption_key", reason=f"check_value_rotated={changed}"
            )
        self.stdout.write(
            "The key check value is under the newest key."
            if changed
            else "The key check value was already under the newest key."
        )

    def _rotate(self, batch_size, no_progress):
        audit.record(action="key_rotation.start", object_type="encryption_key")
        bar = tqdm(total=count_rows(), unit="rows", disable=no_progress, file=self.stderr._out)
        try:
            result = rotate_all(batch_size=batch_size, progress=bar.update)
        except BaseException as exc:
            bar.close()
            reason = str(exc)[:200] if isinstance(exc, DecryptionError) else type(exc).__name__
            audit.record(
                action="key_rotation.error", outcome=Outcome.ERROR, object_type="encryption_key", reason=reason
            )
            if isinstance(exc, DecryptionError):
                raise CommandError(str(exc)) from None
            raise
        bar.close()
        audit.record(
            action="key_rotation.finish",
            object_type="encryption_key",
            reason=f"rotated={result.rotated} already_current={result.already_current}",
        )
        self.stdout.write(
            f"Re-encrypted {result.rotated} values; {result.already_current} were already under the newest key. "
            "Run with --check before removing the old key."
        )

    def _check(self, batch_size, no_progress):
        bar = tqdm(total=count_rows(), unit="rows", disable=no_progress, file=self.stderr._out)
        try:
            result = check_all(batch_size=batch_size, progress=bar.update)
        finally:
            bar.close()
        audit.record(
            action="key_rotation.check",
            outcome=Outcome.ALLOWED if result.ok else Outcome.ERROR,
            object_type="encryption_key",
            reason=str(result)[:500],
        )
        if not result.ok:
            raise CommandError(f"Old keys are still needed: {result}")
        self.stdout.write(f"Every value decrypts with the newest key alone ({result.checked} checked).")
