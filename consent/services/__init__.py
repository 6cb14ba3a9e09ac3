"""Consent use cases, one module per concern:

- authorizations: the care team prepares, sends, views and prints authorizations;
- signing: the client signs, declines or revokes one;
- invitations: a client without an account accepts a one-time link;
- portal: the client portal's home page;
- disclosures: every disclosure through the consent gate (with an authorization, or
  under a legal basis), cancellation;
- approvals: a practice admin other than the requester approves or rejects a legal-basis
  release of psychotherapy notes or 42 CFR Part 2 records;
- preview: what a disclosure's package will hold, and what the client receives when an
  authorization is sent, before either happens (the confirmations);
- delivery: a recipient opens the link, enters the code, downloads the package;
- part2: a practice admin marks a client as covered by 42 CFR Part 2;
- accounting: the accounting of disclosures and the chart's consent summary.

Every use case checks access, writes its audit event (changes: in the same transaction;
reads: before returning), and records refusals.
"""

from consent.services._common import ACCOUNTING_YEARS, ConsentDenied
from consent.services.accounting import accounting, accounting_pdf, chart_consents
from consent.services.approvals import (
    legal_request_approve,
    legal_request_reject,
    legal_requests_for_review,
    pending_count,
)
from consent.services.authorizations import (
    TextChanged,
    authorization_pdf,
    authorization_prepare,
    authorization_send,
    authorization_view,
)
from consent.services.delivery import LinkRefused, delivery_download, delivery_open, delivery_unlock
from consent.services.disclosures import disclose_without_authorization, disclosure_cancel, share
from consent.services.invitations import invitation_accept, invitation_is_valid
from consent.services.part2 import client_mark_part2, client_part2_view
from consent.services.portal import portal_home
from consent.services.preview import authorization_send_preview, disclosure_preview, preview_matches, sign_preview
from consent.services.signing import authorization_decline, authorization_revoke, authorization_sign, sign_problem

__all__ = [
    "ACCOUNTING_YEARS",
    "ConsentDenied",
    "LinkRefused",
    "TextChanged",
    "accounting",
    "accounting_pdf",
    "authorization_decline",
    "authorization_pdf",
    "authorization_prepare",
    "authorization_revoke",
    "authorization_send",
    "authorization_send_preview",
    "authorization_sign",
    "authorization_view",
    "chart_consents",
    "client_mark_part2",
    "client_part2_view",
    "delivery_download",
    "delivery_open",
    "delivery_unlock",
    "disclose_without_authorization",
    "disclosure_preview",
    "disclosure_cancel",
    "invitation_accept",
    "invitation_is_valid",
    "legal_request_approve",
    "legal_request_reject",
    "legal_requests_for_review",
    "pending_count",
    "portal_home",
    "preview_matches",
    "share",
    "sign_preview",
    "sign_problem",
]
