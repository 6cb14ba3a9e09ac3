import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit import services
from audit.context import operator_context
from audit.models import AuditEvent
from audit.verify import make_anchor


class Command(BaseCommand):
    help = (
        "Print (or write to a file) the latest audit sequence number and hash with an HMAC under "
        "AUDIT_ANCHOR_KEY. Keep copies outside the database; verify_audit_chain --anchor FILE checks them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path)

    def handle(self, *args, output, **options):
        with operator_context("audit_anchor"):
            last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
            if last is None:
                raise CommandError("the audit log is empty")
            anchor = make_anchor(last[0], last[1], timezone.now().isoformat())
            services.record(action="audit.anchor", object_type="audit_event", object_id=last[0])
        text = json.dumps(anchor, indent=2)
        if output:
            output.write_text(text + "\n")
            self.stdout.write(f"Anchor for seq {anchor['seq']} written to {output}")
        else:
            self.stdout.write(text)
