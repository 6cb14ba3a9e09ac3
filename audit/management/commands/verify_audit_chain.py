from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from audit import anchors, services
from audit.context import operator_context
from audit.models import AuditEvent
from audit.verify import load_anchor


class Command(BaseCommand):
    help = (
        "Check every audit event's hash and link, the chain head, and the latest anchor in "
        "AUDIT_ANCHOR_FILE (or --anchor FILE). Exits 0 when the log is intact; otherwise exits 1 "
        "naming the first bad sequence number and what is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument("--anchor", type=Path, help="an anchor file (its last anchor is checked)")
        parser.add_argument("--no-anchor", action="store_true", help="check the chain only")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, anchor, no_anchor, batch_size, no_progress, **options):
        anchor_data, source = None, None
        if anchor is not None:
            try:
                anchor_data, source = load_anchor(anchor.read_text()), anchor
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot read anchor {anchor}: {exc}") from None
        elif not no_anchor and anchors.anchor_path() is not None:
            source = anchors.anchor_path()
            try:
                anchor_data = anchors.latest()
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot read anchor file {source}: {exc}") from None
            if anchor_data is None and AuditEvent.objects.count() >= settings.AUDIT_ANCHOR_EVERY_EVENTS:
                self.stderr.write(
                    f"FAILED: no anchor in {source}, though the log holds more than "
                    f"AUDIT_ANCHOR_EVERY_EVENTS={settings.AUDIT_ANCHOR_EVERY_EVENTS} events"
                )
                raise SystemExit(1)
        with operator_context("verify_audit_chain"):
            total = AuditEvent.objects.count()
            bar = tqdm(total=total, unit="events", disable=no_progress, file=self.stderr._out)
            try:
                verdict = services.verify_and_record(batch_size=batch_size, progress=bar.update, anchor=anchor_data)
            finally:
                bar.close()
        if not verdict.ok:
            self.stderr.write(str(verdict))
            raise SystemExit(1)
        suffix = f" and matches the anchor (latest: seq {anchor_data['seq']}, {source})" if anchor_data else ""
        self.stdout.write(str(verdict) + suffix)
