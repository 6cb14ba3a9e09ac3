from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from audit import services
from audit.context import operator_context
from audit.models import AuditEvent
from audit.verify import load_anchor


class Command(BaseCommand):
    help = (
        "Check every audit event's hash and link. Exits 0 when the log is intact; otherwise "
        "exits 1 naming the first bad sequence number and what is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument("--anchor", type=Path, help="an anchor file written by audit_anchor")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, anchor, batch_size, no_progress, **options):
        anchor_data = None
        if anchor is not None:
            try:
                anchor_data = load_anchor(anchor.read_text())
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot read anchor {anchor}: {exc}") from None
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
        self.stdout.write(str(verdict) + (" and matches the anchor" if anchor_data else ""))
