import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit import anchors, services
from audit.context import operator_context
from audit.models import ChainHead
from audit.verify import make_anchor


class Command(BaseCommand):
    help = (
        "Anchor the audit chain: its head (latest sequence number and hash) with an HMAC under "
        "AUDIT_ANCHOR_KEY, appended to AUDIT_ANCHOR_FILE (or written to --output). Run it on a "
        "schedule, every AUDIT_ANCHOR_EVERY_MINUTES; verify_audit_chain checks the latest anchor."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="write this one anchor to a file of its own")

    def handle(self, *args, output, **options):
        with operator_context("audit_anchor"):
            head = ChainHead.objects.filter(pk=1).values_list("seq", "hash").first()
            if head is None:
                raise CommandError("the audit log is empty")
            services.record(action="audit.anchor", object_type="audit_event", object_id=head[0])
        if output:
            anchor = make_anchor(head[0], head[1], timezone.now().isoformat())
            output.write_text(json.dumps(anchor, indent=2) + "\n")
            self.stdout.write(f"Anchor for seq {anchor['seq']} written to {output}")
        elif anchors.anchor_path() is not None:
            anchor = anchors.append(head[0], head[1])
            self.stdout.write(f"Anchor for seq {anchor['seq']} appended to {anchors.anchor_path()}")
        else:
            self.stdout.write(json.dumps(make_anchor(head[0], head[1], timezone.now().isoformat()), indent=2))
