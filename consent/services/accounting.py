"""The accounting of disclosures, and the consent summary on the chart."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

import audit
from audit.services import refuse
from consent import pdf
from consent.models import Disclosure
from consent.services._common import ACCOUNTING_YEARS, _client_for_staff, _own_client
from practice.models import User
from records.models import Client
from records.permissions import VIEW_CHART


# --- Accounting of disclosures ------------------------------------------------------------------
def accounting(*, actor: User, record_number: str | None = None, purpose: str = "view") -> tuple[Client, list]:
    """45 CFR 164.528: every disclosure of the last six years with date, recipient,
    description and purpose. Rule: the client themself, or staff who read the chart."""
    action = f"accounting.{purpose}"
    if record_number is None:
        client = _own_client(actor)
        if client is None:
            refuse(action, actor, object_type="client", object_id="", reason="no client record", not_found=False)
    else:
        client = _client_for_staff(actor, record_number, VIEW_CHART, action)
    since = timezone.now() - timedelta(days=365 * ACCOUNTING_YEARS + 2)
    audit.record(action=action, actor=actor, client=client, object_type="client", object_id=client.pk)
    rows = list(Disclosure.objects.filter(client=client, made_at__gte=since).select_related("made_by").defer("package"))
    return client, rows


def accounting_pdf(*, actor: User, record_number: str | None = None) -> bytes:
    client, rows = accounting(actor=actor, record_number=record_number, purpose="print")
    return pdf.accounting_pdf(client=client, disclosures=rows)


def chart_consents(*, client: Client) -> dict:
    """For the chart page (already access-checked and audited by records.chart_view)."""
    return {
        "authorizations": list(client.authorizations.select_related("prepared_by")),
        "disclosures": list(client.disclosures.select_related("made_by", "link").defer("package")),
    }
