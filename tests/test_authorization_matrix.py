"""The authorization matrix: every URL of the application, with every method its view
accepts, as each kind of person, against one table of expected outcomes.

The URLs come from the URLconf, so a new page is in the walk the day it is added: with
no row below, the suite fails and says which row to add. The audit is checked in the
same walk, by the request id each response carries: an allowed data response has
exactly one allowed event, a refusal exactly one denied event.

Columns (the world is built in `MatrixTestCase.setUp`; one client record, `rec`):
    anon  not signed in
    cli   the client of `rec`, signed in to the portal
    ocl   another client, with a record and portal account of their own
    cou   alice, `rec`'s assigned counselor (pre-licensed: her signed note awaits co-signature)
    cot   carol, a co-therapist on `rec`
    una   bob, a counselor not assigned to `rec` (assigned to the other client)
    sup   sam, alice's supervisor
    osu   sue, another supervisor (bob's)
    adm   avery, a practice admin
    su    root, a practice admin whose account is flagged superuser and staff
    unv   alice again, signed in without verifying her second factor
    dea   dana, a co-therapist on `rec` whose account was then deactivated

Codes (see tests/matrix.py CODES):
    A  allowed, with exactly one allowed audit event      a  answered, no client data, no event
    D  refused (403/404), with exactly one denied event   F  refused with a message, one denied event
    L  sent to sign-in                                    V  sent to two-factor verification

Every POST is sent empty: a view that acts without form fields (sign, co-sign, revoke,
discharge, deactivate) really acts, and the savepoint around each request undoes it.

To add a URL: add its row (the failure message prints one filled in from what the
walk saw; check each A and a against who should get in before pasting it), and if its
route has a new parameter, say in PARAMETERS which object fills it.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, timedelta

from django.core import mail
from django.test import override_settings
from django.utils import timezone

from clinical import services as clinical_services
from consent import services as consent_services
from consent.models import Invitation
from consent.services._common import _sha
from emergency import services as emergency_services
from practice.models import User
from practice.roles import Role
from records import services as records_services
from records.models import Assignment
from retention import services as retention_services
from retention.models import Disposal
from tests.base import make_user
from tests.clinical.base import completed, draft_plan, signed_plan
from tests.consent.base import BASE_URL, ConsentTestCase
from tests.matrix import CODES, COLUMNS, PERSONAS, Walker, lookup, parse_table, paths

# fmt: off
MATRIX = [
    # url name                    methods            anon cli ocl cou cot una sup osu adm su  unv dea
    # Public pages, sign-in and the session.
    ("home",                      "GET POST",        "L   A   A   A   A   A   A   A   a   a   V   L"),
    ("healthz",                   "GET",             "a   a   a   a   a   a   a   a   a   a   V   a"),
    ("login",                     "GET",             "a   a   a   a   a   a   a   a   a   a   V   a"),
    ("login",                     "POST PUT",        "F   a   a   a   a   a   a   a   a   a   V   F"),
    ("logout",                    "POST",            "L   A   A   A   A   A   A   A   A   A   A   L"),
    ("two_factor_setup",          "GET",             "L   A   A   V   V   V   V   V   V   V   V   L"),
    ("two_factor_setup",          "POST",            "L   V   V   V   V   V   V   V   V   V   V   L"),
    ("two_factor_verify",         "GET POST",        "L   a   a   a   a   a   a   a   a   a   a   L"),
    ("two_factor_recovery_codes", "POST",            "L   D   D   A   A   A   A   A   A   A   V   L"),
    ("keepalive",                 "POST",            "L   a   a   a   a   a   a   a   a   a   a   L"),
    ("session_status",            "GET",             "L   a   a   a   a   a   a   a   a   a   a   L"),
    ("password_change",           "GET POST PUT",    "L   a   a   a   a   a   a   a   a   a   V   L"),
    ("password_change_done",      "GET",             "L   a   a   a   a   a   a   a   a   a   V   L"),
    ("password_reset",            "GET POST PUT",    "a   a   a   a   a   a   a   a   a   a   V   a"),
    ("password_reset_done",       "GET",             "a   a   a   a   a   a   a   a   a   a   V   a"),
    ("password_reset_confirm",    "GET POST PUT",    "a   a   a   a   a   a   a   a   a   a   V   a"),
    ("password_reset_complete",   "GET",             "a   a   a   a   a   a   a   a   a   a   V   a"),
    # Staff accounts: practice admins.
    ("staff_list",                "GET POST",        "L   D   D   D   D   D   D   D   a   a   V   L"),
    ("staff_create",              "GET POST",        "L   D   D   D   D   D   D   D   a   a   V   L"),
    ("staff_set_active",          "POST",            "L   D   D   D   D   D   D   D   A   A   V   L"),
    ("staff_reset_two_factor",    "POST",            "L   D   D   D   D   D   D   D   A   A   V   L"),
    ("staff_send_password_link",  "POST",            "L   D   D   D   D   D   D   D   A   A   V   L"),
    ("staff_change_role",         "GET POST",        "L   D   D   D   D   D   D   D   a   a   V   L"),
    # A counselor's supervisor and pre-licensed status (carol's, in the walk).
    ("staff_supervision",         "GET",             "L   D   D   D   D   D   D   D   a   a   V   L"),
    ("staff_supervision",         "POST",            "L   D   D   D   D   D   D   D   A   A   V   L"),
    # Records: the care team writes, the supervisor reads, nobody else.
    ("caseload",                  "GET POST",        "L   D   D   A   A   A   A   A   D   D   V   L"),
    ("chart",                     "GET POST",        "L   D   D   A   A   D   A   D   D   D   V   L"),
    ("note_create",               "GET POST",        "L   D   D   A   A   D   D   D   D   D   V   L"),
    # Discharge (or readmit): a confirmation page, then the change; the care team or an admin.
    ("client_status",             "GET POST",        "L   D   D   A   A   D   D   D   A   A   V   L"),
    ("psychotherapy_note_create", "GET POST",        "L   D   D   A   A   D   D   D   D   D   V   L"),
    ("note_detail",               "GET POST",        "L   D   D   A   A   D   A   D   D   D   V   L"),
    # Not the author: the edit page sends readers to the note (a note.view event); an
    # edit they post is refused.
    ("note_edit",                 "GET",             "L   D   D   A   A   D   A   D   D   D   V   L"),
    ("note_edit",                 "POST",            "L   D   D   A   D   D   D   D   D   D   V   L"),
    ("note_print",                "GET POST",        "L   D   D   A   A   D   A   D   D   D   V   L"),
    # Signing: a confirmation of what will be locked (the author, a draft), then the signature.
    ("note_sign",                 "GET POST",        "L   D   D   A   D   D   D   D   D   D   V   L"),
    ("note_cosign",               "POST",            "L   D   D   D   D   D   A   D   D   D   V   L"),
    # Return for revision: only the author's supervisor (sam), with a comment.
    ("note_return",               "POST",            "L   D   D   D   D   D   A   D   D   D   V   L"),
    ("addendum_create",           "POST",            "L   D   D   A   A   D   D   D   D   D   V   L"),
    ("psychotherapy_note_detail", "GET POST",        "L   D   D   A   D   D   D   D   D   D   V   L"),
    # Clients and assignments: practice admins, who never read clinical content.
    ("admin_clients",             "GET POST",        "L   D   D   D   D   D   D   D   A   A   V   L"),
    ("admin_client_create",       "GET POST",        "L   D   D   D   D   D   D   D   a   a   V   L"),
    ("admin_client_assignments",  "GET POST",        "L   D   D   D   D   D   D   D   A   A   V   L"),
    ("admin_unassign",            "POST",            "L   D   D   D   D   D   D   D   A   A   V   L"),
    # 42 CFR Part 2 as a property of the client: practice admins mark it, after a
    # confirmation (the walk's empty POST shows the page again).
    ("client_part2",              "GET POST",        "L   D   D   D   D   D   D   D   A   A   V   L"),
    # A copy of the record for a client's paper request (issue #12).
    ("admin_record_copy",         "GET POST",        "L   D   D   D   D   D   D   D   A   A   V   L"),
    # The audit log: practice admins.
    ("audit_log",                 "GET POST",        "L   D   D   D   D   D   D   D   A   A   V   L"),
    ("audit_export",              "GET POST",        "L   D   D   D   D   D   D   D   A   A   V   L"),
    ("audit_flags",               "GET POST",        "L   D   D   D   D   D   D   D   A   A   V   L"),
    ("audit_flag_review",         "POST",            "L   D   D   D   D   D   D   D   a   a   V   L"),
    ("audit_flags_reviewed",      "GET POST",        "L   D   D   D   D   D   D   D   A   A   V   L"),
    ("audit_verify",              "POST",            "L   D   D   D   D   D   D   D   A   A   V   L"),
    # Consent, the care team's side.
    ("authorization_new",         "GET POST",        "L   D   D   A   A   D   D   D   D   D   V   L"),
    ("authorization_from_request", "POST",           "L   D   D   A   A   D   D   D   D   D   V   L"),
    ("share",                     "GET POST",        "L   D   D   A   A   D   D   D   D   D   V   L"),
    ("disclose_legal",            "GET POST",        "L   D   D   A   A   D   D   D   D   D   V   L"),
    ("disclosure_cancel",         "POST",            "L   D   D   A   A   D   D   D   D   D   V   L"),
    ("accounting",                "GET POST",        "L   D   D   A   A   D   A   D   D   D   V   L"),
    ("accounting_pdf",            "GET POST",        "L   D   D   A   A   D   A   D   D   D   V   L"),
    ("authorization_detail",      "GET POST",        "L   D   D   A   A   D   A   D   D   D   V   L"),
    # Sending an authorization: what the client will receive (GET, or a POST without the
    # previewed text's hash, as the walk sends it), then the sending.
    ("authorization_send",        "GET POST",        "L   D   D   A   A   D   D   D   D   D   V   L"),
    ("authorization_pdf",         "GET POST",        "L   D   D   A   A   D   A   D   D   D   V   L"),
    # Disclosures without authorization that wait for a second person: practice admins
    # decide (the walk's request is alice's, so either admin may).
    ("legal_approvals",           "GET POST",        "L   D   D   D   D   D   D   D   A   A   V   L"),
    ("legal_request_approve",     "POST",            "L   D   D   D   D   D   D   D   A   A   V   L"),
    ("legal_request_reject",      "POST",            "L   D   D   D   D   D   D   D   A   A   V   L"),
    # The client portal: the client's own record only.
    ("portal_home",               "GET POST",        "L   A   A   D   D   D   D   D   D   D   V   L"),
    ("portal_authorization",      "GET POST",        "L   A   D   D   D   D   D   D   D   D   V   L"),
    ("portal_decline",            "GET POST",        "L   A   D   D   D   D   D   D   D   D   V   L"),
    ("portal_revoke",             "GET POST",        "L   A   D   D   D   D   D   D   D   D   V   L"),
    ("portal_authorization_pdf",  "GET POST",        "L   A   D   D   D   D   D   D   D   D   V   L"),
    ("portal_accounting",         "GET POST",        "L   A   A   D   D   D   D   D   D   D   V   L"),
    ("portal_accounting_pdf",     "GET POST",        "L   A   A   D   D   D   D   D   D   D   V   L"),
    ("portal_record",             "GET POST",        "L   A   A   D   D   D   D   D   D   D   V   L"),
    ("portal_note",               "GET POST",        "L   A   D   D   D   D   D   D   D   D   V   L"),
    ("portal_history",            "GET POST",        "L   A   A   D   D   D   D   D   D   D   V   L"),
    ("portal_copy_pdf",           "POST",            "L   A   A   D   D   D   D   D   D   D   V   L"),
    ("portal_copy_fhir",          "POST",            "L   A   A   D   D   D   D   D   D   D   V   L"),
    # Retention: practice admins. The walk's disposal (proposed by avery) is refused on
    # approval by its proposer and, its client having nothing to dispose yet, by root too.
    ("retention_overview",        "GET POST",        "L   D   D   D   D   D   D   D   A   A   V   L"),
    ("retention_policy_set",      "POST",            "L   D   D   D   D   D   D   D   A   A   V   L"),
    ("retention_hold_place",      "POST",            "L   D   D   D   D   D   D   D   A   A   V   L"),
    ("retention_hold_release",    "POST",            "L   D   D   D   D   D   D   D   A   A   V   L"),
    # rec's retention period has not ended: refused with a message.
    ("disposal_propose",          "POST",            "L   D   D   D   D   D   D   D   F   F   V   L"),
    ("disposal_approve",          "POST",            "L   D   D   D   D   D   D   D   F   F   V   L"),
    ("disposal_withdraw",         "POST",            "L   D   D   D   D   D   D   D   A   A   V   L"),
    # Only a completed disposal has a certificate.
    ("disposal_certificate",      "GET POST",        "L   D   D   D   D   D   D   D   D   D   V   L"),
    # Emergency (break-glass) access: any active clinician outside the care team may open
    # it, read-only, audited; practice admins review. The grant in the walk is sue's (osu),
    # on a third client, who has no counselor yet.
    ("emergency_open",            "GET",             "L   D   D   a   a   a   a   a   D   D   V   L"),
    ("emergency_open",            "POST",            "L   D   D   F   F   A   F   A   D   D   V   L"),
    ("emergency_end",             "POST",            "L   D   D   D   D   D   D   A   D   D   V   L"),
    ("emergency_queue",           "GET POST",        "L   D   D   D   D   D   D   D   A   A   V   L"),
    ("emergency_review",          "POST",            "L   D   D   D   D   D   D   D   A   A   V   L"),
    # The clinical record (issue #14): the care team writes, their supervisors read,
    # practice admins read nothing clinical.
    ("diagnoses",                 "GET POST",        "L   D   D   A   A   D   A   D   D   D   V   L"),
    ("diagnosis_add",             "GET POST",        "L   D   D   A   A   D   D   D   D   D   V   L"),
    ("diagnosis_revise",          "GET POST",        "L   D   D   A   A   D   D   D   D   D   V   L"),
    ("plans",                     "GET POST",        "L   D   D   A   A   D   A   D   D   D   V   L"),
    ("plan_new",                  "GET POST",        "L   D   D   A   A   D   D   D   D   D   V   L"),
    ("plan_detail",               "GET POST",        "L   D   D   A   A   D   A   D   D   D   V   L"),
    # A draft is changed and signed by its author only; a sign posted without the
    # confirmation page's digest is refused with a message.
    ("plan_edit",                 "GET POST",        "L   D   D   A   D   D   D   D   D   D   V   L"),
    ("plan_sign",                 "GET",             "L   D   D   A   D   D   D   D   D   D   V   L"),
    ("plan_sign",                 "POST",            "L   D   D   F   D   D   D   D   D   D   V   L"),
    ("measures",                  "GET POST",        "L   D   D   A   A   D   A   D   D   D   V   L"),
    ("measure_assign",            "POST",            "L   D   D   A   A   D   D   D   D   D   V   L"),
    ("measure_enter",             "GET POST",        "L   D   D   A   A   D   D   D   D   D   V   L"),
    ("measure_detail",            "GET POST",        "L   D   D   A   A   D   A   D   D   D   V   L"),
    # The alert is raised for the care team (alice and carol), not their supervisors.
    ("measure_reviewed",          "POST",            "L   D   D   A   A   D   D   D   D   D   V   L"),
    ("portal_questionnaire",      "GET POST",        "L   A   D   D   D   D   D   D   D   D   V   L"),
    ("portal_plan_acknowledge",   "GET POST",        "L   A   D   D   D   D   D   D   D   D   V   L"),
    # People outside the practice: a one-time link (the form shows nothing of the record).
    ("invitation_accept",         "GET POST",        "a   a   a   a   a   a   a   a   a   a   V   a"),
    # The recipient's page: opening a usable link is audited (who sent it, until when,
    # downloads left: an event of the client's record), whoever opens it.
    ("delivery_download",         "GET POST",        "A   A   A   A   A   A   A   A   A   A   V   A"),
]
# fmt: on

# Which object fills each route parameter: {parameter: object name}, and per URL where
# the URL needs another object (a draft to sign, a signed note to co-sign).
PARAMETERS = {
    "record_number": "rec_number",
    "note_id": "draft_note",
    "auth_id": "signed_auth",
    "disclosure_id": "disclosure",
    "user_id": "cotherapist_id",
    "token": "unknown_token",
    "uidb64": "unknown_token",
    "access_id": "emergency_access",
    "hold_id": "legal_hold",
    "disposal_id": "disposal",
    "diagnosis_id": "diagnosis",
    "plan_id": "signed_plan",
    "measure_id": "completed_measure",
    "request_id": "legal_request",
}
PARAMETERS_BY_URL = {
    ("note_cosign", "note_id"): "signed_note",
    ("addendum_create", "note_id"): "signed_note",
    ("note_return", "note_id"): "signed_note",
    ("psychotherapy_note_detail", "note_id"): "psychotherapy_note",
    ("portal_note", "note_id"): "signed_note",
    ("authorization_send", "auth_id"): "draft_auth",
    ("portal_authorization", "auth_id"): "pending_auth",
    ("portal_decline", "auth_id"): "pending_auth",
    ("invitation_accept", "token"): "invitation_token",
    ("delivery_download", "token"): "delivery_token",
    ("plan_edit", "plan_id"): "draft_plan",
    ("plan_sign", "plan_id"): "draft_plan",
    ("portal_questionnaire", "measure_id"): "waiting_measure",
}

# What a POST sends (empty unless said here). A form view checks access to the change
# only once its form is valid, so its row is only honest with a valid form.
FORM_DATA = {
    ("addendum_create", "POST"): {"text": "Correction: the session lasted 45 minutes."},
    ("note_return", "POST"): {"comment": "Say what the client agreed to try before next session."},
    ("admin_client_assignments", "POST"): lambda case: {"counselor": case.unassigned.pk, "kind": "co_therapist"},
    ("emergency_open", "POST"): lambda case: {
        "record_number": case.rec.record_number,
        "reason": "risk_to_client",
        "justification": "Client called in crisis; the counselor cannot be reached.",
    },
    ("emergency_review", "POST"): {"decision": "acknowledged", "comment": "Checked with the counselor."},
    ("disposal_propose", "POST"): lambda case: {"record_number": case.rec.record_number},
    ("note_sign", "POST"): lambda case: {"version": str(case.draft_note.version)},
    ("client_status", "POST"): lambda case: {"discharged": "1", "on": timezone.localdate().isoformat()},
    ("retention_hold_release", "POST"): {"reason": "The case was settled."},
    ("measure_assign", "POST"): {"instrument": "gad7"},
}


def form_data(case, key: str, method: str) -> dict | None:
    data = FORM_DATA.get((key, method))
    return data(case) if callable(data) else data


class MatrixTestCase(ConsentTestCase):
    """The world of the table: see the module docstring."""

    def setUp(self):
        avery = self.avery
        self.counselor, self.unassigned, self.supervisor = self.alice, self.bob, self.sam
        self.practice_admin, self.superuser, self.client_user = avery, self.root, self.claire
        self.other_supervisor = make_user("sue", Role.SUPERVISOR)
        self.cotherapist = make_user("carol", Role.COUNSELOR)
        self.deactivated = make_user("dana", Role.COUNSELOR)
        self.other_client_user = make_user("dave", Role.CLIENT)
        self.other.user = self.other_client_user
        self.other.save()
        records_services.set_supervision(actor=avery, counselor=self.alice, supervisor=self.sam, pre_licensed=True)
        records_services.set_supervision(
            actor=avery, counselor=self.bob, supervisor=self.other_supervisor, pre_licensed=False
        )
        for person in (self.cotherapist, self.deactivated):
            records_services.assign(actor=avery, client=self.rec, counselor=person, kind=Assignment.Kind.CO_THERAPIST)
        User.objects.filter(pk=self.deactivated.pk).update(is_active=False)

        self.draft_note = self.write_note()
        self.signed_note = self.signed_note_()
        self.psychotherapy_note = records_services.psychotherapy_note_create(
            actor=self.alice, record_number=self.rec.record_number, date_of_service=date(2026, 11, 2), text="Process."
        )
        self.signed_auth = self.signed()
        self.pending_auth = self.prepare()
        consent_services.authorization_send(actor=self.alice, auth_id=self.pending_auth.pk, request_base_url=BASE_URL)
        self.draft_auth = self.prepare()
        mail.outbox.clear()
        self.disclosure = self.share()
        self.delivery_token = next(
            re.search(r"/d/([\w-]+)/", m.body).group(1) for m in mail.outbox if re.search(r"/d/([\w-]+)/", m.body)
        )
        # alice's psychotherapy notes asked for under a court order: waiting for an admin.
        self.legal_request = consent_services.disclose_without_authorization(
            actor=self.alice,
            record_number=self.rec.record_number,
            base_url=BASE_URL,
            legal_basis="court_order",
            justification="The court ordered the treating counselor's notes produced.",
            court_name="Superior Court of Example County",
            court_date=date(2026, 11, 20),
            court_reference="26-CV-4411",
            **self.request(categories=frozenset(), psychotherapy_notes=True, purpose="legal"),
        )
        newcomer = records_services.client_create(
            actor=avery, first_name="Rio", last_name="Vale", date_of_birth=date(2000, 5, 5), email="rio@example.invalid"
        )
        self.emergency_access = emergency_services.emergency_open(
            actor=self.other_supervisor,
            record_number=newcomer.record_number,
            reason="covering",
            justification="Covering for bob in a crisis call this afternoon.",
        )
        self.legal_hold = retention_services.hold_place(
            actor=avery, record_number=self.rec.record_number, reason="A subpoena is expected."
        )
        # A disposal proposed by avery, of the client nobody cares for yet: another admin
        # approves it (root, in the walk), never the one who proposed it.
        policy = retention_services._policy_on_file()
        self.disposal = Disposal.objects.create(
            client=newcomer,
            record_number=newcomer.record_number,
            proposed_by=avery,
            proposed_at=timezone.now(),
            policy=policy,
            years_after_service=policy.years_after_service,
            age_of_majority=policy.age_of_majority,
            years_after_majority=policy.years_after_majority,
            was_minor=False,
            retain_until=date(2020, 1, 1),
            registered_on=date(2010, 1, 1),
        )
        self.diagnosis = clinical_services.diagnosis_add(
            actor=self.alice, record_number=self.rec.record_number, code="F41.1", kind="primary"
        )
        self.signed_plan = signed_plan(self.alice, self.rec)
        self.draft_plan = draft_plan(self.alice, self.rec, problem="Sleep")
        self.waiting_measure = clinical_services.measure_assign(
            actor=self.alice, record_number=self.rec.record_number, instrument="phq9"
        )
        # Item 9 above 0: an alert for the care team.
        self.completed_measure = completed(self.alice, self.rec, "phq9", [1, 1, 1, 1, 1, 1, 1, 1, 1])
        self.invitation_token = secrets.token_urlsafe(32)
        Invitation.objects.create(
            client=newcomer,
            token_sha256=_sha(self.invitation_token),
            created_by=self.alice,
            expires_at=timezone.now() + timedelta(days=14),
        )

    def signed_note_(self):
        note = self.write_note(date_of_service=date(2026, 10, 5))
        return records_services.note_sign(actor=self.alice, note_id=note.pk)

    # Values the route parameters are filled with.
    def parameter(self, key: str, name: str):
        source = PARAMETERS_BY_URL.get((key, name)) or PARAMETERS.get(name)
        if source is None:
            return None
        values = {
            "rec_number": lambda: self.rec.record_number,
            "cotherapist_id": lambda: self.cotherapist.pk,
            "unknown_token": lambda: "x" * 20,
        }
        if source in values:
            return values[source]()
        value = getattr(self, source)
        return value if isinstance(value, str) else value.pk


def walk(case, column: str, table, *, urlconf=None, only=None) -> list[str]:
    """Every URL and method as one person: the lines that do not match the table."""
    walker = Walker(case, column, urlconf)
    problems = []
    for key, path, methods, missing in paths(case, urlconf, only):
        if missing:
            problems.append(f"{key}: no object for parameter(s) {missing}: say which in PARAMETERS")
            continue
        for method in methods:
            row = lookup(table, key, method)
            if row is None:
                continue  # test_every_url_and_method_has_a_row names it
            expected = row.codes[column]
            got = walker.request(method, path, form_data(case, key, method))
            if got.code != expected and not (expected == "S" and got.code != "500"):
                unexpected_success = got.code in ("A", "a", "F") and expected in ("D", "L", "V")
                problems.append(
                    f"{method} {path} ({key}) as {column}: expected {expected} ({CODES[expected]}), got {got.code}: "
                    f"{got.detail}" + ("  <-- UNEXPECTED SUCCESS" if unexpected_success else "")
                )
    return problems


def suggested_row(case, key: str, methods, *, urlconf=None) -> str:
    """The row the walk saw for one URL, formatted for the table."""
    lines = []
    for method in methods:
        codes = []
        for column in COLUMNS:
            walker = Walker(case, column, urlconf)
            _, path, _, _ = next(paths(case, urlconf, {key}))
            codes.append(walker.request(method, path, form_data(case, key, method)).code)
        lines.append(f'    ({key!r:30}, {method!r:18}, "{"   ".join(c.ljust(1) for c in codes)}"),'.replace("'", '"'))
    return "\n".join(lines)


def missing_rows(case, table, *, urlconf=None) -> list[str]:
    problems = []
    for key, _path, methods, missing in paths(case, urlconf):
        absent = [m for m in methods if lookup(table, key, m) is None]
        if not absent:
            continue
        if missing:
            problems.append(f"{key}: no row for {absent}, and no object for parameter(s) {missing} (PARAMETERS)")
            continue
        problems.append(
            f"{key}: no row for {' '.join(absent)}. Add to MATRIX in tests/test_authorization_matrix.py "
            f"(this is what the walk saw; check every A and a is someone who should get in):\n"
            + suggested_row(case, key, absent, urlconf=urlconf)
        )
    return problems


TABLE = parse_table(MATRIX)


class AuthorizationMatrixTest(MatrixTestCase):
    def assertWalkMatches(self, column):
        problems = walk(self, column, TABLE)
        if problems:
            self.fail(f"{len(problems)} outcome(s) differ from the table:\n" + "\n".join(problems))

    def test_every_url_and_method_has_a_row(self):
        problems = missing_rows(self, TABLE)
        if problems:
            self.fail("URLs without a row in the authorization matrix:\n" + "\n\n".join(problems))

    def test_no_row_names_a_url_that_is_gone(self):
        present = {(key, m) for key, _route, methods, _ in paths(self) for m in methods}
        namespaces = {key.split(":", 1)[0] for key, _m in present if ":" in key}
        stale = [
            f"{key} {method}"
            for key, method in TABLE
            if (key, method) not in present and not (key.endswith(":*") and key[:-2] in namespaces)
        ]
        self.assertEqual(stale, [], "rows for URLs or methods that no longer exist: remove them")


def _persona_test(column):
    def test(self):
        self.assertWalkMatches(column)

    test.__name__ = f"test_walk_as_{column}"
    test.__doc__ = f"Every URL as {column}: {next(p[1] for p in PERSONAS if p[0] == column) or 'anonymous'}."
    return test


for _column in COLUMNS:
    setattr(AuthorizationMatrixTest, f"test_walk_as_{_column}", _persona_test(_column))


@override_settings(ROOT_URLCONF="tests.matrix_leaky_urls")
class MatrixCatchesAViewWithoutAccessCheckTest(MatrixTestCase):
    """A page that reads a client record without asking who is asking (and without an
    audit event) cannot be added unnoticed."""

    def test_a_new_url_without_a_row_fails_and_says_what_to_add(self):
        problems = missing_rows(self, TABLE)
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("careless_chart: no row for GET POST. Add to MATRIX", problems[0])
        # The suggested row shows the hole: everyone signed in got the page, unaudited.
        self.assertIn('("careless_chart"', problems[0])
        self.assertIn("a   a   a   a", problems[0])

    def test_a_row_that_expects_refusals_fails_on_the_unchecked_view(self):
        table = parse_table([*MATRIX, ("careless_chart", "GET POST", CHART_ROW)])
        for column in ("cli", "una", "osu", "adm", "su"):
            problems = walk(self, column, table, only={"careless_chart"})
            self.assertEqual(len(problems), 2, problems)  # GET and POST
            for problem in problems:
                self.assertIn(f"as {column}: expected D", problem)
                self.assertIn("got a: 200, events allowed=0 denied=0", problem)
                self.assertIn("UNEXPECTED SUCCESS", problem)
        # The care team gets the page, but without its audit event: also caught.
        problems = walk(self, "cou", table, only={"careless_chart"})
        self.assertEqual(len(problems), 2, problems)
        self.assertIn("expected A", problems[0])


CHART_ROW = next(codes for key, _methods, codes in MATRIX if key == "chart")
